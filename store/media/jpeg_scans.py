"""Joining three greyscale progressive JPEGs, one per plane (Y, Cb, Cr), into one colour JPEG.

libjpeg encodes an image on one thread. But in a progressive JPEG every AC scan codes one
colour component alone, with its Huffman tables sent just before it, and a DC scan may too.
So the scans of a colour image can come from greyscale encodes of its three planes, made at
the same time on different cores, provided that each plane was quantised with the table the
colour image names for it (luma: table 0, chroma: table 1) and that the chroma planes are half
the luma's size each way, rounded up (4:2:0). This module only moves bytes: it puts such scans
under one colour frame header, and libjpeg has done all the coding.

The result has one DC scan per component, which is what mozjpeg writes by default, so the
decoders in use (browsers, Android, iOS) all read it. Scans are sent in rounds, the luma's
first, so a decoder shows the whole picture in colour after the first three.

Anything other than what libjpeg writes (through Pillow) for a greyscale progressive JPEG
raises `ValueError`.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from typing import Final

_SOI: Final = b"\xff\xd8"
_EOI: Final = b"\xff\xd9"
_SOF2: Final = 0xC2
_DHT: Final = 0xC4
_SOS: Final = 0xDA
_DQT: Final = 0xDB
_APP0: Final = 0xE0
_COM: Final = 0xFE
_APP_MARKERS: Final = range(0xE0, 0xF0)
# Entropy-coded data ends at the first marker: 0xFF followed by anything but a stuffed zero
# or a restart marker.
_END_OF_SCAN: Final = re.compile(rb"\xff[^\x00\xd0-\xd7]")
# The JFIF header libjpeg writes by default (version 1.01, no density unit, 1:1).
_JFIF: Final = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
# Component ids and sampling (horizontal << 4 | vertical) of a 4:2:0 colour image.
_COMPONENTS: Final = ((1, 0x22), (2, 0x11), (3, 0x11))
_DC_CLASS: Final = 0x00
_AC_CLASS: Final = 0x10


@dataclass(frozen=True, slots=True)
class _Scan:
    huffman_tables: bytes  # the body of a DHT segment with the tables this scan uses
    header: bytes  # the SOS body
    data: bytes  # entropy-coded


@dataclass(slots=True)
class _Plane:
    width: int = 0
    height: int = 0
    quant_table: bytes = b""  # one DQT entry: precision and id, then 64 or 128 bytes
    scans: list[_Scan] = field(default_factory=list)


def join_planes(luma: bytes, cb: bytes, cr: bytes) -> bytes:
    """One progressive 4:2:0 JPEG from greyscale progressive JPEGs of its Y, Cb and Cr planes.
    Cb and Cr must use the same quantisation table."""
    y_plane, cb_plane, cr_plane = (_read_plane(jpeg) for jpeg in (luma, cb, cr))
    chroma_size = ((y_plane.width + 1) // 2, (y_plane.height + 1) // 2)
    for chroma in (cb_plane, cr_plane):
        if (chroma.width, chroma.height) != chroma_size:
            raise ValueError(f"chroma plane is {chroma.width}x{chroma.height}, not {chroma_size}")
    if cb_plane.quant_table != cr_plane.quant_table:
        raise ValueError("the chroma planes were quantised differently")

    frame = struct.pack(">BHHB", 8, y_plane.height, y_plane.width, len(_COMPONENTS))
    for (component, sampling), table in zip(_COMPONENTS, (0, 1, 1), strict=True):
        frame += bytes((component, sampling, table))
    quant_tables = _with_table_id(y_plane.quant_table, 0) + _with_table_id(cb_plane.quant_table, 1)
    parts = [_SOI, _segment(_APP0, _JFIF), _segment(_DQT, quant_tables), _segment(_SOF2, frame)]
    planes = (y_plane, cb_plane, cr_plane)
    for index in range(max(len(plane.scans) for plane in planes)):
        for (component, _), plane in zip(_COMPONENTS, planes, strict=True):
            if index < len(plane.scans):
                scan = plane.scans[index]
                if scan.huffman_tables:
                    parts.append(_segment(_DHT, scan.huffman_tables))
                parts.append(_segment(_SOS, bytes((1, component)) + scan.header[2:]))
                parts.append(scan.data)
    parts.append(_EOI)
    return b"".join(parts)


def _read_plane(jpeg: bytes) -> _Plane:
    if not jpeg.startswith(_SOI):
        raise ValueError("not a JPEG")
    plane = _Plane()
    tables: dict[int, bytes] = {}  # class << 4 | id -> one DHT entry, as last defined
    position = len(_SOI)
    while True:
        if jpeg[position : position + 2] == _EOI:
            break
        if position + 4 > len(jpeg) or jpeg[position] != 0xFF:
            raise ValueError(f"no marker at byte {position}")
        marker = jpeg[position + 1]
        (length,) = struct.unpack_from(">H", jpeg, position + 2)
        if length < 2 or position + 2 + length > len(jpeg):
            raise ValueError(f"a segment at byte {position} runs past the end")
        body = jpeg[position + 4 : position + 2 + length]
        position += 2 + length
        if marker == _SOF2:
            plane.height, plane.width = _read_frame(body)
        elif marker == _DQT:
            if plane.quant_table or len(body) not in (65, 129):
                raise ValueError("not one quantisation table")
            plane.quant_table = body
        elif marker == _DHT:
            tables.update(_read_huffman_tables(body))
        elif marker == _SOS:
            end = _END_OF_SCAN.search(jpeg, position)
            if end is None:
                raise ValueError("a scan runs to the end of the data")
            data = jpeg[position : end.start()]
            plane.scans.append(_Scan(_tables_used(body, tables), body, data))
            position = end.start()
        elif marker not in _APP_MARKERS and marker != _COM:
            raise ValueError(f"unexpected marker 0x{marker:02x}")
    if not plane.scans or not plane.quant_table:
        raise ValueError("not a progressive greyscale JPEG")
    return plane


def _read_frame(body: bytes) -> tuple[int, int]:
    if len(body) != 9:  # 6 bytes, then 3 for its one component
        raise ValueError("not an 8-bit greyscale frame")
    precision, height, width, components = struct.unpack_from(">BHHB", body)
    if precision != 8 or components != 1 or body[7] != 0x11:
        raise ValueError("not an 8-bit greyscale frame")
    return height, width


def _read_huffman_tables(body: bytes) -> dict[int, bytes]:
    tables = {}
    position = 0
    while position < len(body):
        size = 17 + sum(body[position + 1 : position + 17])
        tables[body[position]] = body[position : position + size]
        position += size
    return tables


def _tables_used(header: bytes, tables: dict[int, bytes]) -> bytes:
    """The DHT entries a scan needs, with their ids: a first DC scan uses a DC table, an AC
    scan an AC table, and a DC refinement none."""
    if header[0] != 1:
        raise ValueError("a scan with more than one component")
    selectors = header[2]
    first, _last, approximation = header[-3:]
    if first == 0:
        needed = [_DC_CLASS | selectors >> 4] if approximation >> 4 == 0 else []
    else:
        needed = [_AC_CLASS | selectors & 0x0F]
    try:
        return b"".join(tables[key] for key in needed)
    except KeyError:
        raise ValueError("a scan uses an undefined Huffman table") from None


def _with_table_id(entry: bytes, table_id: int) -> bytes:
    return bytes((entry[0] & 0xF0 | table_id,)) + entry[1:]


def _segment(marker: int, body: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(body) + 2) + body
