"""x264 without its AVX-512 code, so that the same frames always give the same MP4 bytes.

On a CPU with AVX-512, x264's macroblock-tree code (the lookahead pass that lowers the quantiser
of blocks that later frames copy from) handles 8 or 16 macroblocks per step. When a row of
macroblocks is not a multiple of 8 long (a width that is not a multiple of 128 pixels, such as
854 for quality ``l``), the last step runs past the end of the row, and on the last row it reads
bytes of x264's buffers that x264 never writes. They hold whatever the process's heap held there
before, so x264's decisions, and the MP4 bytes (not the decoded pictures), depend on what the
process did earlier: in the test suite up to a quarter of the encodes of the same 160×90 frames
came out different, more after some tests than after others. With x264's allocations
zero-filled, with AVX-512 off, or at widths of 128, 256 and 512 pixels, hundreds of encodes
each were all identical. Without AVX-512 x264 runs its AVX2 code, which stops at the end of the
row: the same speed and quality here (rendered frames: equal luma PSNR, 0.01 % fewer bytes).

x264 has no switch for "everything but AVX-512": its ``asm`` option replaces the detected
capabilities. So the capabilities x264 detects (the line it logs when an encoder opens) are read
once per process and passed back without ``AVX512``. Nothing changes where x264 does not use
AVX-512.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any

__all__ = ["asm_without_avx512", "x264_params"]

_CAPABILITIES = "using cpu capabilities:"


def asm_without_avx512(log_line: str) -> str | None:
    """The ``asm=`` setting for x264's capability line minus AVX-512, or None if it has none.

    ``log_line`` is what x264 logs when it opens, e.g. ``"using cpu capabilities: MMX2
    SSE2Fast SSSE3 SSE4.2 AVX FMA3 BMI2 AVX2 AVX512"``. x264's capability names each stand
    for all the instruction sets they need (``AVX2`` includes ``AVX``, ``FMA3``, ...), so the
    names without ``AVX512`` give exactly the detected set without AVX-512.
    """
    _, found, names = log_line.partition(_CAPABILITIES)
    words = names.split()
    if not found or "AVX512" not in words:
        return None
    return "asm=" + ",".join(word for word in words if word != "AVX512")


@functools.cache
def x264_params() -> str | None:
    """The ``x264-params`` option that keeps x264 off AVX-512 (None where it would not use it).

    Opens a 16×16 x264 encoder once per process with PyAV's log capture on, and turns the
    capability line it logs into an ``asm=`` list (see :func:`asm_without_avx512`). Returns
    None when no such line is logged (x264 missing or quiet): the encoder then runs as built.
    """
    import av
    import av.logging

    level = av.logging.get_level()
    av.logging.set_level(av.logging.INFO)
    try:
        with av.logging.Capture() as logs:
            _open_probe_encoder(av)
    except Exception:  # no x264 here: opening the MP4 writer reports that itself
        return None
    finally:
        av.logging.set_level(level)
    for _level, name, message in logs:
        if name == "libx264" and _CAPABILITIES in message:
            return asm_without_avx512(message)
    return None


def _open_probe_encoder(av: Any) -> None:
    context = av.codec.CodecContext.create("libx264", "w")
    context.width = context.height = 16
    context.pix_fmt = "yuv420p"
    context.time_base = Fraction(1, 25)
    context.open()
