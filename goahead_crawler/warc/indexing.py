"""Indexes and packages of finished WARC files: CDXJ (cdxj-indexer) and WACZ (py-wacz).

Both tools are optional dependencies; each function raises ``ImportError`` with the
package to install when its tool is missing. Neither tool survives a damaged file, so
both see only what :func:`goahead_crawler.warc.scan.scan_warc` found readable: the CDXJ
indexer reads the good records where they are (offsets stay true), py-wacz packages a
copy of a damaged file holding its good records only. Each damaged stretch, and each
body py-wacz would have inflated past the crawl's limit, is one line in ``problems``.
"""

from __future__ import annotations

import contextlib
import gc
import json
import tempfile
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator

from goahead_crawler.warc.reader import MAX_PAYLOAD
from goahead_crawler.warc.revisits import is_not_modified, relied_on
from goahead_crawler.warc.scan import Damage, Scanned, scan_stream, scan_warc

#: Record types in a CDXJ index, named because importing py-wacz adds "warcinfo" to
#: cdxj-indexer's defaults for the whole process. Our metadata records
#: (application/warc-fields) are left out, as cdxj-indexer's defaults do.
INDEXED = "response,revisit,resource"
_CHUNK = 1 << 16


def replayable(record: Any) -> bool:
    """Whether a replay index should list ``record``. A server-not-modified revisit (a
    re-crawl's conditional request answered 304) holds the 304's headers and no body;
    pywb and ReplayWeb.page replay a revisit with its own status line, so listed, it is
    the latest capture and the browser gets a bodyless 304 (a broken image, a blank page).
    Left out, the capture it confirms (its bytes, unchanged since) is the latest. The
    record stays in the WARC file; ``warc-get`` follows it."""
    if record.rec_type != "revisit":
        return True
    return not is_not_modified(record.rec_headers.get_header("WARC-Profile"))


MAX_UNRESOLVED_NAMED = 10  # lines, then a count: a folder may hold thousands of them


class Reliances:
    """The revisits an index reads and the full responses it lists, by (URL, payload
    digest): a revisit whose response (:func:`~goahead_crawler.warc.revisits.relied_on`)
    is among none of them (its WARC file moved away) does not replay, which is said, not
    passed over. A 304 is left out of the index anyway (:func:`replayable`); an
    identical-payload revisit stays listed (pywb then tries the URL's other captures)."""

    def __init__(self) -> None:
        self.responses: set[tuple[str, str]] = set()
        # (url, the response relied on, whether a 304) -> the first file holding one
        self.revisits: dict[tuple[str, tuple[str, str], bool], str] = {}

    def note(self, record: Any, filename: str) -> None:
        h = record.rec_headers
        url = h.get_header("WARC-Target-URI") or ""
        digest = h.get_header("WARC-Payload-Digest") or ""
        if record.rec_type == "response":
            self.responses.add((url, digest))
        elif record.rec_type == "revisit":
            key = relied_on(url, h.get_header("WARC-Refers-To-Target-URI"), digest)
            self.revisits.setdefault((url, key, not replayable(record)), filename)

    def problems(self) -> list[str]:
        """A line for each revisit relying on a response not read (the first few, then a
        count)."""
        lost = [(url, key, name, not_modified)
                for (url, key, not_modified), name in self.revisits.items()
                if key not in self.responses]
        lines = [_unresolved(*found) for found in lost[:MAX_UNRESOLVED_NAMED]]
        if len(lost) > MAX_UNRESOLVED_NAMED:
            lines.append(f"and {len(lost) - MAX_UNRESOLVED_NAMED} more revisits whose"
                         " captures are in none of these WARC files")
        return lines


def _unresolved(url: str, key: tuple[str, str], name: str, not_modified: bool) -> str:
    if not_modified:
        return (f"{url}: a 304 Not Modified in {name} confirms a capture that is in none"
                " of these WARC files (moved away?): left out, not replayable")
    of = "" if key[0] == url else f" of {key[0]}"
    return (f"{url}: a revisit (identical payload) in {name} relies on a capture{of}"
            f" ({key[1]}) that is in none of these WARC files (moved away?): it will not"
            " replay")


