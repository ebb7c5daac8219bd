"""World geometry of tensor blocks and kernels (NumPy only, no manim).

A block of shape (C, H, W) is a stack of C channel layers of H x W cubes. Only the three faces a
viewer can see from the three-quarter camera are built (front, top, right): the outer shell of a
packed block. Each visible cube face is an inset quad, so the darker face behind it shows through
as the gap between cubes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FRONT, TOP, RIGHT = 0, 1, 2
FACE_NAMES = ("front", "top", "right")
GAP = 0.16
"""Gap between neighbouring cubes, in cell pitches."""


@dataclass(frozen=True)
class ShellQuads:
    """The visible cube faces of a block.

    Attributes
    ----------
    face:
        Shape (Q,): FRONT, TOP or RIGHT.
    cells:
        Shape (Q, 3): the (channel, row, column) of the cube each quad belongs to.
    corners:
        Shape (Q, 4, 3): world coordinates of the quad's corners.
    """

    face: np.ndarray
    cells: np.ndarray
    corners: np.ndarray


def block_dims(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """The (C, H, W) of a block's shape, typed as a 3-tuple.

    Parameters
    ----------
    shape : tuple[int, ...]
        A block actor's shape; drawn cube blocks have exactly three dimensions.

    Returns
    -------
    tuple[int, int, int]
        ``(C, H, W)``.

    Raises
    ------
    ValueError
        If ``shape`` does not have three dimensions (a (C, D, H, W) volume row).
    """
    c, h, w = shape
    return (c, h, w)


def block_center(shape: tuple[float, float, float]) -> np.ndarray:
    """World centre of a block of shape (C, H, W) placed at the origin."""
    c, h, w = shape
    return np.array([w / 2.0, -h / 2.0, -c / 2.0])


def _span(index: np.ndarray, inset: float) -> tuple[np.ndarray, np.ndarray]:
    return index + inset, index + 1.0 - inset


def block_shell(shape: tuple[int, int, int], gap: float = GAP) -> ShellQuads:
    """Inset quads of every visible cube face of a block of shape (C, H, W)."""
    c, h, w = shape
    g = gap / 2.0
    quads: list[np.ndarray] = []
    faces: list[np.ndarray] = []
    cells: list[np.ndarray] = []

    hh, ww = (grid.ravel() for grid in np.meshgrid(np.arange(h), np.arange(w), indexing="ij"))
    x0, x1 = _span(ww.astype(float), g)
    ytop, ybot = -hh - g, -hh - 1.0 + g
    zero = np.zeros_like(x0)
    quads.append(
        np.stack(
            [
                np.stack([x0, ytop, zero], -1),
                np.stack([x1, ytop, zero], -1),
                np.stack([x1, ybot, zero], -1),
                np.stack([x0, ybot, zero], -1),
            ],
            1,
        )
    )
    faces.append(np.full(hh.size, FRONT))
    cells.append(np.stack([np.zeros_like(hh), hh, ww], -1))

    cc, ww = (grid.ravel() for grid in np.meshgrid(np.arange(c), np.arange(w), indexing="ij"))
    x0, x1 = _span(ww.astype(float), g)
    zf, zb = -cc - g, -cc - 1.0 + g
    zero = np.zeros_like(x0)
    quads.append(
        np.stack(
            [
                np.stack([x0, zero, zb], -1),
                np.stack([x1, zero, zb], -1),
                np.stack([x1, zero, zf], -1),
                np.stack([x0, zero, zf], -1),
            ],
            1,
        )
    )
    faces.append(np.full(cc.size, TOP))
    cells.append(np.stack([cc, np.zeros_like(cc), ww], -1))

    cc, hh = (grid.ravel() for grid in np.meshgrid(np.arange(c), np.arange(h), indexing="ij"))
    ytop, ybot = -hh - g, -hh - 1.0 + g
    zf, zb = -cc - g, -cc - 1.0 + g
    xr = np.full(ytop.shape, float(w))
    quads.append(
        np.stack(
            [
                np.stack([xr, ytop, zf], -1),
                np.stack([xr, ytop, zb], -1),
                np.stack([xr, ybot, zb], -1),
                np.stack([xr, ybot, zf], -1),
            ],
            1,
        )
    )
    faces.append(np.full(cc.size, RIGHT))
    cells.append(np.stack([cc, hh, np.full_like(cc, w - 1)], -1))

    return ShellQuads(
        face=np.concatenate(faces),
        cells=np.concatenate(cells),
        corners=np.concatenate(quads),
    )


def box_faces(x0: float, x1: float, y0: float, y1: float, z0: float, z1: float) -> np.ndarray:
    """The front, top and right faces of an axis-aligned box, shape (3, 4, 3).

    ``y0 < y1`` and ``z0 < z1`` (z1 is the front).
    """
    return np.array(
        [
            [[x0, y1, z1], [x1, y1, z1], [x1, y0, z1], [x0, y0, z1]],
            [[x0, y1, z0], [x1, y1, z0], [x1, y1, z1], [x0, y1, z1]],
            [[x1, y1, z1], [x1, y1, z0], [x1, y0, z0], [x1, y0, z1]],
        ],
        dtype=float,
    )


def block_outer_faces(shape: tuple[int, int, int]) -> np.ndarray:
    """The three visible outer faces of the whole block (the dark gaps behind the cubes)."""
    c, h, w = shape
    return box_faces(0.0, float(w), -float(h), 0.0, -float(c), 0.0)


def cell_box(
    rows: tuple[float, float],
    cols: tuple[float, float],
    channels: tuple[float, float],
    inflate: float = 0.0,
) -> np.ndarray:
    """Faces of a box covering rows [r0, r1), columns [c0, c1) and channels [k0, k1)."""
    (r0, r1), (c0, c1), (k0, k1) = rows, cols, channels
    return box_faces(
        c0 - inflate, c1 + inflate, -r1 - inflate, -r0 + inflate, -k1 - inflate, -k0 + inflate
    )


def front_cell_quad(row: float, col: float, gap: float = GAP, z: float = 0.0) -> np.ndarray:
    """The inset front-face quad of cell (row, col), shape (4, 3); rows/cols may lie in padding."""
    g = gap / 2.0
    return np.array(
        [
            [col + g, -row - g, z],
            [col + 1 - g, -row - g, z],
            [col + 1 - g, -row - 1 + g, z],
            [col + g, -row - 1 + g, z],
        ]
    )


def front_cell_center(row: float, col: float) -> np.ndarray:
    """World point at the centre of the front face of cell (row, col)."""
    return np.array([col + 0.5, -row - 0.5, 0.0])
