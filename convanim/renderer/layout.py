"""Where things go on screen: slots of the tensor row, the camera framing, fixed overlay regions.

Scene coordinates are projected world units with each block's centre at its slot's anchor; the
viewport maps scene coordinates to manim frame units (14.22 x 8 for 16:9) so the blocks of the
current op fill the world region, leaving the title band and the bottom panel free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convanim.renderer.frame_format import FRAME_HEIGHT
from convanim.renderer.geometry import block_center, box_faces
from convanim.renderer.projection import Projector
from convanim.renderer.volumes import display_of
from convanim.storyboard.timeline import BlockActor

NUMBERED_ROWS_MAX = 16
"""A column vector of at most this many elements (a linear layer's outputs, a classifier's
class scores) has its rows numbered, each with its value once computed, on its right."""
ROW_LABELS_WIDTH = 3.2
"""Scene units (about cube widths) kept right of a numbered column for its row labels."""


def numbered_rows(shape: tuple[int, ...]) -> bool:
    """Whether a block of ``shape`` is a short column vector whose rows are numbered."""
    return len(shape) == 3 and shape[0] == 1 and shape[2] == 1 and shape[1] <= NUMBERED_ROWS_MAX


@dataclass(frozen=True)
class Region:
    """An axis-aligned rectangle in frame units."""

    x0: float
    x1: float
    y0: float
    y1: float

    @property
    def width(self) -> float:
        """Width in frame units."""
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        """Height in frame units."""
        return self.y1 - self.y0

    @property
    def center(self) -> tuple[float, float]:
        """Centre point."""
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)


@dataclass(frozen=True)
class Viewport:
    """Maps scene point p to frame point ``(p - center) * scale + target``."""

    center: tuple[float, float]
    scale: float
    target: tuple[float, float]

    def apply(self, points: np.ndarray) -> np.ndarray:
        """Scene -> frame coordinates for an array (..., 2)."""
        c = np.asarray(self.center)
        return (np.asarray(points) - c) * self.scale + np.asarray(self.target)

    def key(self) -> tuple[float, float, float]:
        """A hashable, rounded identity (for caching what was drawn for this view)."""
        return (round(self.center[0], 5), round(self.center[1], 5), round(self.scale, 6))


def blend(a: Viewport, b: Viewport, u: float) -> Viewport:
    """Viewport part-way (u in [0, 1]) from a to b.

    The centre and the width of the scene window (1 / scale) move linearly, so every scene point
    moves monotonically from where ``a`` shows it to where ``b`` does: what both ends show inside
    a region stays inside it all the way (a geometric zoom can carry a block past both ends).
    """
    if u <= 0:
        return a
    if u >= 1:
        return b
    cx = a.center[0] + (b.center[0] - a.center[0]) * u
    cy = a.center[1] + (b.center[1] - a.center[1]) * u
    scale = 1.0 / ((1.0 - u) / a.scale + u / b.scale)
    return Viewport((cx, cy), scale, a.target)


class Layout:
    """Slot anchors of every block and the framing of any set of slots.

    ``gaps[s]`` widens the space before slot s by that many scene units (about cell pitches),
    for op visuals that draw between two blocks (a bar chart, a matrix of channels).
    """

    LABEL_BAND = 0.5
    """Frame units kept free above blocks for their caption."""
    LABEL_BAND_BELOW = 0.75
    """Frame units kept free below blocks for the shape label and a level-of-detail note."""
    CAPTION_BAND = 0.5
    """Frame units above the bottom panel (table, formula, counts) kept for the step caption."""

    def __init__(
        self,
        blocks: list[BlockActor],
        projector: Projector,
        frame_width: float,
        has_title: bool,
        gaps: dict[int, float] | None = None,
        zoom: float = 1.0,
    ) -> None:
        self.projector = projector
        self.zoom = zoom
        gaps = gaps or {}
        self.frame_width = frame_width
        half_w = frame_width / 2
        top = FRAME_HEIGHT / 2 - (1.0 if has_title else 0.75)
        self.world = Region(-half_w + 0.45, half_w - 0.45, -1.55, top)
        self.slots: dict[int, BlockActor] = {b.slot: b for b in blocks}
        self.local_boxes: dict[int, tuple[float, float, float, float]] = {}
        for slot, block in self.slots.items():
            self.local_boxes[slot] = self._local_box(block)
        self.anchors: dict[int, np.ndarray] = {}
        x = 0.0
        ordered = sorted(self.slots)
        max_h = max((b[3] - b[2]) for b in self.local_boxes.values()) if ordered else 1.0
        spacing = 2.2 + 0.25 * max_h
        for i, slot in enumerate(ordered):
            x0, x1, _, _ = self.local_boxes[slot]
            if i:
                x += -x0 + gaps.get(slot, 0.0)
            self.anchors[slot] = np.array([x, 0.0])
            x += x1 + spacing

    def fit_between(self, panel_top: float | None, title_bottom: float | None) -> None:
        """Let the blocks use the height down to the bottom panel (its top at ``panel_top``),
        leaving :attr:`CAPTION_BAND` for the step caption, and up to a title that reaches lower
        than the usual title band (a long title on two lines)."""
        w = self.world
        y0 = w.y0 if panel_top is None else panel_top + self.CAPTION_BAND
        y1 = w.y1 if title_bottom is None else min(w.y1, title_bottom - 0.1)
        self.world = Region(w.x0, w.x1, y0, y1)

    def _local_box(self, block: BlockActor) -> tuple[float, float, float, float]:
        display = display_of(block.shape)
        c, h, w = display.display_shape
        pt, pb, pl, pr = (max(p, 2) if p else 0 for p in block.padding)
        corners = box_faces(-pl, w + pr, -h - pb, pt, -c, 0.0).reshape(-1, 3)
        pts = self.projector.project(corners, block_center(display.display_shape))
        labels = ROW_LABELS_WIDTH if numbered_rows(block.shape) else 0.0
        return (
            float(pts[:, 0].min()),
            float(pts[:, 0].max()) + labels,
            float(pts[:, 1].min()),
            float(pts[:, 1].max()),
        )

    def scene_points(self, block: BlockActor, world: np.ndarray) -> np.ndarray:
        """World points of a block -> scene coordinates (projected, placed at its slot).

        Big blocks are drawn at a level of detail (:mod:`convanim.renderer.lod`): their true
        coordinates are first mapped to display coordinates (the identity for small blocks).
        """
        display = display_of(block.shape)
        points = display.to_display(world)
        center = block_center(display.display_shape)
        return self.projector.project(points, center) + self.anchors[block.slot]

    def frame(self, slots: tuple[int, ...]) -> Viewport:
        """The viewport that fits the given slots into the world region."""
        present = [s for s in slots if s in self.slots] or sorted(self.slots)[:1]
        x0 = min(self.anchors[s][0] + self.local_boxes[s][0] for s in present)
        x1 = max(self.anchors[s][0] + self.local_boxes[s][1] for s in present)
        y0 = min(self.anchors[s][1] + self.local_boxes[s][2] for s in present)
        y1 = max(self.anchors[s][1] + self.local_boxes[s][3] for s in present)
        region = self.world
        avail_h = region.height - self.LABEL_BAND - self.LABEL_BAND_BELOW
        scale = min(region.width / max(x1 - x0, 1e-6), avail_h / max(y1 - y0, 1e-6))
        scale = min(scale, 0.9) * self.zoom
        target = (region.center[0], region.y0 + self.LABEL_BAND_BELOW + avail_h / 2)
        return Viewport(((x0 + x1) / 2, (y0 + y1) / 2), scale, target)
