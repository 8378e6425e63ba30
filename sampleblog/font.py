"""A minimal, valid TrueType font for the sample CDN's ``@font-face`` (stdlib only).

Templates load web fonts from ``fonts.gstatic.com``; the sample CDN serves this one in their
place. It has three glyphs (``.notdef``, space and a square for U+25A0) and every table a
browser's font sanitiser (Chromium's OTS) requires, so the page really loads and uses it;
characters it lacks fall back to the next family in the CSS stack, as with any subset font.
"""

from __future__ import annotations

import struct
from functools import cache

UNITS = 1000
ASCENT, DESCENT = 800, -200
_SQUARE = (100, 0, 600, 500)  # xMin, yMin, xMax, yMax of .notdef and U+25A0
_ADVANCE = (700, 250, 700)  # .notdef, space, square
_CMAP = ((0x20, 1), (0x25A0, 2))  # code point -> glyph id
_NAMES = {
    1: "Sample Sans",
    2: "Regular",
    3: "Sample Sans Regular 1.000",
    4: "Sample Sans",
    5: "Version 1.000",
    6: "SampleSans-Regular",
}


@cache
def sample_font() -> bytes:
    """The whole font file (sfnt, TrueType outlines)."""
    glyphs = [_box_glyph(), b"", _box_glyph()]
    glyf, offsets = b"", []
    for glyph in glyphs:
        offsets.append(len(glyf))
        glyf += glyph + b"\0" * (-len(glyph) % 4)
    offsets.append(len(glyf))
    tables = {
        b"OS/2": _os2(),
        b"cmap": _cmap(),
        b"glyf": glyf,
        b"head": _head(),
        b"hhea": _hhea(len(glyphs)),
        b"hmtx": b"".join(
            struct.pack(">Hh", adv, _SQUARE[0] if adv != 250 else 0) for adv in _ADVANCE
        ),
        b"loca": b"".join(struct.pack(">H", off // 2) for off in offsets),
        b"maxp": struct.pack(
            ">IHHHHHHHHHHHHHH", 0x00010000, len(glyphs), 4, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0
        ),
        b"name": _name(),
        b"post": struct.pack(">IihhIIIII", 0x00030000, 0, -100, 50, 0, 0, 0, 0, 0),
    }
    return _sfnt(tables)


def _box_glyph() -> bytes:
    x0, y0, x1, y1 = _SQUARE
    points = [(x0, y0), (x0, y1), (x1, y1), (x1, y0)]  # clockwise: a filled square
    deltas, last = [], (0, 0)
    for x, y in points:
        deltas.append((x - last[0], y - last[1]))
        last = (x, y)
    return (
        struct.pack(">hhhhh", 1, *_SQUARE)
        + struct.pack(">HH", len(points) - 1, 0)  # end point of the one contour; no hinting
        + bytes([0x01] * len(points))  # every point on the curve, coordinates as int16 deltas
        + b"".join(struct.pack(">h", dx) for dx, _ in deltas)
        + b"".join(struct.pack(">h", dy) for _, dy in deltas)
    )


def _head() -> bytes:
    return struct.pack(
        ">IIIIHHqqhhhhHHhhh",
        0x00010000,
        0x00010000,
        0,
        0x5F0F3CF5,
        0x000B,
        UNITS,
        0,
        0,
        *_SQUARE,
        0,
        8,
        2,
        0,
        0,
    )


def _hhea(count: int) -> bytes:
    return struct.pack(
        ">IhhhHhhhhhhhhhhhH",
        0x00010000,
        ASCENT,
        DESCENT,
        0,
        max(_ADVANCE),
        0,
        0,
        _SQUARE[2],
        1,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        count,
    )


def _os2() -> bytes:
    first, last = _CMAP[0][0], _CMAP[-1][0]
    return struct.pack(
        ">HhHHHhhhhhhhhhhh10sIIII4sHHHhhhHHIIhhHHH",
        4,
        500,
        400,
        5,
        0,  # version, xAvgCharWidth, weight, width class, fsType
        650,
        700,
        0,
        140,
        650,
        700,
        0,
        480,
        50,
        250,  # sub/superscript, strikeout
        0,
        b"\0" * 10,
        0,
        0,
        0,
        0,
        b"GOAH",  # family class, panose, unicode ranges, vendor
        0x40,
        first,
        last,  # fsSelection REGULAR, first and last character
        ASCENT,
        DESCENT,
        0,
        ASCENT,
        -DESCENT,
        1,
        0,  # typo and win metrics, code pages
        500,
        700,
        0,
        0x20,
        1,  # x-height, cap height, default, break char, max context
    )


def _cmap() -> bytes:
    """A format 4 subtable (Windows Unicode BMP), one segment per mapped character."""
    segments = [*_CMAP, (0xFFFF, 0)]
    count = len(segments)
    search = 2 ** (count.bit_length() - 1)
    ends = b"".join(struct.pack(">H", cp) for cp, _ in segments)
    deltas = b"".join(struct.pack(">H", (gid - cp) % 0x10000 if gid else 1) for cp, gid in segments)
    body = (
        ends + b"\0\0" + ends + deltas + b"\0\0" * count  # ends, pad, starts, deltas, offsets
    )
    sub = (
        struct.pack(
            ">HHHHHHH",
            4,
            14 + len(body),
            0,
            count * 2,
            search * 2,
            search.bit_length() - 1,
            count * 2 - search * 2,
        )
        + body
    )
    return struct.pack(">HHHHI", 0, 1, 3, 1, 12) + sub


def _name() -> bytes:
    records, strings = b"", b""
    for name_id, text in _NAMES.items():
        data = text.encode("utf-16-be")
        records += struct.pack(">HHHHHH", 3, 1, 0x409, name_id, len(data), len(strings))
        strings += data
    return struct.pack(">HHH", 0, len(_NAMES), 6 + len(records)) + records + strings


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def _sfnt(tables: dict[bytes, bytes]) -> bytes:
    count = len(tables)
    search = 2 ** (count.bit_length() - 1)
    header = struct.pack(
        ">IHHHH", 0x00010000, count, search * 16, search.bit_length() - 1, count * 16 - search * 16
    )
    offset = len(header) + 16 * count
    directory, body = b"", b""
    for tag in sorted(tables):
        data = tables[tag]
        directory += struct.pack(">4sIII", tag, _checksum(data), offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    font = bytearray(header + directory + body)
    head = font.index(b"head", len(header)) - len(header)  # within the directory
    head_offset = struct.unpack_from(">I", directory, head + 8)[0]
    adjustment = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    struct.pack_into(">I", font, head_offset + 8, adjustment)
    return bytes(font)
