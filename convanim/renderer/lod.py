"""Level of detail for big tensors (NumPy only, no manim).

A tensor of 64×224×224 cannot be drawn one cube per element: it would be a hundred thousand
polygons per frame, and a block 224 cells wide does not fit the perspective camera (which sits
about 40 cell pitches from a block). Past a size, a block is drawn in *display coordinates*:

- rows and columns are grouped into square tiles of ``tile × tile`` elements (one cube per tile,
  coloured by the tile's mean value), so each side shows at most :data:`MAX_SIDE` cubes;
- channels beyond :data:`MAX_CHANNELS` are elided: the first :data:`HEAD_CHANNELS` channels and the
  last one are drawn as slabs, an ellipsis band stands for the ones left out.

Everything else keeps addressing elements by their true (channel, row, column): a
:class:`BlockLOD` maps true world coordinates (``x`` = column, ``y`` = -row, ``z`` = -channel) to
display coordinates, piecewise linearly, so kernels, windows and beams land on the right tile.
Small tensors get the identity (and are drawn exactly as before).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from convanim.renderer.geometry import FRONT, RIGHT, TOP, ShellQuads, block_shell
from convanim.storyboard.words import EN, Words

MAX_SIDE = 32
"""Most cubes drawn along a block's height or width."""
MAX_CHANNELS = 12
"""Most channel slabs drawn before channels are elided."""
HEAD_CHANNELS = 8
"""Channels drawn before the ellipsis when channels are elided (the last one is drawn after)."""
ELLIPSIS_BAND = 3.0
"""Depth (in display cells) of the band that stands for elided channels."""


