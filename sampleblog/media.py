"""Real image bytes for the sample CDN, made with the standard library only: JPEG, PNG, ICO, GIF.

Pictures are deterministic functions of a seed (a photo's key), so every size variant of one
image shows the same scene and a re-fetch returns the same bytes. The JPEG encoder writes
baseline JPEG with flat 8x8 blocks (DC coefficients only, every AC coefficient zero): a
browser decodes it like any photo, and 1600x900 takes a few tens of milliseconds.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable
from functools import cache, lru_cache

Colour = tuple[int, int, int]
Painter = Callable[[float, float], Colour]  # (x, y) in [0, 1) -> RGB

# A 1x1 transparent GIF, byte for byte the one Blogger serves as resources.blogblog.com/img/blank.gif.
BLANK_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)

# JPEG: Annex K.3 luminance DC table; an AC table with the one symbol we need (EOB).
_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_VALUES = tuple(range(12))
_AC_BITS = (1,) + (0,) * 15
_AC_VALUES = (0,)
_QUANT = 8  # every DQT entry: a flat block's DC coefficient is 8 * (value - 128) / 8


def scene(seed: int) -> Painter:
    """A landscape: sky gradient, a sun, rolling hills and a field, coloured by ``seed``."""
    hue = (seed % 360) / 360
    sky_top = _hsv(hue, 0.55, 0.95)
    sky_low = _hsv(hue + 0.08, 0.25, 1.0)
    hill = _hsv(hue + 0.33, 0.6, 0.55)
    field = _hsv(hue + 0.15, 0.7, 0.75)
    sun_x, sun_y = 0.2 + (seed >> 9) % 60 / 100, 0.15 + (seed >> 3) % 20 / 100
    phase, waves = (seed >> 5) % 628 / 100, 2 + seed % 3
    sky = cache(lambda y: _mix(sky_top, sky_low, y / 0.65))  # one colour per row

    def paint(x: float, y: float) -> Colour:
        ridge = 0.55 + 0.08 * math.sin(phase + x * waves * math.pi)
        if y > 0.8:
            return field
        if y > ridge:
            return hill
        if (x - sun_x) ** 2 * 3.2 + (y - sun_y) ** 2 < 0.006:
            return (255, 236, 150)
        return sky(y)

    return paint


def banner(seed: int) -> Painter:
    """A flat logo/header graphic: two colour bands and a row of squares."""
    back, fore = _hsv(seed % 360 / 360, 0.7, 0.45), _hsv(seed % 360 / 360 + 0.5, 0.5, 0.95)

    def paint(x: float, y: float) -> Colour:
        in_square = 0.3 < y < 0.7 and (x * 12) % 1 < 0.6
        return fore if in_square else _mix(back, (255, 255, 255), y * 0.5)

    return paint


@lru_cache(maxsize=512)
def photo_jpeg(seed: int, width: int, height: int) -> bytes:
    return jpeg(width, height, scene(seed))


@lru_cache(maxsize=64)
def banner_png(seed: int, width: int, height: int) -> bytes:
    return png(width, height, banner(seed))


@cache
def favicon_ico() -> bytes:
    """``/favicon.ico``: an ICO holding one 16x16 PNG (how Blogger's own favicon is made)."""
    image = png(16, 16, banner(17))
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", 16, 16, 0, 0, 1, 32, len(image), 6 + 16)
    return header + entry + image


# -- PNG -----------------------------------------------------------------------------------
def png(width: int, height: int, paint: Painter, cell: int = 4) -> bytes:
    """An 8-bit RGB PNG, painted in ``cell`` x ``cell`` squares."""
    xs = range(0, width, cell)
    rows = bytearray()
    for top in range(0, height, cell):
        y = (top + cell / 2) / height
        line = bytearray(b"\x00")  # filter type: none
        for left in xs:
            line.extend(bytes(paint((left + cell / 2) / width, y)) * min(cell, width - left))
        rows.extend(bytes(line) * min(cell, height - top))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


# -- JPEG ----------------------------------------------------------------------------------
def jpeg(width: int, height: int, paint: Painter) -> bytes:
    """A baseline YCbCr JPEG (4:4:4) whose 8x8 blocks are each one colour."""
    cols, rows = -(-width // 8), -(-height // 8)
    xs = [(bx + 0.5) / cols for bx in range(cols)]
    codes, levels = _dc_codes(), {}
    py = pb = pr = 0  # DC predictors of Y, Cb, Cr
    bits: list[str] = []
    for by in range(rows):
        y = (by + 0.5) / rows
        for x in xs:
            colour = paint(x, y)
            level = levels.get(colour)
            if level is None:
                level = levels[colour] = tuple(round(v) - 128 for v in _ycbcr(colour))
            dy, db, dr = level
            bits += (codes[dy - py], codes[db - pb], codes[dr - pr])
            py, pb, pr = dy, db, dr
    return b"".join(
        [
            b"\xff\xd8",
            _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            _segment(0xDB, b"\x00" + bytes([_QUANT] * 64)),
            _segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + _components(b"\x11\x00")),
            _segment(0xC4, _huffman(0x00, _DC_BITS, _DC_VALUES)),
            _segment(0xC4, _huffman(0x10, _AC_BITS, _AC_VALUES)),
            _segment(0xDA, b"\x03" + _components(b"\x00") + b"\x00\x3f\x00"),
            _entropy("".join(bits)),
            b"\xff\xd9",
        ]
    )


def _components(spec: bytes) -> bytes:
    return b"".join(bytes([n]) + spec for n in (1, 2, 3))


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _huffman(table: int, counts: tuple[int, ...], values: tuple[int, ...]) -> bytes:
    return bytes([table, *counts, *values])


@cache
def _dc_codes() -> dict[int, str]:
    """Bit string for every DC difference -2047..2047: category code, then the extra bits,
    each followed by the AC table's end-of-block code (``0``)."""
    lengths = [n + 1 for n, count in enumerate(_DC_BITS) for _ in range(count)]
    huff, code, last = {}, 0, lengths[0]
    for value, length in zip(_DC_VALUES, lengths, strict=True):
        code <<= length - last
        huff[value], code, last = format(code, f"0{length}b"), code + 1, length
    table = {}
    for diff in range(-2047, 2048):
        size = abs(diff).bit_length()
        extra = diff if diff >= 0 else diff + (1 << size) - 1
        table[diff] = huff[size] + (format(extra, f"0{size}b") if size else "") + "0"
    return table


def _entropy(bits: str) -> bytes:
    """Pack the bit string, padding with 1s; stuff a zero byte after every 0xFF."""
    bits += "1" * (-len(bits) % 8)
    data = int(bits, 2).to_bytes(len(bits) // 8, "big") if bits else b""
    return data.replace(b"\xff", b"\xff\x00")


def _ycbcr(rgb: Colour) -> tuple[float, float, float]:
    r, g, b = rgb
    return (
        0.299 * r + 0.587 * g + 0.114 * b,
        128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
        128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
    )


# -- colour --------------------------------------------------------------------------------
def _hsv(h: float, s: float, v: float) -> Colour:
    h = (h % 1) * 6
    i, f = int(h), h - int(h)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    r, g, b = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
    return round(r * 255), round(g * 255), round(b * 255)


def _mix(a: Colour, b: Colour, t: float) -> Colour:
    t = min(max(t, 0.0), 1.0)
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]
