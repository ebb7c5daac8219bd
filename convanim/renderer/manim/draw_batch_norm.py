"""Drawing the batch-norm chart between the input and output blocks.

The chart is laid out in its own units (one row per channel, pitch 1; y up, the origin at its top
left) and fitted into the free region between the two blocks. Under a header naming its columns,
each row holds the channel's number, its tile (the channel's cells, coloured by value), its bar
(the channel's values from min to max on the value axis every row shares, with a tick where the
running mean goes) and its ``μ``, ``σ²``, ``γ``, ``β``. The actor's events
(:mod:`convanim.storyboard.ops.batch_norm`) take each channel from x through x̂ to y.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from manim import Mobject

from convanim.renderer import geometry as geo
from convanim.renderer.layout import Layout, Region, Viewport
from convanim.renderer.manim.mobjects import (
    MONO,
    TextShape,
    highlight_mobject,
    lines_mobject,
    polygons_mobject,
    set_opacity,
    text_mobject,
)
from convanim.renderer.manim.stage import Drawer, Stage, to_hex
from convanim.renderer.motion import region_between, slab_faces
from convanim.renderer.state import smooth
from convanim.renderer.theme import gap_color
from convanim.storyboard import palette
from convanim.storyboard.common import fmt_value
from convanim.storyboard.ops.batch_norm import CHART_HEAD, CHART_WIDTH, PHASES, BatchNormActor
from convanim.storyboard.timeline import BlockActor, Event

TEXT = 0.46
"""Height of the chart's texts (a row is 1 high)."""
INDEX_X = 0.25
"""Middle of the channel numbers."""
TILE_X, TILE = 0.55, 0.84
"""Left edge and largest side of a tile."""
AXIS = (1.85, 5.45)
"""Left and right end of the value axis."""
AXIS_TEXT = 0.8
"""Size of the axis' labels (its ends and 0), as a share of :data:`TEXT`."""
BAR, TICK = 0.36, 0.66
"""Height of a bar and of its running-mean tick."""
NUMBERS_X, NUMBER_PITCH = 6.6, 1.55
"""Middle of the first column of numbers and the distance between the columns."""
NUMBERS = (("μ", "normalize"), ("σ²", "normalize"), ("γ", "affine"), ("β", "affine"))
"""The numbers of each row and the phase that shows them."""
TILE_CELLS = 16
"""Most cells a tile shows along a side (a bigger channel is shown as means of its cells)."""
BAR_SEGMENTS = 20
"""Colour steps of a bar (its colours are those of the values it spans)."""
MAX_SCALE = 0.75
"""Largest size of a row in frame units (a chart of one or two channels stays modest)."""

ToFrame = Callable[[np.ndarray], np.ndarray]


def _point(xy: np.ndarray) -> np.ndarray:
    """A frame point (x, y) as manim's 3-D point."""
    return np.array([float(xy[0]), float(xy[1]), 0.0])


def pooled(values: np.ndarray, limit: int = TILE_CELLS) -> np.ndarray:
    """A (C, H, W) array with at most ``limit`` cells along H and W: means of runs of cells, the
    runs as long along both axes (the tile keeps the channel's shape)."""
    out = np.asarray(values, dtype=float)
    factor = max(out.shape[1:]) / limit
    if factor <= 1:
        return out
    for axis in (1, 2):
        size = out.shape[axis]
        edges = np.linspace(0, size, max(1, round(size / factor)) + 1).round().astype(int)
        counts = np.diff(edges).reshape((-1, 1) if axis == 1 else (1, -1))
        out = np.add.reduceat(out, edges[:-1], axis=axis) / counts
    return out


def cell_quads(quad: np.ndarray, rows: int, cols: int, inset: float = 0.07) -> np.ndarray:
    """Quads (rows * cols, 4, 2) of a grid of cells inside ``quad`` (corners TL, TR, BR, BL),
    each shrunk by ``inset`` of a cell so that the grid's lines show."""
    tl, tr, br, bl = (np.asarray(p, dtype=float) for p in quad)
    r = np.arange(rows)[:, None, None]
    c = np.arange(cols)[None, :, None]
    corners = []
    for dr, dc in ((inset, inset), (inset, 1 - inset), (1 - inset, 1 - inset), (1 - inset, inset)):
        v, u = (r + dr) / rows, (c + dc) / cols
        corners.append(tl * (1 - u) * (1 - v) + tr * u * (1 - v) + br * u * v + bl * (1 - u) * v)
    return np.stack(corners, axis=2).reshape(-1, 4, 2)


