"""Regions of a tensor (rows, columns, channels) and how a window maps one back to its input.

Each op visual says which region of its input a region of its output depends on
(``OpVisual.back_region``); the receptive-field mode chains them from the last output back to
the chain's input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Region", "grouped_channels", "span", "window_region"]


@dataclass(frozen=True)
class Region:
    """Rows [r0, r1), columns [c0, c1) and channels (sorted) of one tensor."""

    rows: tuple[int, int]
    cols: tuple[int, int]
    channels: tuple[int, ...]


def span(coords: np.ndarray, size: int) -> tuple[int, int]:
    """Bounding [lo, hi) of coordinates, clipped to the tensor (padding depends on nothing).

    No coordinates (an output cell that no input reaches, such as a transposed conv's
    ``output_padding`` row, which holds only the bias) give the empty span (0, 0).
    """
    if coords.size == 0:
        return (0, 0)
    lo, hi = int(coords.min()), int(coords.max()) + 1
    return (max(lo, 0), min(hi, size))


def grouped_channels(
    channels: tuple[int, ...], out_per_group: int, in_per_group: int
) -> tuple[int, ...]:
    """The input channels that output ``channels`` read when channels mix within groups."""
    groups = {c // out_per_group for c in channels}
    return tuple(c for g in sorted(groups) for c in range(g * in_per_group, (g + 1) * in_per_group))


def window_region(
    rows: np.ndarray,
    cols: np.ndarray,
    region: Region,
    size: tuple[int, int],
    channels: tuple[int, ...],
) -> Region:
    """The input region under the windows of ``region``'s rows and columns.

    ``rows`` / ``cols`` are a window trace's ``(H_out, kh)`` / ``(W_out, kw)`` input coordinates.
    """
    (r0, r1), (c0, c1) = region.rows, region.cols
    return Region(span(rows[r0:r1], size[0]), span(cols[c0:c1], size[1]), channels)
