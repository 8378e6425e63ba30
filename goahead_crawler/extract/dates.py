"""Dates as Blogger pages show them, normalised to ISO 8601.

Machine dates (``abbr@title``, ``time@datetime``, JSON-LD) keep their UTC offset. Visible
dates become a bare date, in the forms Blogger's date header takes in the languages of its
interface: "Sunday, January 21, 2024", "21 มกราคม 2567", "21.01.2024", "domingo, 21 de enero
de 2024", "2024年1月21日", "2024년 1월 21일", "الأحد، 21 يناير 2024" (any script's digits);
Thai Buddhist-era years (2567) become Common Era (2024). A header without a year ("Sunday,
September 9", a template option) takes it from the post's ``/YYYY/MM/`` URL when the
months agree.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

BUDDHIST_ERA_OFFSET = 543
# Years read from a page outside this range are not Common Era post dates (a Solar Hijri
# "1402", a two-digit typo): no date rather than a wrong one.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200

# One line per month, January first: the names Blogger's date header uses in its interface
# languages (en de fr th es pt it nl id tr ru pl ar he fa el hi); "_" stands for a space.
_MONTH_NAMES = """
january jan januar janvier มกราคม ม.ค. enero janeiro gennaio januari ocak января январь stycznia styczeń يناير كانون_الثاني ינואר בינואר ژانویه ιανουαρίου ιανουάριος जनवरी
february feb februar février กุมภาพันธ์ ก.พ. febrero fevereiro febbraio februari şubat subat февраля февраль lutego luty فبراير شباط פברואר בפברואר فوریه φεβρουαρίου φεβρουάριος फरवरी फ़रवरी
march mar märz mars มีนาคม มี.ค. marzo março maart maret mart марта март marca marzec مارس آذار מרץ במרץ μαρτίου μάρτιος मार्च
april apr avril เมษายน เม.ย. abril aprile nisan апреля апрель kwietnia kwiecień أبريل إبريل نيسان אפריל באפריל آوریل απριλίου απρίλιος अप्रैल
may mai พฤษภาคม พ.ค. mayo maio maggio mei mayıs mayis мая май maja maj مايو أيار מאי במאי مه μαΐου μάιος मई
june jun juni juin มิถุนายน มิ.ย. junio junho giugno haziran июня июнь czerwca czerwiec يونيو حزيران יוני ביוני ژوئن ιουνίου ιούνιος जून
july jul juli juillet กรกฎาคม ก.ค. julio julho luglio temmuz июля июль lipca lipiec يوليو تموز יולי ביולי ژوئیه ιουλίου ιούλιος जुलाई
august aug août สิงหาคม ส.ค. agosto augustus agustus ağustos agustos августа август sierpnia sierpień أغسطس آب אוגוסט באוגוסט اوت αυγούστου αύγουστος अगस्त
september sep sept septembre กันยายน ก.ย. septiembre setembro settembre eylül eylul сентября сентябрь września wrzesień سبتمبر أيلول ספטמבר בספטמבר سپتامبر σεπτεμβρίου σεπτέμβριος सितंबर सितम्बर
october oct oktober octobre ตุลาคม ต.ค. octubre outubro ottobre ekim октября октябрь października październik أكتوبر تشرين_الأول אוקטובר באוקטובר اکتبر οκτωβρίου οκτώβριος अक्टूबर अक्तूबर
november nov novembre พฤศจิกายน พ.ย. noviembre novembro kasım kasim ноября ноябрь listopada listopad نوفمبر تشرين_الثاني נובמבר בנובמבר نوامبر νοεμβρίου νοέμβριος नवंबर नवम्बर
december dec dezember décembre ธันวาคม ธ.ค. diciembre dezembro dicembre desember aralık aralik декабря декабрь grudnia grudzień ديسمبر كانون_الأول דצמבר בדצמבר دسامبر δεκεμβρίου δεκέμβριος दिसंबर दिसम्बर
"""
MONTHS: dict[str, int] = {
    unicodedata.normalize("NFC", name.replace("_", " ")): number
    for number, line in enumerate(_MONTH_NAMES.strip().splitlines(), start=1)
    for name in line.split()
}

_MONTH_RE = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_ERA = r"(?:พ\.\s?ศ\.|ค\.\s?ศ\.)?\s*"  # Thai "B.E." / "C.E." before the year
_OF = r"(?:de\s+|del\s+)?"  # Spanish and Portuguese: "21 de enero de 2024"
_DAY_MONTH_YEAR = re.compile(
    rf"(\d{{1,2}})\.?\s*{_OF}({_MONTH_RE})\.?,?\s*{_OF}{_ERA}(\d{{4}})", re.IGNORECASE
)
_MONTH_DAY_YEAR = re.compile(
    rf"({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", re.IGNORECASE
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# Chinese, Japanese, Korean: 2024年1月21日, 2024년 1월 21일; Vietnamese "21 tháng 1, 2024".
_YEAR_MONTH_DAY_CJK = re.compile(r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})")
_VIETNAMESE = re.compile(r"(\d{1,2})\s+tháng\s+(\d{1,2}),?\s+(?:năm\s+)?(\d{4})", re.IGNORECASE)
_NUMERIC = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")
# No year shown: "Sunday, September 9", "9 September", "9月21日"
_MONTH_DAY = re.compile(rf"(?<!\w)({_MONTH_RE})\.?\s+(\d{{1,2}})(?!\d)", re.IGNORECASE)
_DAY_MONTH = re.compile(rf"(?<!\d)(\d{{1,2}})\.?\s*{_OF}({_MONTH_RE})(?!\w)", re.IGNORECASE)
_URL_YEAR_MONTH = re.compile(r"^https?://[^/]+/(\d{4})/(\d{2})/")


def normalise_machine_date(value: str | None) -> str | None:
    """An ISO-ish timestamp as ISO 8601, offset kept; ``None`` if it is not one."""
    if not value:
        return None
    value = value.strip()
    candidate = value.replace("Z", "+00:00") if value.endswith("Z") else value
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return parse_visible_date(value)
    if len(candidate) <= 10:
        return parsed.date().isoformat()
    return parsed.isoformat()


def parse_visible_date(text: str | None, url: str = "") -> str | None:
    """A human-written date as ``YYYY-MM-DD``. ``url``, the post's address, settles what the
    text leaves open: the year of a header that shows none, and day-first or month-first in
    a numeric date ("10/28/2012" is month-first whatever the URL says)."""
    if not text:
        return None
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    url_year, url_month = _url_year_month(url)
    for pattern, order in (
        (_ISO_DATE, "ymd"),
        (_YEAR_MONTH_DAY_CJK, "ymd"),
        (_VIETNAMESE, "dmy"),
        (_MONTH_DAY_YEAR, "mdy"),
        (_DAY_MONTH_YEAR, "dmy"),
    ):
        found = _first_date(pattern, order, text)
        if found:
            return found
    numeric = _numeric(text, url_month)
    if numeric or not url_year:
        return numeric
    return _without_year(text, url_year, url_month)


def _first_date(pattern: re.Pattern[str], order: str, text: str) -> str | None:
    match = pattern.search(text)
    return _build(dict(zip(order, match.groups(), strict=True))) if match else None


def _numeric(text: str, url_month: int | None) -> str | None:
    """``D/M/YYYY`` or ``M/D/YYYY``: the order whose month is the URL's, else the one that
    is a date, day first when both are."""
    match = _NUMERIC.search(text)
    if not match:
        return None
    first, second, year = match.groups()
    day_first = _build({"d": first, "m": second, "y": year})
    month_first = _build({"m": first, "d": second, "y": year})
    if url_month is not None and month_first and int(first) == url_month != int(second):
        return month_first
    return day_first or month_first


def _without_year(text: str, year: int, month: int | None) -> str | None:
    """A date header without its year, dated by the post's URL when the months agree."""
    for pattern, order in ((_MONTH_DAY, "md"), (_DAY_MONTH, "dm")):
        match = pattern.search(text)
        if match:
            parts = dict(zip(order, match.groups(), strict=True))
            found = _build({**parts, "y": str(year)})
            if found and int(found[5:7]) == month:
                return found
    return None


def _url_year_month(url: str) -> tuple[int | None, int | None]:
    match = _URL_YEAR_MONTH.match(url or "")
    if not match:
        return None, None
    return int(match.group(1)), int(match.group(2))


def _build(parts: dict[str, str]) -> str | None:
    month_text = parts["m"]
    month = int(month_text) if month_text.isdigit() else MONTHS.get(month_text.lower())
    year = int(parts["y"])
    if year > 2400:  # Thai Buddhist era
        year -= BUDDHIST_ERA_OFFSET
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return None
    try:
        return date(year, month or 0, int(parts["d"])).isoformat()
    except ValueError:
        return None
