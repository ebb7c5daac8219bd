"""Drawing the squeeze-and-excitation chart between the input and output blocks.

The chart is laid out in its own units (one row per channel, pitch 1) and fitted into the free
region between the two blocks: column of channel means ``s``, hidden column ``h`` (FC1 + ReLU),
bars of the weights ``w`` (FC2 + sigmoid), with the FC connections drawn as thin lines.
"""

from __future__ import annotations

import numpy as np
from manim import Mobject

from convanim.renderer import geometry as geo
from convanim.renderer.layout import Viewport
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
from convanim.renderer.motion import PhaseState, phase_state, region_between, slab_faces, staggered
from convanim.storyboard import palette
from convanim.storyboard.common import fmt_value
from convanim.storyboard.ops.squeeze import SEChartActor
from convanim.storyboard.timeline import Event

S_X = (0.0, 0.8)
H_X = (3.7, 4.5)
BAR_X0, BAR_LEN = 7.0, 2.4
TEXT = 0.6
WIDTH = 11.3
HEAD = 1.6


LEFT = np.array([-1.0, 0.0, 0.0])


def _point(xy: np.ndarray) -> np.ndarray:
    """A frame point (x, y) as manim's 3-D point."""
    return np.array([float(xy[0]), float(xy[1]), 0.0])


def _square(x: tuple[float, float], y: float) -> np.ndarray:
    """A cell of the chart: x span, centred on row y (chart units)."""
    half = (x[1] - x[0]) / 2
    return np.array([[x[0], y + half], [x[1], y + half], [x[1], y - half], [x[0], y - half]])


