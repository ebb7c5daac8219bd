"""Drawing the scatter view of a transposed convolution.

Per frame: the output cells reached so far show their running sum (coloured on the output's value
scale, with numbers when the cells are large enough), the current input element is outlined, and
its stamp (the kernel scaled by the element's value) flies from the element to its output region.
Taps the padding cuts off land outside the block as faint outlines.
"""

from __future__ import annotations

import numpy as np
from manim import Mobject

from convanim.renderer import geometry as geo
from convanim.renderer.layout import Viewport
from convanim.renderer.manim.mobjects import (
    lines_mobject,
    polygons_mobject,
    set_opacity,
    text_mobject,
)
from convanim.renderer.manim.stage import Drawer, Stage, to_hex
from convanim.renderer.state import smooth
from convanim.storyboard import palette
from convanim.storyboard.common import fmt_value
from convanim.storyboard.ops.transpose import ScatterActor
from convanim.storyboard.timeline import BlockActor, Event

FLY_SHARE = 0.6
"""Share of a stamp's time spent flying; it lands (and adds) after that."""


def _visit_index(first: int, count: int, visits: int, v: int) -> int:
    return first + int(round((v + 1) * count / visits)) - 1


class ScatterDrawer(Drawer[ScatterActor]):
    """Draws :class:`ScatterActor` s."""

    layer = 1

    def __init__(self, stage: Stage) -> None:
        super().__init__(stage)
        self._events: dict[str, list[Event]] = {}
        for e in stage.timeline.events:
            if e.kind == "stamp":
                self._events.setdefault(e.target, []).append(e)
        self._flat: dict[str, np.ndarray] = {}

    def stamps(self, actor: ScatterActor) -> np.ndarray:
        """Contribution of every input position to the output channel, (Hin*Win, kh, kw)."""
        return actor.stamps.array

    def flat_indices(self, actor: ScatterActor) -> np.ndarray:
        """All stamps as flat output indices ``row * Wo + col`` (Hin*Win, kh, kw); -1: cut off."""
        cached = self._flat.get(actor.id)
        if cached is None:
            ho, wo = actor.output_size
            r = actor.out_rows.array[:, None, :, None]
            c = actor.out_cols.array[None, :, None, :]
            inside = (r >= 0) & (r < ho) & (c >= 0) & (c < wo)
            cached = np.where(inside, r * wo + c, -1).reshape(-1, *self.stamps(actor).shape[1:])
            self._flat[actor.id] = cached
        return cached

    def partial(self, actor: ScatterActor, done: int) -> tuple[np.ndarray, np.ndarray]:
        """Running sum (Ho, Wo) of the first ``done`` stamps and how many reached each cell."""
        ho, wo = actor.output_size
        total = np.zeros(ho * wo)
        hits = np.zeros(ho * wo, dtype=int)
        flat = self.flat_indices(actor)[:done]
        vals = self.stamps(actor)[:done]
        inside = flat >= 0
        np.add.at(total, flat[inside], vals[inside])
        np.add.at(hits, flat[inside], 1)
        return total.reshape(ho, wo), hits.reshape(ho, wo)

    def _progress(self, actor: ScatterActor, t: float) -> tuple[int, int | None, float]:
        """(stamps landed, stamp in flight or None, its flight progress) at time t."""
        done, current, u = 0, None, 0.0
        for e in self._events.get(actor.id, []):
            first, count, visits = int(e.data["first"]), int(e.data["count"]), int(e.data["visits"])
            if t < e.start:
                break
            if t >= e.end:
                done = first + count
                continue
            slot = e.duration / visits
            v = min(int((t - e.start) // slot), visits - 1)
            # A stamp with a close-up departs and lands at given shares of its time.
            depart = float(e.data.get("depart", 0.0))
            land = float(e.data.get("land", FLY_SHARE))
            u = max(0.0, (t - e.start - v * slot - depart * slot) / (slot * (land - depart)))
            target = _visit_index(first, count, visits, v)
            if u >= 1.0:
                done = target + 1
            else:
                done = _visit_index(first, count, visits, v - 1) + 1 if v > 0 else first
                current = target
        return done, current, min(u, 1.0)

    def draw(self, actor: ScatterActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """Running sums, the current element and its flying stamp at time t."""
        in_block, out_block = self.blocks[actor.input], self.blocks[actor.output]
        coloring = self.state.coloring(out_block, t)
        hue = coloring.hues[actor.out_channel]
        rng = coloring.value_range or (-1.0, 1.0)
        done, current, u = self._progress(actor, t)
        total, hits = self.partial(actor, done)
        z = -float(actor.out_channel)
        mobs: list[Mobject] = []
        cells = np.argwhere(hits > 0)
        if len(cells):
            quads = np.array([geo.front_cell_quad(r, c, z=z + 0.01) for r, c in cells])
            frame = self._to_frame(out_block, quads, vp)
            levels = palette.value_level(total[hits > 0], rng)
            for level in np.unique(levels):
                sel = levels == level
                color = to_hex(palette.level_rgb(hue, int(level)))
                mobs.append(polygons_mobject(frame[sel], color, opacity))
            if self._big_cells(out_block, vp):
                for (r, c), quad in zip(cells, frame, strict=True):
                    text = fmt_value(float(total[r, c]))
                    mob = text_mobject(
                        text,
                        self._cell(out_block, vp) * 0.28,
                        "#FFFFFF",
                        usage=(actor.id, int(r), int(c)),
                    )
                    mob.move_to(np.array([*quad.mean(axis=0), 0.0]))
                    set_opacity(mob, opacity)
                    mobs.append(mob)
        if current is not None:
            mobs.extend(self._flight(actor, current, u, in_block, out_block, hue, rng, vp, opacity))
        held = self._held(actor, t)
        if held is not None:
            mobs.append(self._landed(actor, held, out_block, vp, opacity))
        return mobs

    def _held(self, actor: ScatterActor, t: float) -> int | None:
        """The stamp that has landed and is held while its close-up adds it up, if any."""
        for e in self._events.get(actor.id, []):
            if "land" in e.data and e.start + e.duration * float(e.data["land"]) <= t < e.end:
                return int(e.data["first"])
        return None

    def _landed(
        self, actor: ScatterActor, index: int, out_block: BlockActor, vp: Viewport, opacity: float
    ) -> Mobject:
        """A frame around the output cells a held stamp landed on (those the padding keeps)."""
        win = actor.out_cols.shape[0]
        i, j = divmod(index, win)
        ho, wo = actor.output_size
        rows = [int(r) for r in actor.out_rows.array[i] if 0 <= r < ho]
        cols = [int(c) for c in actor.out_cols.array[j] if 0 <= c < wo]
        z = -float(actor.out_channel) + 0.03
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        box = np.array([[c0, -r0, z], [c1, -r0, z], [c1, -r1, z], [c0, -r1, z]], dtype=float)
        frame = self._to_frame(out_block, box[None], vp)
        return polygons_mobject(
            frame, "#FFFFFF", 0.0, stroke=self.theme.text, stroke_width=3.0, stroke_opacity=opacity
        )

    def _cell(self, block: BlockActor, vp: Viewport) -> float:
        a = self._to_frame(block, np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]), vp)
        return float(np.linalg.norm(a[1] - a[0]))

    def _big_cells(self, block: BlockActor, vp: Viewport) -> bool:
        pixels = self._cell(block, vp) * self.fmt.width / self.fmt.frame_width
        return bool(block.values_on_cells is True and pixels >= 22) or pixels >= 34

    def _flight(self, actor, index, u, in_block, out_block, hue, rng, vp, opacity) -> list[Mobject]:
        """The element's outline and its stamp on the way to the output region."""
        win = actor.out_cols.shape[0]
        i, j = divmod(index, win)
        rows, cols = actor.out_rows.array[i], actor.out_cols.array[j]
        kh, kw = self.stamps(actor).shape[1:]
        src_cell = self._to_frame(in_block, geo.front_cell_quad(i, j, gap=0.0, z=0.02), vp)
        mobs: list[Mobject] = [
            polygons_mobject(
                src_cell[None], hue, 0.0, stroke="#FFFFFF", stroke_width=3.0, stroke_opacity=opacity
            )
        ]
        z = -float(actor.out_channel) + 0.02
        end = np.array([geo.front_cell_quad(float(r), float(c), z=z) for r in rows for c in cols])
        end = self._to_frame(out_block, end, vp)
        centre = src_cell.mean(axis=0)
        span = (src_cell.max(axis=0) - src_cell.min(axis=0)).max()
        ends_c = end.reshape(-1, 2).mean(axis=0)
        start = (end - ends_c) * (
            span / max(np.ptp(end.reshape(-1, 2), axis=0).max(), 1e-6)
        ) + centre
        k = smooth(u)
        quads = start * (1 - k) + end * k
        values = self.stamps(actor)[index].reshape(-1)
        inside = ((rows >= 0) & (rows < actor.output_size[0]))[:, None] & (
            (cols >= 0) & (cols < actor.output_size[1])
        )[None, :]
        inside = inside.reshape(-1)
        levels = palette.value_level(values, rng)
        for n in range(kh * kw):
            color = to_hex(palette.level_rgb(palette.KERNEL_HUE, int(levels[n])))
            mobs.append(
                polygons_mobject(
                    quads[n][None],
                    color,
                    opacity * (0.95 if inside[n] else 0.25),
                    stroke=hue,
                    stroke_width=1.2,
                    stroke_opacity=opacity,
                )
            )
        outline = end.reshape(-1, 2)
        box = np.array([outline.min(axis=0), outline.max(axis=0)])
        if k < 1.0:
            corners = np.array(
                [
                    [box[0][0], box[1][1]],
                    [box[1][0], box[1][1]],
                    [box[1][0], box[0][1]],
                    [box[0][0], box[0][1]],
                ]
            )
            segs = np.stack([np.repeat(centre[None], 4, axis=0), corners], axis=1)
            mobs.append(lines_mobject(segs, hue, 1.4, 0.6 * opacity * (1 - k)))
        return mobs
