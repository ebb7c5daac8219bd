"""Drawing a conv3d kernel: a 3-D box in every input volume it reads, beams, the output cube."""

from __future__ import annotations

import numpy as np
from manim import Mobject

from convanim.renderer import geometry as geo
from convanim.renderer.layout import Viewport
from convanim.renderer.manim.kernel_marks import group_channels, output_outline
from convanim.renderer.manim.mobjects import lines_mobject, polygons_mobject
from convanim.renderer.manim.stage import Drawer
from convanim.renderer.volumes import VolumeRow, volume_row
from convanim.storyboard.ops.volume import Kernel3DActor
from convanim.storyboard.timeline import BlockActor


def _row(block: BlockActor) -> VolumeRow:
    s = block.shape
    return volume_row((s[0], s[1], s[2], s[3]))


class Kernel3DDrawer(Drawer[Kernel3DActor]):
    """Draws :class:`Kernel3DActor` s during their sweeps."""

    layer = 1

    def draw(self, kernel: Kernel3DActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """The kernel's taps in each input volume of its group, beams and the output cube."""
        sweep = self.state.sweep(kernel.id, t)
        if sweep is None:
            return []
        block = self.blocks[kernel.block]
        out_block = self.blocks[sweep.output]
        k0, k1, hue = group_channels(kernel, sweep.out_channel)
        kd, kh, kw = kernel.kernel
        dd, dh, dw = kernel.dilation
        sd, sh, sw = kernel.stride
        pf, _, pt, _, pl, _ = kernel.padding
        od, oh, ow = sweep.position
        d0, r0, c0 = od * sd - pf, oh * sh - pt, ow * sw - pl
        faces = []
        for i in range(kd):
            for j in range(kh):
                for m in range(kw):
                    d, r, col = d0 + i * dd, r0 + j * dh, c0 + m * dw
                    box = geo.box_faces(col, col + 1, -r - 1, -r, -d - 1, -d)
                    if i == 0:
                        faces.append(box[0])
                    if j == 0:
                        faces.append(box[1])
                    if m == kw - 1:
                        faces.append(box[2])
        local = np.array(faces)
        order = np.argsort(-self.projector.depth(local.mean(axis=1), np.zeros(3)))
        local = local[order]
        row = _row(block)
        shown = [c for c in row.shown() if k0 <= c < k1]
        fill = 0.42 if sweep.arrived else 0.18
        mobs: list[Mobject] = []
        windows = []
        for c in shown:
            world = row.place(int(c), local.reshape(-1, 3)).reshape(local.shape)
            frame = self._to_frame(block, world, vp)
            windows.append(frame)
            mobs.append(
                polygons_mobject(
                    frame,
                    hue,
                    fill * opacity,
                    stroke=hue,
                    stroke_width=1.4,
                    stroke_opacity=0.95 * opacity,
                )
            )
        target = self._output_cube(out_block, sweep.out_channel, sweep.cell, vp)
        if (sweep.arrived or sweep.detail) and shown:
            front = geo.box_faces(
                c0, c0 + (kw - 1) * dw + 1, -r0 - (kh - 1) * dh - 1, -r0, -d0 - 1, -d0
            )[0]
            src = [self._to_frame(block, row.place(int(c), front), vp) for c in shown]
            dst = target[0]
            segments = np.concatenate([np.stack([s, dst], axis=1) for s in src])
            mobs.append(lines_mobject(segments, hue, 1.4, 0.7 * opacity))
        mobs.append(output_outline(target, hue, arrived=sweep.arrived, opacity=opacity))
        return mobs

    def _output_cube(
        self, out_block: BlockActor, channel: int, cell: tuple[int, ...], vp: Viewport
    ) -> np.ndarray:
        """Frame quads (3, 4, 2) of the visible faces of output cube ``cell`` of ``channel``."""
        d, r, col = cell
        box = geo.box_faces(col, col + 1, -r - 1, -r, -d - 1, -d)
        row = _row(out_block)
        world = row.place(channel, box.reshape(-1, 3)).reshape(box.shape)
        return self._to_frame(out_block, world, vp)
