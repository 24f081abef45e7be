from collections.abc import Sequence

JPEG_LIB_VERSION: int

def encode(
    pixels: bytes | bytearray | memoryview,
    width: int,
    height: int,
    quant_table: Sequence[int],
    scans: Sequence[tuple[int, int, int, int]],
) -> bytes: ...