class WaczError(RuntimeError):
    """py-wacz could not package the WARC files."""


#: ``pages.jsonl`` header: the page list ReplayWeb.page shows for a WACZ.
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Archived posts and pages"}
#: What a ``pages.jsonl`` line holds (ReplayWeb.page searches ``title`` and ``text``).
PAGE_KEYS = ("url", "ts", "title", "text")


def pages_outside(pages: Iterable[Mapping[str, object]], warc_paths: Iterable[str | Path]
                  ) -> list[Mapping[str, object]]:
    """The pages whose records (``warc_files``: the capture's file, and for a revisit its
    original's; None when the original is unknown) are not all among ``warc_paths``: a
    WACZ listing them would list pages it cannot replay."""
    names = {Path(p).name for p in warc_paths}
    return [page for page in pages
            if page.get("warc_files") is None or not set(page["warc_files"]) <= names]


@contextlib.contextmanager
def _reclaiming_spools() -> Iterator[None]:
    """cdxj-indexer (also inside py-wacz) buffers record bodies in SpooledTemporaryFiles it
    never closes. They are reclaimed (and warn) as the indexer drops them, or later at a
    garbage collection: silence that one warning here and collect before leaving, so it
    never surfaces at some later, unrelated moment."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            yield
        finally:
            gc.collect()


class CheckedRecords:
    """An ``ArchiveIterator`` stand-in for cdxj-indexer: the readable records of one
    file, at their true offsets, damage noted in ``problems``."""

    def __init__(self, fh: BinaryIO, name: str, problems: list[str]) -> None:
        self.fh = fh
        self.found: list[Scanned] = []
        for item in scan_stream(fh, name):
            if isinstance(item, Damage):
                problems.append(str(item))
            else:
                self.found.append(item)
        self.current: Scanned | None = None

    def __iter__(self) -> Iterator[Any]:
        for found in self.found:
            self.current = found
            self.fh.seek(found.offset)
            yield next(iter(ArchiveIterator(self.fh, arc2warc=True)))

    def get_record_offset(self) -> int:
        return self.current.offset if self.current else 0

    def get_record_length(self) -> int:
        return self.current.length if self.current else 0

    def read_to_end(self, record: Any = None) -> None:
        """Records are read whole by the scan already."""


def write_cdxj(warc_paths: Iterable[str | Path], out: str | Path | IO[str],
               problems: list[str] | None = None) -> None:
    """Write a sorted CDXJ index of ``warc_paths`` to ``out`` (a path or text stream).

    The ``filename`` field is each WARC's base name, as stored in captures. Damaged
    stretches are left out, each described in ``problems``; so is each revisit whose
    capture is in none of ``warc_paths`` (:class:`Reliances`; a 304 is left out).
    """
    try:
        from cdxj_indexer.main import CDXJIndexer
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("write_cdxj needs cdxj-indexer: pip install cdxj-indexer") from exc
    paths = [str(p) for p in warc_paths]
    if not paths:
        raise ValueError("no WARC files to index")
    roots = {str(Path(p).resolve().parent) for p in paths}
    root = roots.pop() if len(roots) == 1 else None
    target = str(out) if isinstance(out, str | Path) else out
    noted = problems if problems is not None else []

    class Checked(CDXJIndexer):
        def _create_record_iter(self, input_: Any) -> CheckedRecords:
            return CheckedRecords(input_, Path(self.curr_filename or "").name, noted)

        def filter_record(self, record: Any) -> bool:
            reliances.note(record, Path(self.curr_filename or "").name)
            return replayable(record) and super().filter_record(record)

        def get_url_key(self, url: str) -> str:
            """As cdxj-indexer's, whose bare ``except:`` also swallowed a Ctrl-C that
            came while it made a key (the index then ran on)."""
            import surt

            try:
                return surt.surt(url)
            except Exception:  # noqa: BLE001 - surt's errors are many; its key is optional
                return url

    reliances = Reliances()
    with _reclaiming_spools():
        Checked(target, paths, sort=True, dir_root=root, records=INDEXED).process_all()
    noted.extend(reliances.problems())


#: The steps py-wacz narrates on stdout as it builds a WACZ (wacz/main.py): dropped, so
#: that ``goahead wacz`` says one line, what it wrote; anything else it prints (a page it
#: could not match, an invalid one skipped) is a remark passed on
WACZ_STEPS = frozenset({
    "Validating passed pages.jsonl file", "Copying passed pages.jsonl file to WACZ",
    "Validating extra pages file", "Copying passed extraPages.jsonl file to WACZ",
    "Reading and Indexing All WARCs", "Writing archives...", "Writing logs...",
    "Generating page index...", "Generating page index from passed pages...",
    "Header detected in the passed pages.jsonl file", "Generating extra page lists...",
    "Generating datapackage.json", "Generating datapackage-digest.json",
})


#: py-wacz's line for each page it matched to no record: one per page (thousands, for a
#: big blog whose WARC file is damaged), and goahead says how many itself
WACZ_UNMATCHED = "Invalid passed page. We were unable to find a match for "


def wacz_remarks(said: str) -> list[str]:
    """What py-wacz printed (``said``) less its narrated steps, each line named as
    py-wacz's: the warnings a user should see. Of its unmatched pages, the first, and
    how many more."""
    lines = [line for line in said.splitlines()
             if line.strip() and line.strip() not in WACZ_STEPS]
    unmatched = [line for line in lines if line.startswith(WACZ_UNMATCHED)]
    if len(unmatched) > 1:
        first = lines.index(unmatched[0])
        lines = [line for line in lines if not line.startswith(WACZ_UNMATCHED)]
        more = len(unmatched) - 1
        lines.insert(first, f"{unmatched[0]} (and {more:,} more page{'s' * (more != 1)})")
    return [f"py-wacz: {line}" for line in lines]


def make_wacz(
    warc_paths: Iterable[str | Path],
    out: str | Path,
    pages: Iterable[Mapping[str, object]] | None = None,
    problems: list[str] | None = None,
) -> Path:
    """Package ``warc_paths`` as a WACZ file at ``out`` (index and datapackage built by
    py-wacz). ``pages`` (``url``, ``ts``, ``title``, ``text``; see
    :func:`archive.captures.page_captures`) become ``pages/pages.jsonl``; without them
    py-wacz guesses pages from the records. A damaged file goes in as a copy of its
    readable records; each damaged stretch and each body too large to inflate is
    described in ``problems`` (and so are the pages whose records were in it). Returns
    ``out``. Raises :class:`WaczError` when py-wacz fails, or, with no damage found,
    matches fewer pages to records than it was given (it drops those with only a note):
    no WACZ is left then."""
    try:
        from wacz.main import main as wacz_main
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("make_wacz needs py-wacz: pip install wacz") from exc
    paths = [Path(p) for p in warc_paths]
    if not paths:
        raise ValueError("no WARC files to package")
    listed = None if pages is None else [{k: p[k] for k in PAGE_KEYS if k in p} for p in pages]
    noted = problems if problems is not None else []
    reliances = Reliances()
    with (tempfile.TemporaryDirectory(prefix="goahead-wacz-") as tmp, _reclaiming_spools(),
          _bounded_buffering(noted), _replayable_only(reliances)):
        inputs = [str(_readable_copy(p, Path(tmp), noted)) for p in paths]
        args = ["create", "-o", str(out)]
        if listed is None:
            args.append("--detect-pages")
        else:
            listing = Path(tmp) / "pages.jsonl"
            listing.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n"
                                       for x in [PAGES_HEADER, *listed]), encoding="utf-8")
            args += ["--pages", str(listing)]
        code = wacz_main([*args, *inputs])
    if code:
        raise WaczError(f"wacz create failed with exit status {code}")
    found = wacz_page_count(out) if listed else 0
    # damage noted so far may explain pages left out; the revisits whose response is gone
    # (noted after this check) leave no page's record out of the index
    if listed and found < len(listed):
        if noted and found:  # their records were in the damage left out: said, not refused
            noted.append(f"{len(listed) - found} of {len(listed)} pages left out of "
                         "pages.jsonl: their records are damaged")
        else:
            Path(out).unlink()
            noted.extend(reliances.problems())
            raise WaczError(f"only {found} of {len(listed)} pages matched a record in the "
                            "WARC files; no WACZ written")
    noted.extend(reliances.problems())
    return Path(out)


def wacz_page_count(path: str | Path) -> int:
    """The pages a WACZ lists in ``pages/pages.jsonl`` (its header line aside); py-wacz
    writes no such file when none of the pages matched a record (WARC files that are all
    damage): none."""
    with zipfile.ZipFile(path) as wacz:
        if "pages/pages.jsonl" not in wacz.namelist():
            return 0
        with wacz.open("pages/pages.jsonl") as listing:
            return sum(1 for line in listing if line.strip() and b'"format"' not in line[:40])


def _readable_copy(path: Path, scratch: Path, problems: list[str]) -> Path:
    """``path`` itself when every byte of it reads; else a copy of its readable records
    (same name, in ``scratch``)."""
    found = list(scan_warc(path))
    damage = [str(item) for item in found if isinstance(item, Damage)]
    if not damage:
        return path
    problems.extend(f"{line} (packaged without it)" for line in damage)
    (scratch / "archive").mkdir(exist_ok=True)
    copy = scratch / "archive" / path.name
    with path.open("rb") as source, copy.open("wb") as target:
        for item in found:
            if isinstance(item, Scanned):
                source.seek(item.offset)
                target.write(source.read(item.length))
    return copy


@contextlib.contextmanager
def _replayable_only(reliances: Reliances) -> Iterator[None]:
    """py-wacz's indexer lists what :func:`replayable` says a replay index should, and
    notes what each revisit relies on in ``reliances`` (the CDXJ of :func:`write_cdxj`
    and the WACZ's index agree, and so do their warnings)."""
    from wacz.waczindexer import WACZIndexer

    original = WACZIndexer.filter_record

    def only_replayable(self: Any, record: Any) -> bool:
        reliances.note(record, Path(self.curr_filename or "").name)
        return replayable(record) and original(self, record)

    WACZIndexer.filter_record = only_replayable
    try:
        yield
    finally:
        WACZIndexer.filter_record = original


@contextlib.contextmanager
def _bounded_buffering(problems: list[str]) -> Iterator[None]:
    """py-wacz's indexer copies every record's inflated body to a spool file, with no
    limit (a captured gzip bomb becomes a GiB on disk). It needs those bodies only for
    POST requests: copy at most the crawl's limit, and say which record was cut."""
    from cdxj_indexer import bufferiter

    original = bufferiter.buffer_record_content

    def bounded(record: Any) -> None:
        spool = tempfile.SpooledTemporaryFile(bufferiter.BUFF_SIZE)  # noqa: SIM115 - kept
        stream, size = record.content_stream(), 0
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > MAX_PAYLOAD:
                h = record.rec_headers
                problems.append(f"record {h.get_header('WARC-Record-ID')} "
                                f"({h.get_header('WARC-Target-URI')}, "
                                f"{h.get_header('WARC-Date')}): its body inflates past the "
                                f"{MAX_PAYLOAD:,}-byte limit; packaged as captured, "
                                "not inflated")
                break
            spool.write(chunk)
        spool.seek(0)
        record.buffered_stream = spool

    bufferiter.buffer_record_content = bounded
    try:
        yield
    finally:
        bufferiter.buffer_record_content = original
