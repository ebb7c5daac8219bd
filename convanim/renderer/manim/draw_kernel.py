"""Drawing kernels: translucent taps sliding over the input, the lit window, beams."""

from __future__ import annotations

import numpy as np
from manim import Mobject

from convanim.renderer import geometry as geo
from convanim.renderer.layout import Viewport
from convanim.renderer.manim.draw_block import BlockDrawer
from convanim.renderer.manim.kernel_marks import group_channels, output_outline
from convanim.renderer.manim.mobjects import (
    lines_mobject,
    polygons_mobject,
    set_opacity,
    text_mobject,
)
from convanim.renderer.manim.stage import Drawer
from convanim.renderer.state import SweepState
from convanim.storyboard import palette
from convanim.storyboard.common import fmt_value
from convanim.storyboard.timeline import BlockActor, Coloring, KernelActor


def cell_rgb(coloring: Coloring, channel: int, value: float) -> np.ndarray:
    """The colour (float RGB) of a front cell of ``channel`` holding ``value``."""
    hue = coloring.hues[channel]
    if coloring.mode == "values" and coloring.value_range is not None:
        level = palette.value_level(np.array([value]), coloring.value_range)[0]
        return np.asarray(palette.level_rgb(hue, level), dtype=float)
    return palette.hex_to_rgb(hue)


class KernelDrawer(Drawer[KernelActor]):
    """Draws :class:`KernelActor` s during their sweeps."""

    layer = 1

    def draw(self, kernel: KernelActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """The kernel's taps, the lit window, beams and the output cell being computed."""
        sweep = self.state.sweep(kernel.id, t)
        if sweep is None:
            return []
        block = self.blocks[kernel.block]
        out_block = self.blocks[sweep.output]
        k0, k1, hue = group_channels(kernel, sweep.out_channel)
        kh, kw = kernel.kernel
        dh, dw = kernel.dilation
        sh, sw = kernel.stride
        pt, _, pl, _ = kernel.padding
        oy, ox = sweep.position
        row0, col0 = oy * sh - pt, ox * sw - pl
        taps = [(row0 + i * dh, col0 + j * dw) for i in range(kh) for j in range(kw)]
        faces = []
        for i in range(kh):
            for j in range(kw):
                r, col = taps[i * kw + j]
                box = geo.cell_box((r, r + 1), (col, col + 1), (k0, k1), inflate=0.03)
                faces.append(box[0])
                if i == 0:
                    faces.append(box[1])
                if j == kw - 1:
                    faces.append(box[2])
        world = np.array(faces)
        depth = self.projector.depth(
            world.mean(axis=1), geo.block_center(geo.block_dims(block.shape))
        )
        order = np.argsort(-depth)
        frame = self._to_frame(block, world[order], vp)
        mobs: list[Mobject] = [
            polygons_mobject(
                frame,
                hue,
                0.2 * opacity,
                stroke=hue,
                stroke_width=1.6,
                stroke_opacity=0.95 * opacity,
            )
        ]
        front_z = -float(k0)
        if sweep.arrived:
            window = np.array([geo.front_cell_quad(r, col, z=front_z + 0.02) for r, col in taps])
            mobs.append(
                polygons_mobject(
                    self._to_frame(block, window, vp),
                    hue,
                    palette.LIT_ALPHA * opacity,
                    stroke="#FFFFFF",
                    stroke_width=1.2,
                    stroke_opacity=0.8 * opacity,
                )
            )
            if k0 == 0 and self._blocks().numbers_shown(block, vp):
                mobs.extend(self._lit_numbers(block, taps, hue, t, vp, opacity))
        target = self._output_cell(out_block, sweep, vp)
        if sweep.arrived or sweep.detail:
            mobs.extend(self._beams(block, taps, front_z, target, hue, opacity, vp))
        mobs.append(output_outline(target[None], hue, arrived=sweep.arrived, opacity=opacity))
        return mobs

    def _blocks(self) -> BlockDrawer:
        """A block drawer on the same stage (it knows when cells carry numbers)."""
        drawer: BlockDrawer | None = getattr(self, "_block_drawer", None)
        if drawer is None:
            drawer = self._block_drawer = BlockDrawer(self.stage)
        return drawer

    def _lit_numbers(
        self,
        block: BlockActor,
        taps: list[tuple[float, float]],
        hue: str,
        t: float,
        vp: Viewport,
        opacity: float,
    ) -> list[Mobject]:
        """The window's numbers again, over the tint, in the ink that reads best on it."""
        values = self.arrays[block.id]
        _, h, w = block.shape
        coloring = self.state.coloring(block, t)
        a = self._to_frame(block, np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]), vp)
        cell = float(np.linalg.norm(a[1] - a[0]))
        out: list[Mobject] = []
        for r, col in taps:
            ri, ci = int(r), int(col)
            if not (0 <= ri < h and 0 <= ci < w):
                continue
            value = float(values[0, ri, ci])
            ink = palette.ink_on(palette.lit(cell_rgb(coloring, 0, value), hue))
            mob = text_mobject(
                fmt_value(value), cell * 0.3, ink, max_width=cell * 0.78, usage=("lit", ri, ci)
            )
            centre = self._to_frame(block, geo.front_cell_center(ri, ci)[None], vp)[0]
            mob.move_to(np.array([centre[0], centre[1], 0.0]))
            set_opacity(mob, opacity)
            out.append(mob)
        return out

    def _output_cell(self, out_block: BlockActor, sweep: SweepState, vp: Viewport) -> np.ndarray:
        r, col = sweep.cell
        z = -float(sweep.out_channel)
        quad = geo.front_cell_quad(r, col, gap=0.0, z=z)
        return self._to_frame(out_block, quad, vp)

    def _beams(
        self,
        block: BlockActor,
        taps: list[tuple[float, float]],
        front_z: float,
        target: np.ndarray,
        hue: str,
        opacity: float,
        vp: Viewport,
    ) -> list[Mobject]:
        """Four lines from the corners of the window to the corners of the output cell."""
        rows = [r for r, _ in taps]
        cols = [c for _, c in taps]
        r0, r1 = min(rows), max(rows) + 1
        c0, c1 = min(cols), max(cols) + 1
        corners = np.array(
            [[c0, -r0, front_z], [c1, -r0, front_z], [c1, -r1, front_z], [c0, -r1, front_z]]
        )
        src = self._to_frame(block, corners, vp)
        segments = np.stack([src, target], axis=1)
        return [lines_mobject(segments, hue, 1.6, 0.75 * opacity)]