class BatchNormDrawer(Drawer[BatchNormActor]):
    """Draws :class:`BatchNormActor` s."""

    layer = 1

    def __init__(self, stage: Stage) -> None:
        super().__init__(stage)
        self._events: dict[str, dict[tuple[str, int], Event]] = {}
        for e in stage.timeline.events:
            if e.kind == "batch_norm":
                key = (str(e.data["phase"]), int(e.data["channel"]))
                self._events.setdefault(e.target, {})[key] = e
        self._tiles: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._ends: dict[str, np.ndarray] = {}

    def progress(self, actor: BatchNormActor, phase: str, channel: int, t: float) -> float:
        """How far row ``channel`` is through ``phase`` at time t (0 before, 1 after)."""
        e = self._events.get(actor.id, {}).get((phase, channel))
        if e is None or t < e.start:
            return 0.0
        if t >= e.end or e.duration <= 0:
            return 1.0
        return (t - e.start) / e.duration

    def _values(self, actor: BatchNormActor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x, x̂ and y of the rows' channels as their tiles show them (means of runs of cells
        for a big channel)."""
        cached = self._tiles.get(actor.id)
        if cached is None:
            n = actor.rows
            x = self.arrays[actor.input][:n]
            y = self.arrays[actor.output][:n]
            cached = (pooled(x), pooled(actor.normalized.array), pooled(y))
            self._tiles[actor.id] = cached
        return cached

    def _extremes(self, actor: BatchNormActor) -> np.ndarray:
        """(3, C, 2): x, x̂ and y of each row's smallest and largest x. Every stage between is
        affine in x, so a channel's values always span the stretch between these two."""
        cached = self._ends.get(actor.id)
        if cached is None:
            n = actor.rows
            x = self.arrays[actor.input][:n].reshape(n, -1)
            xh = actor.normalized.array.reshape(n, -1)
            y = self.arrays[actor.output][:n].reshape(n, -1)
            picks = np.stack([x.argmin(axis=1), x.argmax(axis=1)], axis=1)
            cached = np.stack([np.take_along_axis(a, picks, axis=1) for a in (x, xh, y)])
            self._ends[actor.id] = cached
        return cached

    def draw(self, actor: BatchNormActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """The chart as far as the channels have got at time t."""
        n = actor.rows
        between = region_between(
            self.layout, self.blocks[actor.input].slot, self.blocks[actor.output].slot, vp, 0.2
        )
        # no higher than the blocks' tops: a block's caption above it may be wider than the block
        top = min(between.y1, self.layout.world.y1 - Layout.LABEL_BAND)
        region = Region(between.x0, between.x1, between.y0, top)
        height = CHART_HEAD + n
        k = round(min(region.width / CHART_WIDTH, region.height / height, MAX_SCALE), 3)
        origin = np.array(
            [region.center[0] - CHART_WIDTH * k / 2, region.center[1] + height * k / 2]
        )

        def to_frame(p: np.ndarray) -> np.ndarray:
            return origin + np.asarray(p, dtype=float) * k

        stages = {
            phase: np.array([smooth(self.progress(actor, phase, c, t)) for c in range(n)])
            for phase in PHASES
        }
        a, b = stages["normalize"], stages["affine"]
        mix = np.stack([1 - a, a * (1 - b), b], axis=1)  # weights of x, x̂, y (b > 0 once a = 1)
        mobs: list[Mobject] = []
        mobs.extend(self._frame(actor, stages, to_frame, k, opacity))
        mobs.extend(self._highlight(actor, t, to_frame, opacity))
        mobs.extend(self._bars(actor, stages, mix, to_frame, opacity))
        mobs.extend(self._numbers(actor, t, to_frame, k, opacity))
        mobs.extend(self._tiles_at(actor, stages, mix, to_frame, vp, opacity))
        return mobs

    @staticmethod
    def _text(
        text: str, k: float, color: str, place: tuple[object, ...], size: float = 1.0
    ) -> TextShape:
        """A text of the chart at chart scale ``k`` (``size``: a share of :data:`TEXT`), at
        most as wide as a column of numbers."""
        return text_mobject(
            text,
            TEXT * size * k,
            color,
            font=MONO,
            max_width=NUMBER_PITCH * 0.92 * k,
            usage=(*place, k),
        )

    def _value_x(self, actor: BatchNormActor, value: np.ndarray | float) -> np.ndarray:
        """Chart x of values on the shared value axis."""
        lo, hi = actor.value_range
        u = (np.asarray(value, dtype=float) - lo) / (hi - lo if hi > lo else 1.0)
        return AXIS[0] + u * (AXIS[1] - AXIS[0])

    @staticmethod
    def _row_y(row: int) -> float:
        """Chart y of the middle of a row."""
        return -(CHART_HEAD + row + 0.5)

    def _frame(
        self,
        actor: BatchNormActor,
        stages: dict[str, np.ndarray],
        to_frame: ToFrame,
        k: float,
        opacity: float,
    ) -> list[Mobject]:
        """The channel numbers (each once its tile has come), the value axis (its ends and its
        zero line) and the heads of the numbers met so far."""
        if not stages["lift"].any():
            return []
        muted = self.theme.muted_text
        mobs: list[Mobject] = []
        head_y = -CHART_HEAD / 2
        shown = np.minimum(stages["lift"] * 2 - 1, 1 - stages["land"])  # with the row's tile
        texts: list[tuple[TextShape, float, float, float]] = [
            (self._text(str(c), k, muted, (actor.id, "index", c)), INDEX_X, self._row_y(c), u)
            for c, u in enumerate(shown)
            if u > 0.0
        ]
        lo, hi = actor.value_range
        taken: list[tuple[float, float]] = []  # spans of the axis' labels
        if lo < 0.0 < hi:
            zero = float(self._value_x(actor, 0.0))
            line = np.array([[[zero, -CHART_HEAD + 0.1], [zero, -(CHART_HEAD + actor.rows)]]])
            mobs.append(lines_mobject(to_frame(line), muted, 1.0, 0.7 * opacity))
            mob = self._text("0", k, muted, (actor.id, "zero"), AXIS_TEXT)
            texts.append((mob, zero, head_y, 1.0))
            taken.append((zero - mob.width / k / 2, zero + mob.width / k / 2))
        for value, edge in ((lo, -1.0), (hi, 1.0)):  # inside the axis' ends, unless crowded
            mob = self._text(fmt_value(value), k, muted, (actor.id, "end", edge), AXIS_TEXT)
            x = float(self._value_x(actor, value)) - edge * mob.width / k / 2
            span = (x - mob.width / k / 2 - 0.2, x + mob.width / k / 2 + 0.2)
            if all(span[1] < a or b < span[0] for a, b in taken):
                texts.append((mob, x, head_y, 1.0))
        for column, (head, phase) in enumerate(NUMBERS):
            if stages[phase].any():
                mob = self._text(head, k, muted, (actor.id, "head", head))
                texts.append((mob, NUMBERS_X + column * NUMBER_PITCH, head_y, 1.0))
        for mob, x, y, u in texts:
            mob.move_to(_point(to_frame(np.array([x, y]))))
            set_opacity(mob, opacity * min(1.0, u))
            mobs.append(mob)
        return mobs

    def _highlight(
        self, actor: BatchNormActor, t: float, to_frame: ToFrame, opacity: float
    ) -> list[Mobject]:
        """A box around the row being normalised, or scaled and shifted."""
        for c in range(actor.rows):
            for phase in ("normalize", "affine"):
                if 0.0 < self.progress(actor, phase, c, t) < 1.0:
                    y0, y1 = self._row_y(c) + 0.48, self._row_y(c) - 0.48
                    x1 = NUMBERS_X + (len(NUMBERS) - 0.5) * NUMBER_PITCH
                    box = np.array([[0.0, y0], [x1, y0], [x1, y1], [0.0, y1]])
                    return [highlight_mobject(to_frame(box), actor.hue, opacity)]
        return []

    def _bars(
        self,
        actor: BatchNormActor,
        stages: dict[str, np.ndarray],
        mix: np.ndarray,
        to_frame: ToFrame,
        opacity: float,
    ) -> list[Mobject]:
        """Each row's span of values, in the colours of the values it spans, and its tick."""
        ends = np.einsum("sce,cs->ce", self._extremes(actor), mix)
        # where the running mean goes: mu, then 0 (x̂ of the mean), then beta
        ticks = np.array(actor.mean) * mix[:, 0] + np.array(actor.beta) * mix[:, 2]
        mobs: list[Mobject] = []
        for c in range(actor.rows):
            shown = 1.0 - stages["land"][c]  # a row leaves with its tile
            if stages["lift"][c] < 1.0 or shown <= 0.0:
                continue
            lo, hi = float(ends[c].min()), float(ends[c].max())
            values = lo + (np.arange(BAR_SEGMENTS) + 0.5) / BAR_SEGMENTS * (hi - lo)
            levels = palette.value_level(values, actor.value_range)
            edges = self._value_x(actor, np.linspace(lo, hi, BAR_SEGMENTS + 1))
            y = self._row_y(c)
            for i in range(BAR_SEGMENTS):
                x0, x1 = edges[i], edges[i + 1]
                quad = np.array(
                    [[x0, y + BAR / 2], [x1, y + BAR / 2], [x1, y - BAR / 2], [x0, y - BAR / 2]]
                )
                color = to_hex(palette.level_rgb(actor.hue, levels[i]))
                mobs.append(polygons_mobject(to_frame(quad)[None], color, opacity * shown))
            x = float(self._value_x(actor, ticks[c]))
            tick = to_frame(np.array([[[x, y + TICK / 2], [x, y - TICK / 2]]]))
            mobs.append(lines_mobject(tick, self.theme.text, 2.5, opacity * shown))
        return mobs

    def _numbers(
        self, actor: BatchNormActor, t: float, to_frame: ToFrame, k: float, opacity: float
    ) -> list[Mobject]:
        """Each row's μ, σ², γ, β, shown once its step has begun."""
        columns = (actor.mean, actor.var, actor.gamma, actor.beta)
        mobs: list[Mobject] = []
        for c in range(actor.rows):
            for column, ((head, phase), values) in enumerate(zip(NUMBERS, columns, strict=True)):
                u = min(self.progress(actor, phase, c, t) * 4.0, 1.0)
                u = min(u, 1.0 - smooth(self.progress(actor, "land", c, t)))
                if u <= 0.0:
                    continue
                text = fmt_value(float(values[c]))
                mob = self._text(text, k, self.theme.text, (actor.id, head, c))
                at = np.array([NUMBERS_X + column * NUMBER_PITCH, self._row_y(c)])
                mob.move_to(_point(to_frame(at)))
                set_opacity(mob, opacity * u)
                mobs.append(mob)
        return mobs

    def _fronts(self, block: BlockActor, n: int, vp: Viewport) -> np.ndarray:
        """Frame quads (n, 4, 2) of the front faces of a block's first ``n`` channel slabs."""
        fronts = [slab_faces(geo.block_dims(block.shape), c)[geo.FRONT] for c in range(n)]
        return self._to_frame(block, np.array(fronts), vp)

    def _tiles_at(
        self,
        actor: BatchNormActor,
        stages: dict[str, np.ndarray],
        mix: np.ndarray,
        to_frame: ToFrame,
        vp: Viewport,
        opacity: float,
    ) -> list[Mobject]:
        """Every tile where it is (leaving the input block, in the chart, landing in the output
        block), its cells coloured by the values it holds now."""
        x, xh, y = self._values(actor)
        n, rows, cols = x.shape
        side = TILE / max(rows, cols)
        tw, th = cols * side, rows * side
        sources = self._fronts(self.blocks[actor.input], n, vp)
        targets = self._fronts(self.blocks[actor.output], n, vp)
        back = to_hex(gap_color(palette.hex_to_rgb(actor.hue), geo.FRONT))
        mobs: list[Mobject] = []
        for c in reversed(range(n)):  # the deepest channel first: channel 0 ends on top
            lift, land = stages["lift"][c], stages["land"][c]
            if lift <= 0.0 or land >= 1.0:
                continue
            x0 = TILE_X + (TILE - tw) / 2
            y0 = self._row_y(c) + th / 2
            home = to_frame(np.array([[x0, y0], [x0 + tw, y0], [x0 + tw, y0 - th], [x0, y0 - th]]))
            quad = sources[c] * (1 - lift) + home * lift
            if land > 0.0:
                quad = home * (1 - land) + targets[c] * land
            values = x[c] * mix[c, 0] + xh[c] * mix[c, 1] + y[c] * mix[c, 2]
            levels = palette.value_level(values.reshape(-1), actor.value_range)
            groups: dict[str, list[np.ndarray]] = {}
            for cell, level in zip(cell_quads(quad, rows, cols), levels, strict=True):
                groups.setdefault(to_hex(palette.level_rgb(actor.hue, level)), []).append(cell)
            mobs.append(polygons_mobject(quad[None], back, opacity))
            mobs.extend(
                polygons_mobject(np.array(cells), color, opacity) for color, cells in groups.items()
            )
        return mobs