class SEChartDrawer(Drawer[SEChartActor]):
    """Draws :class:`SEChartActor` s."""

    layer = 1

    def __init__(self, stage: Stage) -> None:
        super().__init__(stage)
        self._events: dict[str, list[Event]] = {}
        for e in stage.timeline.events:
            if e.kind == "se":
                self._events.setdefault(e.target, []).append(e)

    def draw(self, actor: SEChartActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """The chart as far as the SE phases have got at time t."""
        ps = phase_state(self._events.get(actor.id, []), t)
        s = np.asarray(actor.squeezed)
        h = np.asarray(actor.hidden_values)
        w = np.asarray(actor.scale)
        in_block = self.blocks[actor.input]
        region = region_between(self.layout, in_block.slot, self.blocks[actor.output].slot, vp, 0.2)
        c = actor.channels
        k = min(region.width / WIDTH, region.height / (c + HEAD))
        k = round(k, 3)
        origin = np.array([region.center[0] - WIDTH * k / 2, region.center[1] + (c + HEAD) * k / 2])

        def to_frame(p: np.ndarray) -> np.ndarray:
            q = np.asarray(p, dtype=float)
            return origin + np.stack([q[..., 0], q[..., 1]], -1) * k

        rows = -(HEAD + np.arange(c) + 0.5)
        hrows = rows[0] - (np.arange(len(h)) - (len(h) - 1) / 2) - (c - 1) / 2
        mobs: list[Mobject] = []
        mobs.extend(self._headers(actor, to_frame, k, opacity, ps))
        mobs.extend(self._squeeze(actor, ps, s, rows, to_frame, k, vp, opacity))
        if ps.reached("fc1"):
            mobs.extend(self._fc1(actor, ps, h, rows, hrows, to_frame, k, opacity))
        if ps.reached("fc2"):
            mobs.extend(self._fc2(actor, ps, w, rows, hrows, to_frame, k, opacity))
        if ps.reached("scale") and ps.current == "scale":
            shown = int(np.ceil(c * min(ps.u * 1.5, 1.0)))
            row = rows[max(shown - 1, 0)]
            box = np.array(
                [[-0.2, row + 0.5], [WIDTH, row + 0.5], [WIDTH, row - 0.5], [-0.2, row - 0.5]]
            )
            mobs.append(highlight_mobject(to_frame(box), actor.hue, opacity))
        return mobs

    def _text(self, text: str, k: float, color: str, place: object) -> TextShape:
        return text_mobject(text, TEXT * k, color, font=MONO, usage=place)

    def _headers(
        self, actor: SEChartActor, to_frame, k: float, opacity: float, ps: PhaseState
    ) -> list[Mobject]:
        mobs: list[Mobject] = []
        mean, relu, sigmoid = actor.heads
        heads = [
            (mean, (S_X[0] + S_X[1]) / 2 + 0.8, "squeeze"),
            (relu, (H_X[0] + H_X[1]) / 2 + 0.7, "fc1"),
            (sigmoid, BAR_X0 + BAR_LEN / 2, "fc2"),
        ]
        for label, x, phase in heads:
            if not ps.reached(phase):
                continue
            mob = self._text(label, k, self.theme.muted_text, (actor.id, "head", label, k))
            mob.move_to(_point(to_frame(np.array([x, -HEAD / 2]))))
            set_opacity(mob, opacity)
            mobs.append(mob)
        return mobs

    def _squeeze(
        self,
        actor: SEChartActor,
        ps: PhaseState,
        s: np.ndarray,
        rows: np.ndarray,
        to_frame,
        k: float,
        vp: Viewport,
        opacity: float,
    ) -> list[Mobject]:
        """Channel slabs flying into the column of means, which then show their values."""
        c = actor.channels
        u = ps.progress("squeeze")
        if u <= 0:
            return []
        v = staggered(u, np.arange(c), c)
        block = self.blocks[actor.input]
        world = np.array(
            [slab_faces(geo.block_dims(block.shape), ch)[geo.FRONT] for ch in range(c)]
        )
        start = self._to_frame(block, world, vp)
        end = np.array([to_frame(_square(S_X, rows[ch])) for ch in range(c)])
        lo, hi = float(s.min()), float(s.max())
        rng = (lo, hi if hi > lo else lo + 1.0)
        levels = palette.value_level(s, rng)
        mobs: list[Mobject] = []
        for ch in np.argsort(-np.arange(c)):
            arrived = v[ch] >= 1.0
            quad = start[ch] * (1 - v[ch]) + end[ch] * v[ch]
            color = to_hex(palette.level_rgb(actor.hue, levels[ch])) if arrived else actor.hue
            mobs.append(
                polygons_mobject(
                    quad[None],
                    color,
                    opacity * (1.0 if arrived else 0.8),
                    stroke=self.theme.text,
                    stroke_width=0.8,
                    stroke_opacity=0.6 * opacity,
                )
            )
            if arrived:
                mob = self._text(
                    fmt_value(float(s[ch])), k, self.theme.text, (actor.id, "s", ch, k)
                )
                mob.move_to(
                    _point(to_frame(np.array([S_X[1] + 0.25, rows[ch]]))), aligned_edge=LEFT
                )
                set_opacity(mob, opacity)
                mobs.append(mob)
        return mobs

    def _links(
        self,
        source: tuple[float, np.ndarray],
        target: tuple[float, np.ndarray],
        to_frame,
        u: float,
        opacity: float,
    ) -> Mobject:
        """Lines from every source row to every target row of a fully connected layer.

        ``source`` and ``target`` are ``(x, rows)`` in chart coordinates; the lines fade in over
        the first half of the phase (``u`` its progress).
        """
        (x0, sources), (x1, targets) = source, target
        segs = np.array(
            [
                [to_frame(np.array([x0, a])), to_frame(np.array([x1, b]))]
                for a in sources
                for b in targets
            ]
        )
        return lines_mobject(segs, self.theme.muted_text, 0.8, 0.5 * opacity * min(u * 2, 1.0))

    def _fc1(
        self,
        actor: SEChartActor,
        ps: PhaseState,
        h: np.ndarray,
        rows: np.ndarray,
        hrows: np.ndarray,
        to_frame,
        k: float,
        opacity: float,
    ) -> list[Mobject]:
        """FC1 connections and the hidden column (after ReLU)."""
        u = ps.progress("fc1")
        mobs: list[Mobject] = [
            self._links((S_X[1] + 1.8, rows), (H_X[0], hrows), to_frame, u, opacity)
        ]
        if u >= 0.5:
            hi = float(h.max()) if h.max() > 0 else 1.0
            levels = palette.value_level(h, (0.0, hi))
            for j, hr in enumerate(hrows):
                color = to_hex(palette.level_rgb(palette.KERNEL_HUE, levels[j]))
                mobs.append(
                    polygons_mobject(
                        to_frame(_square(H_X, hr))[None],
                        color,
                        opacity,
                        stroke=self.theme.text,
                        stroke_width=0.8,
                        stroke_opacity=0.6 * opacity,
                    )
                )
                mob = self._text(fmt_value(float(h[j])), k, self.theme.text, (actor.id, "h", j, k))
                mob.move_to(_point(to_frame(np.array([H_X[1] + 0.25, hr]))), aligned_edge=LEFT)
                set_opacity(mob, opacity)
                mobs.append(mob)
        return mobs

    def _fc2(
        self,
        actor: SEChartActor,
        ps: PhaseState,
        w: np.ndarray,
        rows: np.ndarray,
        hrows: np.ndarray,
        to_frame,
        k: float,
        opacity: float,
    ) -> list[Mobject]:
        """FC2 connections and the bars of the sigmoid weights, growing to their values."""
        u = ps.progress("fc2")
        mobs: list[Mobject] = [
            self._links((H_X[1] + 1.8, hrows), (BAR_X0, rows), to_frame, u, opacity)
        ]
        grow = min(max((u - 0.3) / 0.7, 0.0), 1.0)
        frame_bg = np.array(
            [[BAR_X0, 0.35], [BAR_X0 + BAR_LEN, 0.35], [BAR_X0 + BAR_LEN, -0.35], [BAR_X0, -0.35]]
        )
        backs = np.array([to_frame(frame_bg + np.array([0.0, r])) for r in rows])
        mobs.append(polygons_mobject(backs, self.theme.ghost, 0.12 * opacity))
        if grow > 0:
            bars = []
            for r, val in zip(rows, w, strict=True):
                x1 = BAR_X0 + BAR_LEN * float(val) * grow
                bars.append(
                    to_frame(
                        np.array(
                            [[BAR_X0, r + 0.35], [x1, r + 0.35], [x1, r - 0.35], [BAR_X0, r - 0.35]]
                        )
                    )
                )
            mobs.append(polygons_mobject(np.array(bars), actor.hue, opacity))
        if grow >= 1.0:
            for ch, (r, val) in enumerate(zip(rows, w, strict=True)):
                mob = self._text(fmt_value(float(val)), k, self.theme.text, (actor.id, "w", ch, k))
                mob.move_to(
                    _point(to_frame(np.array([BAR_X0 + BAR_LEN + 0.2, r]))), aligned_edge=LEFT
                )
                set_opacity(mob, opacity)
                mobs.append(mob)
        return mobs
