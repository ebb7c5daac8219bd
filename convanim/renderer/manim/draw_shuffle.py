"""Drawing a channel shuffle: slabs fly from the input, through the matrix, into the output."""

from __future__ import annotations

import numpy as np
from manim import Mobject

from convanim.renderer import geometry as geo
from convanim.renderer.layout import Region, Viewport
from convanim.renderer.manim.mobjects import polygons_mobject, set_opacity, text_mobject
from convanim.renderer.manim.stage import Drawer, Stage, to_hex
from convanim.renderer.motion import (
    PhaseState,
    phase_state,
    region_between,
    scale_about,
    slab_faces,
    staggered,
)
from convanim.renderer.theme import gap_color, shade
from convanim.storyboard import palette
from convanim.storyboard.ops.shuffle import ShuffleActor
from convanim.storyboard.timeline import BlockActor, Event


class ShuffleDrawer(Drawer[ShuffleActor]):
    """Draws :class:`ShuffleActor` s: one slab (front, top, right faces) per channel."""

    layer = 1

    def __init__(self, stage: Stage) -> None:
        super().__init__(stage)
        self._events: dict[str, list[Event]] = {}
        for e in stage.timeline.events:
            if e.kind == "shuffle":
                self._events.setdefault(e.target, []).append(e)
        self._slabs: dict[str, np.ndarray] = {}

    def _scene_slabs(self, block: BlockActor, order: list[int]) -> np.ndarray:
        """Scene coordinates (len(order), 3, 4, 2) of the slabs of the given channels."""
        key = f"{block.id}:{order}"
        cached = self._slabs.get(key)
        if cached is None:
            world = np.array([slab_faces(geo.block_dims(block.shape), c) for c in order])
            pts = self.layout.scene_points(block, world.reshape(-1, 3))
            cached = pts.reshape(len(order), 3, 4, 2)
            self._slabs[key] = cached
        return cached

    def draw(self, actor: ShuffleActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """The slabs where the shuffle has them at time t, with channel numbers in the matrix."""
        ps = phase_state(self._events.get(actor.id, []), t)
        in_block, out_block = self.blocks[actor.input], self.blocks[actor.output]
        channels = len(actor.perm)
        dest = np.empty(channels, dtype=int)
        dest[np.asarray(actor.perm)] = np.arange(channels)
        src = vp.apply(self._scene_slabs(in_block, list(range(channels))))
        dst = vp.apply(self._scene_slabs(out_block, [int(d) for d in dest]))
        region = region_between(self.layout, in_block.slot, out_block.slot, vp, 0.25)
        grid1, grid2, factor = self._grids(actor, region, src)
        centers = src.reshape(channels, -1, 2).mean(axis=1)
        mini1 = np.array(
            [scale_about(src[c], centers[c], factor, grid1[c]) for c in range(channels)]
        )
        mini2 = np.array(
            [scale_about(src[c], centers[c], factor, grid2[c]) for c in range(channels)]
        )
        keys = (src, mini1, mini2, dst)
        polys, depth, labels = self._positions(ps, keys, dest, channels)
        mobs: list[Mobject] = []
        for c in np.argsort(-depth, kind="stable"):
            rgb = palette.hex_to_rgb(actor.hues[c])
            for face in (geo.FRONT, geo.TOP, geo.RIGHT):
                mobs.append(
                    polygons_mobject(
                        polys[c, face][None],
                        to_hex(shade(rgb, face)),
                        opacity,
                        stroke=to_hex(gap_color(rgb, face)),
                        stroke_width=1.0,
                        stroke_opacity=opacity,
                    )
                )
        if labels > 0.01:
            mobs.extend(self._labels(actor, polys, region, ps, labels * opacity))
        return mobs

    def _grids(
        self, actor: ShuffleActor, region: Region, src: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Cell centres of every channel in the (g, C/g) matrix and in its transpose."""
        channels, groups = len(actor.perm), actor.groups
        per = channels // groups
        side = max(per, groups)
        head = 0.45
        pitch = min(region.width / side, (region.height - head) / side)
        cx, cy = region.center[0], region.center[1] - head / 2

        def centre(row: int, col: int, rows: int, cols: int) -> np.ndarray:
            return np.array(
                [cx + (col - (cols - 1) / 2) * pitch, cy - (row - (rows - 1) / 2) * pitch]
            )

        grid1 = np.array([centre(c // per, c % per, groups, per) for c in range(channels)])
        grid2 = np.array([centre(c % per, c // per, per, groups) for c in range(channels)])
        extent = src[0].reshape(-1, 2)
        size = float(max(np.ptp(extent[:, 0]), np.ptp(extent[:, 1])))
        return grid1, grid2, 0.8 * pitch / max(size, 1e-6)

    def _positions(
        self,
        ps: PhaseState,
        keys: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        dest: np.ndarray,
        channels: int,
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Slab polygons, painter's depth and the channel-number opacity at this phase."""
        src, mini1, mini2, dst = keys
        own = np.arange(channels)
        if ps.current == "reshape" or (ps.current is None and not ps.done):
            v = staggered(ps.u if ps.current else 0.0, own, channels)
            a, b, depth_a, depth_b, labels = src, mini1, own, own, ps.u if ps.current else 0.0
        elif ps.current == "transpose" or (ps.current is None and "transpose" not in ps.done):
            v = staggered(ps.u if ps.current else 0.0, own, channels, spread=0.2)
            a, b, depth_a, depth_b, labels = mini1, mini2, own, own, 1.0
        elif ps.current == "flatten" or (ps.current is None and "flatten" not in ps.done):
            v = staggered(ps.u if ps.current else 0.0, dest, channels)
            a, b, depth_a, depth_b, labels = mini2, dst, own, dest, 1.0 - ps.u
        else:
            v = np.ones(channels)
            a, b, depth_a, depth_b, labels = dst, dst, dest, dest, 0.0
        w = v[:, None, None, None]
        polys = a * (1 - w) + b * w
        # A small arc keeps crossing slabs apart.
        polys = polys + (np.sin(np.pi * v) * 0.25)[:, None, None, None] * np.array([0.0, 1.0])
        depth = depth_a * (1 - v) + depth_b * v
        return polys, depth, float(labels)

    def _labels(
        self,
        actor: ShuffleActor,
        polys: np.ndarray,
        region: Region,
        ps: PhaseState,
        opacity: float,
    ) -> list[Mobject]:
        """Channel numbers on the slabs and the matrix shape above them."""
        channels, groups = len(actor.perm), actor.groups
        per = channels // groups
        mobs: list[Mobject] = []
        front = polys[:, geo.FRONT]
        size = float(np.ptp(front[0, :, 1]))
        height = float(np.clip(size * 0.45, 0.14, 0.26))
        for c in range(channels):
            mob = text_mobject(str(c), height, "#FFFFFF", usage=(actor.id, "ch", c, height))
            mob.move_to(np.array([*front[c].mean(axis=0), 0]))
            set_opacity(mob, opacity)
            mobs.append(mob)
        shape = (groups, per) if not ps.reached("transpose") else (per, groups)
        if ps.current == "transpose" and ps.u < 0.5:
            shape = (groups, per)
        head = text_mobject(
            f"({shape[0]}, {shape[1]})", 0.26, self.theme.muted_text, usage=(actor.id, "head")
        )
        head.move_to(np.array([region.center[0], region.y1 - 0.15, 0]))
        set_opacity(head, opacity)
        mobs.append(head)
        return mobs
