"""Drawing deformable-conv sampling: grid dots, offset arrows, bilinear neighbours, beams."""

from __future__ import annotations

import numpy as np
from manim import Mobject

from convanim.renderer import geometry as geo
from convanim.renderer.layout import Viewport
from convanim.renderer.manim.kernel_marks import output_outline
from convanim.renderer.manim.mobjects import lines_mobject, polygons_mobject
from convanim.renderer.manim.stage import Drawer
from convanim.renderer.state import smooth
from convanim.storyboard.ops.deform import PHASES, DeformActor

ARROW = "#D1495B"
"""Offsets and the sampled points (red), against the gold regular grid."""
Z = 0.03
"""Sampling marks float just in front of the input's front face."""


def _share(name: str) -> float:
    return dict(PHASES)[name]


class DeformDrawer(Drawer[DeformActor]):
    """Draws :class:`DeformActor` s during their ``deform`` beats and sweeps."""

    layer = 1

    def _trace_step(self, actor: DeformActor, oh: int, ow: int) -> dict[str, np.ndarray]:
        """Grid, points, corners, weights of one position, as the actor holds them."""
        h, w = self.blocks[actor.block].shape[1:]
        cs = actor.corners.array[oh, ow]
        inside = (cs[..., 0] >= 0) & (cs[..., 0] < h) & (cs[..., 1] >= 0) & (cs[..., 1] < w)
        return {
            "grid": actor.grid.array[oh, ow],
            "points": actor.points.array[oh, ow],
            "corners": cs,
            "weights": actor.weights.array[oh, ow],
            "inside": inside,
        }

    def draw(self, actor: DeformActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """The current beat (grid, offsets, neighbours) or the sweep's weighted sum."""
        beat = self.state.latest(actor.id, "deform", t)
        if beat is not None and t < beat.end:
            u = (t - beat.start) / beat.duration
            data = {k: np.asarray(v) for k, v in beat.data.items() if k != "out_channel"}
            return self._beat(actor, data, u, vp, opacity)
        sweep_event = self.state.latest(actor.id, "sweep", t)
        if sweep_event is None or t >= sweep_event.end:
            return []
        sweep = self.state.sweep(actor.id, t)
        if sweep is None:
            return []
        oh, ow = (int(v) for v in sweep.cell)
        step = self._trace_step(actor, oh, ow)
        mobs = self._marks(actor, step, 1.0, vp, opacity, grid=sweep.detail)
        if sweep.detail:
            mobs.extend(self._neighbours(actor, step, 1.0, vp, opacity))
        target = self._output_cell(actor, sweep.out_channel, oh, ow, vp)
        if sweep.arrived or sweep.detail:
            pts = self._world(step["points"])
            src = self._to_frame(self.blocks[actor.block], pts, vp)
            centre = target.mean(axis=0)
            segments = np.stack([src, np.repeat(centre[None], len(src), axis=0)], axis=1)
            mobs.append(lines_mobject(segments, ARROW, 1.3, 0.65 * opacity))
        mobs.append(output_outline(target[None], ARROW, arrived=sweep.arrived, opacity=opacity))
        return mobs

    def _beat(
        self, actor: DeformActor, data: dict[str, np.ndarray], u: float, vp: Viewport, op: float
    ) -> list[Mobject]:
        move = smooth((u - _share("offsets")) / 0.22)
        mobs = self._marks(actor, data, move, vp, op * min(1.0, u / 0.08), grid=True)
        if u >= _share("bilinear"):
            grow = smooth((u - _share("bilinear")) / 0.2)
            mobs.extend(self._neighbours(actor, data, grow, vp, op))
        return mobs

    def _world(self, yx: np.ndarray) -> np.ndarray:
        """Sampling coordinates (y, x) (pixel centres at integers) -> world points."""
        yx = np.asarray(yx, dtype=float).reshape(-1, 2)
        return np.stack([yx[:, 1] + 0.5, -(yx[:, 0] + 0.5), np.full(len(yx), Z)], axis=-1)

    def _dots(self, centres: np.ndarray, size: float) -> np.ndarray:
        """Small diamonds (P, 4, 3) around world points, in the front plane."""
        offs = np.array([[0, size, 0], [size, 0, 0], [0, -size, 0], [-size, 0, 0]], dtype=float)
        return centres[:, None, :] + offs[None]

    def _marks(
        self,
        actor: DeformActor,
        data: dict[str, np.ndarray],
        move: float,
        vp: Viewport,
        opacity: float,
        grid: bool,
    ) -> list[Mobject]:
        """Regular grid dots, offset arrows growing with ``move``, sampled points."""
        block = self.blocks[actor.block]
        base = self._world(data["grid"])
        pts = self._world(data["points"])
        now = base + (pts - base) * move
        mobs: list[Mobject] = []
        if grid:
            mobs.append(
                polygons_mobject(
                    self._to_frame(block, self._dots(base, 0.2), vp),
                    actor.hue,
                    0.9 * opacity,
                    stroke="#FFFFFF",
                    stroke_width=1.0,
                    stroke_opacity=0.8 * opacity,
                )
            )
        if move > 0:
            shafts = np.stack(
                [self._to_frame(block, base, vp), self._to_frame(block, now, vp)], axis=1
            )
            mobs.append(lines_mobject(shafts, ARROW, 2.2, 0.95 * opacity))
            mobs.append(
                polygons_mobject(
                    self._to_frame(block, self._dots(now, 0.16), vp),
                    ARROW,
                    opacity,
                    stroke="#FFFFFF",
                    stroke_width=0.8,
                    stroke_opacity=opacity,
                )
            )
        return mobs

    def _neighbours(
        self,
        actor: DeformActor,
        data: dict[str, np.ndarray],
        grow: float,
        vp: Viewport,
        opacity: float,
    ) -> list[Mobject]:
        """Each point's four neighbour cells, lit by their bilinear weight (outside: dashed)."""
        block = self.blocks[actor.block]
        corners = data["corners"].reshape(-1, 2)
        weights = data["weights"].reshape(-1)
        inside = data["inside"].reshape(-1).astype(bool)
        mobs: list[Mobject] = []
        levels = np.clip(np.round(weights * 4), 0, 4).astype(int)
        for level in range(1, 5):
            sel = np.nonzero(inside & (levels == level))[0]
            if not len(sel):
                continue
            quads = np.array(
                [geo.front_cell_quad(float(r), float(c), z=Z / 2) for r, c in corners[sel]]
            )
            mobs.append(
                polygons_mobject(
                    self._to_frame(block, quads, vp),
                    actor.hue,
                    (0.15 + 0.16 * level) * grow * opacity,
                    stroke=actor.hue,
                    stroke_width=1.2,
                    stroke_opacity=grow * opacity,
                )
            )
        pts = self._world(data["points"])
        links = []
        for k, (r, c) in enumerate(corners):
            centre = np.array([[c + 0.5, -r - 0.5, Z]])
            links.append((pts[k // 4], centre[0]))
        segs = np.array(links)
        frame = self._to_frame(block, segs.reshape(-1, 3), vp).reshape(-1, 2, 2)
        mobs.append(lines_mobject(frame, actor.hue, 0.9, 0.7 * grow * opacity))
        return mobs

    def _output_cell(
        self, actor: DeformActor, channel: int, oh: int, ow: int, vp: Viewport
    ) -> np.ndarray:
        out = self.blocks[actor.output]
        quad = geo.front_cell_quad(oh, ow, gap=0.0, z=-float(channel))
        return self._to_frame(out, quad, vp)
