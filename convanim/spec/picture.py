"""Pictures as input values: a PNG or JPEG next to the spec, checked before it is decoded.

``input.values: photo.png`` reads the file with Pillow, converts it to the channels of
``input.shape`` (3: RGB, 1: grayscale; transparent pixels are laid on white), resizes it to
H x W with Lanczos filtering (antialiased when shrinking), scales it to [0, 1] and, with
``input.normalize``, maps every channel to ``(x - mean) / std``. Every sample of a batch gets
the same picture.

Before anything is decoded, the file must be at most :data:`MAX_PICTURE_BYTES` bytes and its
header must announce at most :data:`MAX_PICTURE_PIXELS` pixels, so that a small file claiming
to be a huge picture (a decompression bomb) is refused without allocating it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from convanim.spec.models import SourceInfo, YamlPath

__all__ = [
    "MAX_PICTURE_BYTES",
    "MAX_PICTURE_PIXELS",
    "PICTURE_CHANNELS",
    "RESIZE_FILTER",
    "load_picture",
]

#: Largest picture file read, in bytes (50 MB).
MAX_PICTURE_BYTES = 50 * 1024 * 1024
#: Largest picture read, in pixels (width x height, from the header; 100 megapixels).
MAX_PICTURE_PIXELS = 100_000_000
#: ``input.shape`` channels -> the Pillow mode a picture is converted to.
PICTURE_CHANNELS = {1: "L", 3: "RGB"}
#: The filter pictures are resized with (Lanczos: sharp, antialiased when shrinking).
RESIZE_FILTER = Image.Resampling.LANCZOS
#: The file formats read (Pillow's names).
_FORMATS = ("PNG", "JPEG")
#: Pillow modes of 8-bit pictures (others, such as 16-bit grayscale "I;16", are refused).
_MODES = ("1", "L", "LA", "P", "PA", "RGB", "RGBA", "RGBX", "CMYK", "YCbCr")


def _open_checked(target: Path, name: str, info: SourceInfo, path: YamlPath) -> Image.Image:
    """Open ``target`` lazily (header only) and check its size, format and mode."""
    size = target.stat().st_size
    if size > MAX_PICTURE_BYTES:
        raise info.error(
            path,
            f"picture {name!r} is {size / 1e6:.1f} MB; the limit is "
            f"{MAX_PICTURE_BYTES / 1e6:.0f} MB: use a smaller file",
        )
    try:
        with warnings.catch_warnings():
            # The pixel count is checked below, against our own limit.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(target, formats=_FORMATS)
    except Image.DecompressionBombError:
        raise info.error(
            path,
            f"picture {name!r} announces more than {MAX_PICTURE_PIXELS:,} pixels "
            "(a decompression bomb?); use a smaller picture",
        ) from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise info.error(
            path, f"{name!r} is not a readable PNG or JPEG picture ({_reason(exc)})"
        ) from None
    width, height = image.size
    if width * height > MAX_PICTURE_PIXELS:
        image.close()
        raise info.error(
            path,
            f"picture {name!r} is {width}x{height} = {width * height:,} pixels; the limit is "
            f"{MAX_PICTURE_PIXELS:,} (100 megapixels): use a smaller picture",
        )
    if image.mode not in _MODES:
        mode = image.mode
        image.close()
        raise info.error(
            path,
            f"picture {name!r} has the unsupported mode {mode!r} (not 8-bit grayscale or "
            "colour); save it as an 8-bit PNG or a JPEG",
        )
    return image


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text.split(" @ ")[0] if text else type(exc).__name__


def _converted(image: Image.Image, mode: str) -> Image.Image:
    """``image`` in ``mode`` ("L" or "RGB"); transparent pixels laid on white."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return image.convert(mode)


def load_picture(
    target: Path,
    name: str,
    shape: Sequence[int],
    mean_std: tuple[Sequence[float], Sequence[float]] | None,
    info: SourceInfo,
    path: YamlPath,
) -> np.ndarray:
    """The picture at ``target`` as a float64 array of ``shape`` ``(N, C, H, W)``.

    Parameters
    ----------
    target : Path
        The resolved file (inside the spec's folder).
    name : str
        The path as written in the spec (for messages).
    shape : sequence of int
        ``(N, C, H, W)`` with C = 1 (grayscale) or 3 (RGB).
    mean_std : (mean, std) or None
        Per-channel normalisation after scaling to [0, 1] (one number may stand for all).
    info, path
        For located error messages.

    Raises
    ------
    SpecError
        A file too large, too many pixels, not a PNG/JPEG, corrupt, of an unsupported mode, or a
        shape that is not ``(N, 1 or 3, H, W)``.
    """
    n, c, h, w = (int(v) for v in shape)
    mode = PICTURE_CHANNELS.get(c)
    if mode is None:
        raise info.error(
            path,
            f"a picture gives 1 channel (grayscale) or 3 (RGB), but input.shape has {c} "
            "channels; write 1 or 3",
        )
    image = _open_checked(target, name, info, path)
    try:
        with image:
            image.load()
            resized = _converted(image, mode).resize((w, h), RESIZE_FILTER)
    except (OSError, ValueError, SyntaxError) as exc:
        raise info.error(
            path, f"picture {name!r} is corrupt or truncated ({_reason(exc)})"
        ) from None
    pixels = np.asarray(resized, dtype=np.float64) / 255.0
    chw = pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)
    if mean_std is not None:
        chw = _normalized(chw, mean_std, info)
    return np.ascontiguousarray(np.broadcast_to(chw, (n, c, h, w)))


def _normalized(
    chw: np.ndarray, mean_std: tuple[Sequence[float], Sequence[float]], info: SourceInfo
) -> np.ndarray:
    c = chw.shape[0]
    mean, std = (np.asarray(v, dtype=np.float64) for v in mean_std)
    for field, values in (("mean", mean), ("std", std)):
        if len(values) not in (1, c):
            raise info.error(
                ("input", "normalize"),
                f"{field} has {len(values)} numbers; the picture has {c} channel"
                f"{'s' if c > 1 else ''}: give {c} (one per channel) or 1",
            )
    return (chw - mean.reshape(-1, 1, 1)) / std.reshape(-1, 1, 1)
