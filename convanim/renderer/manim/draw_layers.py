"""Drawing a flatten (cubes flying into a row) and a fully connected layer (weight lines)."""

from __future__ import annotations

import math

import numpy as np
from manim import Mobject

from convanim.renderer import geometry as geo
from convanim.renderer.layout import Viewport
from convanim.renderer.lod import block_lod
from convanim.renderer.manim.mobjects import lines_mobject, polygons_mobject
from convanim.renderer.manim.stage import Drawer, Stage, to_hex
from convanim.renderer.motion import staggered
from convanim.renderer.theme import shade
from convanim.storyboard import palette
from convanim.storyboard.ops.layers import DenseActor, FlattenActor
from convanim.storyboard.timeline import BlockActor, Event

MAX_FLYING = 1200
"""Most cubes a flatten flies (a larger tensor flies an evenly spaced sample of its elements)."""
LINE_LEVELS = 3
"""Strengths a weight line is drawn at (by |w| relative to the largest weight of its output)."""


class FlattenDrawer(Drawer[FlattenActor]):
    """Draws :class:`FlattenActor` s: one flat cube per element, from its cell to its slot."""

    layer = 1

    def __init__(self, stage: Stage) -> None:
        super().__init__(stage)
        self._events: dict[str, Event] = {
            e.target: e for e in stage.timeline.events if e.kind == "flatten"
        }
        self._paths: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _elements(self, block: BlockActor) -> np.ndarray:
        """The flat (C,H,W-order) indices of the elements that fly."""
        count = math.prod(block.shape)
        step = max(1, -(-count // MAX_FLYING))
        return np.arange(0, count, step)

    def _scene_paths(self, actor: FlattenActor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(elements, start quads, end quads) in scene coordinates, cached."""
        cached = self._paths.get(actor.id)
        if cached is None:
            src_block, dst_block = self.blocks[actor.input], self.blocks[actor.output]
            index = self._elements(src_block)
            c, r, col = np.unravel_index(index, geo.block_dims(src_block.shape))
            dst_spatial = geo.block_dims(dst_block.shape)[1:]
            dr, dc = np.unravel_index(index, dst_spatial)
            src = np.array(
                [geo.front_cell_quad(a, b, z=-float(k)) for k, a, b in zip(c, r, col, strict=True)]
            )
            dst = np.array([geo.front_cell_quad(a, b) for a, b in zip(dr, dc, strict=True)])
            src_scene = self.layout.scene_points(src_block, src.reshape(-1, 3)).reshape(-1, 4, 2)
            dst_scene = self.layout.scene_points(dst_block, dst.reshape(-1, 3)).reshape(-1, 4, 2)
            cached = (index, src_scene, dst_scene)
            self._paths[actor.id] = cached
        return cached

    def draw(self, actor: FlattenActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """The cubes where the flight has them at time t (nothing before it starts)."""
        e = self._events.get(actor.id)
        src_block = self.blocks[actor.input]
        if e is None or t < e.start or len(src_block.shape) != 3:
            return []
        u = 1.0 if e.duration <= 0 else min((t - e.start) / e.duration, 1.0)
        index, src, dst = self._scene_paths(actor)
        v = staggered(u, np.arange(len(index)), len(index), spread=0.6)
        w = v[:, None, None]
        quads = src * (1 - w) + dst * w
        quads = quads + (np.sin(np.pi * v) * 1.2)[:, None, None] * np.array([0.0, 1.0])
        frame = vp.apply(quads.reshape(-1, 2)).reshape(-1, 4, 2)
        values = self.arrays[actor.input].reshape(-1)[index]
        levels = palette.value_level(values, actor.value_range)
        mobs: list[Mobject] = []
        for level in np.unique(levels):
            sel = levels == level
            rgb = shade(palette.level_rgb(actor.hue, int(level)), geo.FRONT)
            mobs.append(polygons_mobject(frame[sel], to_hex(rgb), opacity))
        return mobs


class DenseDrawer(Drawer[DenseActor]):
    """Draws :class:`DenseActor` s: the weight lines into the output being computed."""

    layer = 1

    def _input_points(self, block: BlockActor) -> tuple[np.ndarray, np.ndarray]:
        """Scene points of the drawn input cells (tiles of a long vector) and each element's
        drawn cell."""
        _, h, w = geo.block_dims(block.shape)
        lod = block_lod(block.shape)
        rows = np.arange(h) // lod.rows.tile
        cols = np.arange(w) // lod.cols.tile
        tiles_w = int(cols.max()) + 1
        cell = (rows[:, None] * tiles_w + cols[None, :]).reshape(-1)
        centres = []
        for k in range(int(cell.max()) + 1):
            members = np.nonzero(cell == k)[0]
            r, c = np.unravel_index(members, (h, w))
            centres.append([c.mean() + 0.5, -r.mean() - 0.5, 0.0])
        return self.layout.scene_points(block, np.array(centres)), cell

    def draw(self, actor: DenseActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """Lines from every input cell to the output cell the sweep stands on, by weight sign."""
        state = self.state.sweep(actor.id, t)
        if state is None:
            return []
        in_block, out_block = self.blocks[actor.input], self.blocks[actor.output]
        points, cell = self._input_points(in_block)
        _, oh, ow = geo.block_dims(out_block.shape)
        j = int(np.ravel_multi_index(state.cell, (oh, ow)))
        weights = actor.weight.array[j]
        tile_w = np.bincount(cell, weights=weights) / np.bincount(cell)
        row, col = state.position
        target = self.layout.scene_points(out_block, np.array([[col + 0.5, -row - 0.5, 0.0]]))
        src = vp.apply(points)
        dst = np.repeat(vp.apply(target), len(src), axis=0)
        segments = np.stack([src, dst], axis=1)
        strength = np.abs(tile_w) / max(float(np.abs(tile_w).max()), 1e-12)
        level = np.minimum((strength * LINE_LEVELS).astype(int), LINE_LEVELS - 1)
        mobs: list[Mobject] = []
        for sign, hue in ((1, actor.positive), (-1, actor.negative)):
            for lv in range(LINE_LEVELS):
                sel = (np.sign(tile_w) == sign) & (level == lv)
                if sel.any():
                    alpha = (0.25 + 0.3 * lv) * opacity
                    mobs.append(lines_mobject(segments[sel], hue, 0.8 + 0.9 * lv, alpha))
        return mobs
