"""One global palette per scene, built from the real frames, and exact colour mapping.

The renders are mostly flat colours (faces, background, text) plus anti-aliased edges. So the
palette keeps the frequent colours *exactly* and spends the remaining entries on the rest with a
weighted median cut; pixels are then mapped to their nearest palette colour without dithering, so
flat areas stay flat (no dither noise, which would also defeat GIF's LZW compression).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ColorCounter",
    "ColorHistogram",
    "PaletteMapper",
    "build_palette",
    "histogram",
    "pack_rgb",
]

#: Channel weights of the colour distance (green counts most, blue least, as the eye does).
WEIGHTS = np.array([3.0, 4.0, 2.0])

#: A colour at least this share of the sampled pixels is kept exactly.
FREQUENT_SHARE = 0.002

#: Above this many distinct colours the median cut works on 5-bit bins (speed, memory).
MEDIAN_CUT_LIMIT = 1 << 15

_UNKNOWN = np.uint16(0xFFFF)


def pack_rgb(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 -> (...) uint32 ``0xRRGGBB``."""
    r = rgb[..., 0].astype(np.uint32)
    g = rgb[..., 1].astype(np.uint32)
    b = rgb[..., 2].astype(np.uint32)
    return (r << 16) | (g << 8) | b


def unpack_rgb(packed: np.ndarray) -> np.ndarray:
    """(n,) uint32 ``0xRRGGBB`` -> (n, 3) uint8."""
    packed = np.asarray(packed, dtype=np.uint32)
    return np.stack([(packed >> 16) & 255, (packed >> 8) & 255, packed & 255], axis=-1).astype(
        np.uint8
    )


@dataclass(frozen=True)
class ColorHistogram:
    """Distinct colours and how many sampled pixels have each.

    Attributes
    ----------
    colors : ndarray
        (n,) uint32 packed ``0xRRGGBB``, sorted.
    counts : ndarray
        (n,) int64 pixel counts.
    """

    colors: np.ndarray
    counts: np.ndarray


def _merge(colors: list[np.ndarray], counts: list[np.ndarray]) -> ColorHistogram:
    if not colors:
        return ColorHistogram(np.zeros(0, np.uint32), np.zeros(0, np.int64))
    merged, inverse = np.unique(np.concatenate(colors), return_inverse=True)
    totals = np.bincount(inverse, weights=np.concatenate(counts)).astype(np.int64)
    return ColorHistogram(merged, totals)


def histogram(frames: Iterable[np.ndarray]) -> ColorHistogram:
    """Count the colours of some RGB frames (each (H, W, 3) uint8)."""
    colors: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    for frame in frames:
        c, n = np.unique(pack_rgb(frame).ravel(), return_counts=True)
        colors.append(c)
        counts.append(n)
    return _merge(colors, counts)


class ColorCounter:
    """Counts colours as frames stream past: every pixel of the first frame, then the pixels
    that changed from one frame to the next.

    Every colour that is ever shown is seen (thin lines and one-frame flashes included), while
    a static background counts once rather than once per frame. Memory stays bounded: once
    :data:`EXACT_LIMIT` distinct colours have been seen (noise, photos), new pixels are counted
    at 5 bits per channel, which a 256-colour palette cannot resolve anyway.
    """

    #: Consolidate the pending per-frame counts when they hold this many entries.
    CONSOLIDATE = 1 << 18
    #: Distinct colours counted exactly before switching to 5-bit bins.
    EXACT_LIMIT = 1 << 18

    def __init__(self) -> None:
        self._colors: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._pending = 0
        self._previous: np.ndarray | None = None
        self._coarse = False

    def add(self, rgb: np.ndarray) -> None:
        """Count the new pixels of a frame, (H, W, 3) uint8."""
        packed = pack_rgb(rgb)
        previous = self._previous
        pixels = packed.ravel() if previous is None else packed[packed != previous]
        self._previous = packed
        if pixels.size == 0:
            return
        if self._coarse:
            pixels = (pixels & np.uint32(0xF8F8F8)) | np.uint32(0x040404)
        colors, counts = np.unique(pixels, return_counts=True)
        self._colors.append(colors)
        self._counts.append(counts)
        self._pending += len(colors)
        if self._pending > self.CONSOLIDATE:
            merged = _merge(self._colors, self._counts)
            self._colors, self._counts = [merged.colors], [merged.counts]
            self._pending = len(merged.colors)
            self._coarse = self._coarse or self._pending > self.EXACT_LIMIT

    def histogram(self) -> ColorHistogram:
        """The colours counted so far."""
        return _merge(self._colors, self._counts)


