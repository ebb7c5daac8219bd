"""Synthetic frames and GIF parsing shared by the output tests (no tests here).

The frames look like the renders: a flat background and a few flat-coloured boxes with a
one-pixel darker edge, moving a few pixels per frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BACKGROUND = (30, 32, 40)
BOX_COLORS = ((230, 90, 60), (60, 160, 230), (120, 200, 90))


def moving_boxes(
    count: int, width: int = 160, height: int = 90, *, hold: int = 1, alpha: int = 255
) -> Iterator[np.ndarray]:
    """RGBA uint8 frames of boxes that move; each position is shown ``hold`` frames.

    ``alpha`` is the background's opacity (the boxes are always opaque).
    """
    side = max(4, height // 6)
    for i in range(count):
        step = i // hold
        frame = np.zeros((height, width, 4), np.uint8)
        frame[..., :3] = BACKGROUND
        frame[..., 3] = alpha
        for k, color in enumerate(BOX_COLORS):
            x = (step * (2 + k)) % (width - side - 1)
            y = 2 + k * (height // 3)
            frame[y : y + side, x : x + side, :3] = color
            frame[y : y + side, x : x + side, 3] = 255
            frame[y + side - 1, x : x + side, :3] = np.array(color) // 2 + 10  # thin edge line
        yield frame


def gradient_frames(count: int, width: int = 160, height: int = 90) -> Iterator[np.ndarray]:
    """Frames with far more than 256 colours: a shifting 2-D gradient plus one flat box."""
    ys, xs = np.mgrid[0:height, 0:width]
    for i in range(count):
        frame = np.empty((height, width, 4), np.uint8)
        frame[..., 0] = (xs * 255 // max(1, width - 1) + i) % 256
        frame[..., 1] = ys * 255 // max(1, height - 1)
        frame[..., 2] = 128
        frame[..., 3] = 255
        frame[10:30, 10 + i : 40 + i, :3] = (250, 250, 250)
        yield frame


def noisy_frames(count: int, width: int, height: int, seed: int = 0) -> Iterator[np.ndarray]:
    """Frames that compress badly: coloured noise in a band that changes every frame."""
    rng = np.random.default_rng(seed)
    base = next(moving_boxes(1, width, height))
    for i in range(count):
        frame = base.copy()
        band = rng.integers(0, 256, (height // 2, width, 3), dtype=np.uint8)
        frame[height // 4 : height // 4 + height // 2, :, :3] = band
        frame[: height // 8, : (i * 7) % width, :3] = (250, 200, 40)
        yield frame


@dataclass(frozen=True)
class GifImage:
    """One image block of a GIF: its rectangle, delay (cs) and transparency flag."""

    left: int
    top: int
    width: int
    height: int
    delay: int
    transparent: bool
    disposal: int


def gif_images(path: Path) -> tuple[tuple[int, int], int, list[GifImage]]:
    """Parse a GIF's blocks: ((width, height), global table entries, images)."""
    data = path.read_bytes()
    assert data[:6] == b"GIF89a"
    width = int.from_bytes(data[6:8], "little")
    height = int.from_bytes(data[8:10], "little")
    flags = data[10]
    pos = 13
    entries = 0
    if flags & 0x80:
        entries = 2 ** ((flags & 7) + 1)
        pos += 3 * entries
    images: list[GifImage] = []
    delay, transparent, disposal = 0, False, 0

    def skip_sub_blocks(p: int) -> int:
        while data[p]:
            p += data[p] + 1
        return p + 1

    while data[pos] != 0x3B:
        if data[pos] == 0x21:
            label = data[pos + 1]
            if label == 0xF9:
                packed = data[pos + 3]
                disposal = (packed >> 2) & 7
                transparent = bool(packed & 1)
                delay = int.from_bytes(data[pos + 4 : pos + 6], "little")
            pos = skip_sub_blocks(pos + 2)
        elif data[pos] == 0x2C:
            left, top, w, h = (
                int.from_bytes(data[pos + 1 + 2 * k : pos + 3 + 2 * k], "little") for k in range(4)
            )
            local = data[pos + 9]
            pos += 10
            if local & 0x80:
                pos += 3 * 2 ** ((local & 7) + 1)
            pos = skip_sub_blocks(pos + 1)
            images.append(GifImage(left, top, w, h, delay, transparent, disposal))
            delay, transparent, disposal = 0, False, 0
        else:
            raise AssertionError(f"unexpected GIF block 0x{data[pos]:02x} at {pos}")
    return (width, height), entries, images


def decode_gif(path: Path) -> list[tuple[np.ndarray, int]]:
    """Every GIF image composed as a viewer shows it (RGB) with its duration in ms (Pillow)."""
    from PIL import Image

    out = []
    with Image.open(path) as im:
        for k in range(im.n_frames):
            im.seek(k)
            out.append((np.asarray(im.convert("RGB")).copy(), int(im.info["duration"])))
    return out


def temp_leftovers(folder: Path) -> list[str]:
    """Names of hidden temporary files convanim may have left in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name or ".old-" in p.name)