@dataclass(frozen=True)
class AxisMap:
    """True coordinate along one axis (0 .. ``size``) -> display coordinate.

    ``tile`` true elements make one display cell. With ``head`` set, elements ``head .. size-2``
    are squeezed into a band of ``band`` display cells (the ellipsis) and element ``size - 1``
    follows it.
    """

    size: int
    tile: int = 1
    head: int | None = None
    band: float = 0.0

    @property
    def identity(self) -> bool:
        """True when display and true coordinates agree."""
        return self.tile == 1 and self.head is None

    @property
    def display_size(self) -> float:
        """Length of the axis in display cells."""
        if self.head is not None:
            return self.head + self.band + 1.0
        return self.size / self.tile

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Map true coordinates (any shape) to display coordinates."""
        x = np.asarray(x, dtype=float)
        if self.head is not None:
            head, last = float(self.head), float(self.size - 1)
            squeezed = head + self.band * (x - head) / max(last - head, 1e-9)
            out = np.where(x <= head, x, np.where(x >= last, x - last + head + self.band, squeezed))
            return out
        return x / self.tile

    def shown(self) -> np.ndarray:
        """Indices of the elements (channels) drawn: all, or the head and the last one."""
        if self.head is None:
            return np.arange(self.size)
        return np.concatenate([np.arange(self.head), [self.size - 1]])

    def tile_starts(self) -> np.ndarray:
        """First true element of every display tile (for ``np.add.reduceat``)."""
        return np.arange(0, self.size, self.tile)


@dataclass(frozen=True)
class BlockLOD:
    """How a block of true shape (C, H, W) is drawn: one :class:`AxisMap` per axis."""

    shape: tuple[int, int, int]
    channels: AxisMap
    rows: AxisMap
    cols: AxisMap

    @property
    def detailed(self) -> bool:
        """True for small blocks: one cube per element, nothing elided."""
        return self.channels.identity and self.rows.identity and self.cols.identity

    @property
    def display_shape(self) -> tuple[float, float, float]:
        """(depth, height, width) of the drawn block in display cells."""
        return (self.channels.display_size, self.rows.display_size, self.cols.display_size)

    @property
    def tile(self) -> int:
        """True elements per displayed cube along rows and columns."""
        return max(self.rows.tile, self.cols.tile)

    def to_display(self, world: np.ndarray) -> np.ndarray:
        """True world points (..., 3) -> display world points (the same array when detailed)."""
        if self.detailed:
            return world
        world = np.asarray(world, dtype=float)
        out = np.empty_like(world)
        out[..., 0] = self.cols(world[..., 0])
        out[..., 1] = -self.rows(-world[..., 1])
        out[..., 2] = -self.channels(-world[..., 2])
        return out

    def note(self, words: Words = EN, channels: str = "") -> str:
        """What the drawing leaves out, for the block's label ('' when detailed).

        ``channels`` is the template of the elided channels (default ``words.lod_channels``).
        """
        parts = []
        if self.tile > 1:
            parts.append(words.lod_tile.format(rows=self.rows.tile, cols=self.cols.tile))
        if self.channels.head is not None:
            template = channels or words.lod_channels
            parts.append(template.format(first=self.channels.head, last=self.shape[0] - 2))
        return ", ".join(parts)


def _side(size: int) -> AxisMap:
    tile = -(-size // MAX_SIDE) if size > MAX_SIDE else 1
    return AxisMap(size, tile=tile)


@lru_cache(maxsize=256)
def block_lod(shape: tuple[int, ...]) -> BlockLOD:
    """The level of detail of a block of shape (C, H, W) (identity when small enough).

    Rows and columns share one tile size, so tiles stay square; a single row or column (a
    sequence, a vector) is tiled along its length only.
    """
    c, h, w = (int(v) for v in shape[-3:])
    if min(h, w) == 1:
        # One row or one column (a sequence, a vector): tiles only along its length.
        rows, cols = _side(h), _side(w)
    else:
        tile = max(_side(h).tile, _side(w).tile)
        rows, cols = AxisMap(h, tile=tile), AxisMap(w, tile=tile)
    channels = (
        AxisMap(c, head=HEAD_CHANNELS, band=ELLIPSIS_BAND) if c > MAX_CHANNELS else AxisMap(c)
    )
    return BlockLOD((c, h, w), channels, rows, cols)


def tile_means(values: np.ndarray, lod: BlockLOD) -> np.ndarray:
    """Mean value of every displayed tile of the shown channels, shape (Cs, Ht, Wt)."""
    shown = values[lod.channels.shown()]
    rs, cs = lod.rows.tile_starts(), lod.cols.tile_starts()
    sums = np.add.reduceat(np.add.reduceat(shown, rs, axis=1), cs, axis=2)
    counts = np.outer(np.diff(np.append(rs, lod.shape[1])), np.diff(np.append(cs, lod.shape[2])))
    return sums / counts[None]


def tile_any(mask: np.ndarray, lod: BlockLOD) -> np.ndarray:
    """Whether any element of every displayed tile is set (shown channels), shape (Cs, Ht, Wt)."""
    shown = mask[lod.channels.shown()]
    rs, cs = lod.rows.tile_starts(), lod.cols.tile_starts()
    return np.logical_or.reduceat(np.logical_or.reduceat(shown, rs, axis=1), cs, axis=2)


def _spans(starts: np.ndarray, size: int, inset: float) -> tuple[np.ndarray, np.ndarray]:
    stops = np.append(starts[1:], size).astype(float)
    return starts.astype(float) + inset, stops - inset


def lod_shell(lod: BlockLOD, gap: float) -> ShellQuads:
    """Visible faces of the displayed tiles, in *true* world coordinates.

    ``cells`` index the tile grid of :func:`tile_means`: (shown-channel position, tile row, tile
    column). Insets are scaled so that the gaps look like ``gap`` display cells once mapped.
    """
    c, h, w = lod.shape
    shown = lod.channels.shown()
    rows = lod.rows.tile_starts()
    cols = lod.cols.tile_starts()
    g = gap / 2.0
    c0, c1 = shown.astype(float) + g, shown.astype(float) + 1.0 - g
    r0, r1 = _spans(rows, h, g * lod.rows.tile)
    x0, x1 = _spans(cols, w, g * lod.cols.tile)
    ci = np.arange(len(shown))
    ri = np.arange(len(rows))
    xi = np.arange(len(cols))
    quads, faces, cells = [], [], []

    grid_r, grid_x = np.meshgrid(ri, xi, indexing="ij")
    rr, xx = grid_r.ravel(), grid_x.ravel()
    quads.append(_quad("front", x0[xx], x1[xx], -r0[rr], -r1[rr]))
    faces.append(np.full(rr.size, FRONT))
    cells.append(np.stack([np.zeros_like(rr), rr, xx], -1))

    grid_c, grid_x = np.meshgrid(ci, xi, indexing="ij")
    cc, xx = grid_c.ravel(), grid_x.ravel()
    quads.append(_quad("top", x0[xx], x1[xx], -c1[cc], -c0[cc]))
    faces.append(np.full(cc.size, TOP))
    cells.append(np.stack([cc, np.zeros_like(cc), xx], -1))

    grid_c, grid_r = np.meshgrid(ci, ri, indexing="ij")
    cc, rr = grid_c.ravel(), grid_r.ravel()
    quads.append(_quad("right", -c0[cc], -c1[cc], -r0[rr], -r1[rr], float(w)))
    faces.append(np.full(cc.size, RIGHT))
    cells.append(np.stack([cc, rr, np.full_like(cc, len(cols) - 1)], -1))
    return ShellQuads(np.concatenate(faces), np.concatenate(cells), np.concatenate(quads))


def _quad(
    face: str, a0: np.ndarray, a1: np.ndarray, b0: np.ndarray, b1: np.ndarray, fixed: float = 0.0
) -> np.ndarray:
    """Quads (Q, 4, 3) of one face orientation from the spans of its two free axes."""
    n = a0.shape[0]
    if face == "front":  # a: x, b: y; z = 0
        zs = np.zeros(n)
        pts = [(a0, b0, zs), (a1, b0, zs), (a1, b1, zs), (a0, b1, zs)]
    elif face == "top":  # a: x, b: z (b0 back, b1 front); y = 0
        ys = np.zeros(n)
        pts = [(a0, ys, b0), (a1, ys, b0), (a1, ys, b1), (a0, ys, b1)]
    else:  # right: a: z (a0 front, a1 back), b: y; x = fixed
        xs = np.full(n, fixed)
        pts = [(xs, b0, a0), (xs, b0, a1), (xs, b1, a1), (xs, b1, a0)]
    return np.stack([np.stack(p, -1) for p in pts], 1)


def shell_of(lod: BlockLOD, gap: float) -> ShellQuads:
    """Visible faces of a block drawn at this level of detail (one per cube, or per tile)."""
    return block_shell(lod.shape, gap) if lod.detailed else lod_shell(lod, gap)


def quad_values(lod: BlockLOD, values: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Value of every shell quad: its element's, or its tile's mean."""
    grid = values if lod.detailed else tile_means(values, lod)
    return grid[cells[:, 0], cells[:, 1], cells[:, 2]]


def quad_shown(lod: BlockLOD, mask: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Whether every shell quad is set in ``mask`` (a tile: any of its elements)."""
    grid = mask if lod.detailed else tile_any(mask, lod)
    return grid[cells[:, 0], cells[:, 1], cells[:, 2]]


def quad_channels(lod: BlockLOD, cells: np.ndarray) -> np.ndarray:
    """True channel (depth slice) of every shell quad."""
    return cells[:, 0] if lod.detailed else lod.channels.shown()[cells[:, 0]]