def build_palette(hist: ColorHistogram, max_colors: int) -> np.ndarray:
    """Choose at most ``max_colors`` colours for the pixels counted in ``hist``.

    If there are no more distinct colours than ``max_colors`` they are all kept. Otherwise the
    frequent ones (each at least :data:`FREQUENT_SHARE` of the pixels, up to half the palette)
    are kept exactly and a weighted median cut (split the box of largest squared error at the
    weighted median of its widest axis; each box becomes its weighted mean) covers the rest.

    Returns
    -------
    ndarray
        (k, 3) uint8, k <= max_colors, distinct colours.
    """
    if max_colors < 1:
        raise ValueError(f"max_colors must be at least 1, got {max_colors}")
    if len(hist.colors) <= max_colors:
        return unpack_rgb(hist.colors)
    order = np.argsort(-hist.counts, kind="stable")
    total = hist.counts.sum()
    frequent = order[: max_colors // 2]
    frequent = frequent[hist.counts[frequent] >= FREQUENT_SHARE * total]
    rest = np.setdiff1d(np.arange(len(hist.colors)), frequent, assume_unique=True)
    colors = unpack_rgb(hist.colors[rest]).astype(np.float64)
    weights = hist.counts[rest].astype(np.float64)
    if len(rest) > MEDIAN_CUT_LIMIT:
        colors, weights = _coarsen(colors, weights)
    cut = _median_cut(colors, weights, max_colors - len(frequent))
    palette = np.concatenate([unpack_rgb(hist.colors[frequent]), cut])
    _, first = np.unique(pack_rgb(palette), return_index=True)
    return palette[np.sort(first)]


def _coarsen(colors: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge colours into 5-bit-per-channel bins (weighted means), at most 32768 of them."""
    bins = colors.astype(np.int64) >> 3
    key = (bins[:, 0] << 10) | (bins[:, 1] << 5) | bins[:, 2]
    total = np.bincount(key, weights=weights, minlength=1 << 15)
    sums = np.stack(
        [np.bincount(key, weights=weights * colors[:, c], minlength=1 << 15) for c in range(3)],
        axis=1,
    )
    used = total > 0
    return sums[used] / total[used, None], total[used]


def _box_error(colors: np.ndarray, weights: np.ndarray) -> float:
    mean = np.average(colors, axis=0, weights=weights)
    return float((weights[:, None] * ((colors - mean) * WEIGHTS) ** 2).sum())


def _median_cut(colors: np.ndarray, weights: np.ndarray, count: int) -> np.ndarray:
    """Weighted median cut of (n, 3) float colours into at most ``count`` representatives."""
    if count <= 0 or len(colors) == 0:
        return np.zeros((0, 3), np.uint8)
    boxes: list[np.ndarray] = [np.arange(len(colors))]
    errors: list[float] = [_box_error(colors, weights)]
    while len(boxes) < count:
        pick = int(np.argmax(errors))
        if errors[pick] <= 0.0:
            break
        box = boxes[pick]
        c, w = colors[box], weights[box]
        mean = np.average(c, axis=0, weights=w)
        spread = (w[:, None] * ((c - mean) * WEIGHTS) ** 2).sum(axis=0)
        axis = int(np.argmax(spread))
        sort = np.argsort(c[:, axis], kind="stable")
        cumulative = np.cumsum(w[sort])
        split = int(np.searchsorted(cumulative, cumulative[-1] / 2.0))
        split = min(max(split, 1), len(box) - 1)
        left, right = box[sort[:split]], box[sort[split:]]
        boxes[pick : pick + 1] = [left, right]
        errors[pick : pick + 1] = [
            _box_error(colors[left], weights[left]),
            _box_error(colors[right], weights[right]),
        ]
    means = [np.average(colors[b], axis=0, weights=weights[b]) for b in boxes]
    return np.clip(np.rint(np.array(means)), 0, 255).astype(np.uint8)


class PaletteMapper:
    """Map RGB pixels to palette indices: exact for palette colours, nearest otherwise.

    A lookup table over all 2²⁴ colours (32 MB) is filled lazily, so each distinct colour is
    matched once per palette however many frames contain it.

    Parameters
    ----------
    palette : ndarray
        (k, 3) uint8 with k <= 256 distinct colours.
    """

    def __init__(self, palette: np.ndarray) -> None:
        if not 1 <= len(palette) <= 256:
            raise ValueError(f"a palette holds 1 to 256 colours, got {len(palette)}")
        self.palette = np.asarray(palette, dtype=np.uint8)
        self._weighted = self.palette.astype(np.float64) * WEIGHTS
        self._norms = (self._weighted**2).sum(axis=1)
        self._lut = np.full(1 << 24, _UNKNOWN, dtype=np.uint16)

    def map(self, rgb: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 -> (H, W) uint8 palette indices."""
        packed = pack_rgb(rgb)
        index = self._lut[packed]
        unknown = index == _UNKNOWN
        if unknown.any():
            new = np.unique(packed[unknown])
            self._lut[new] = self._nearest(unpack_rgb(new))
            index = self._lut[packed]
        return index.astype(np.uint8)

    def _nearest(self, colors: np.ndarray) -> np.ndarray:
        # |c - p|^2 = |c|^2 - 2 c.p + |p|^2; exact in float64 for these integer coordinates.
        out = np.empty(len(colors), dtype=np.uint16)
        step = 8192
        for start in range(0, len(colors), step):
            chunk = colors[start : start + step].astype(np.float64) * WEIGHTS
            d = self._norms[None, :] - 2.0 * (chunk @ self._weighted.T)
            out[start : start + step] = np.argmin(d, axis=1)
        return out
