"""Drawing the zeros inserted between a transposed conv's inputs (the direct view).

Every visible cube face of an inserted zero is covered by an empty, outlined slot with a ``0``
(when the faces are large enough to read it), so the real inputs stand out on the stride grid.
"""

from __future__ import annotations

import numpy as np
from manim import Mobject

from convanim.renderer import geometry as geo
from convanim.renderer.layout import Viewport
from convanim.renderer.manim.mobjects import polygons_mobject, set_opacity, text_mobject
from convanim.renderer.manim.stage import Drawer
from convanim.storyboard.ops.transpose import HolesActor


class HolesDrawer(Drawer[HolesActor]):
    """Draws :class:`HolesActor` s on top of their block."""

    layer = 0

    def draw(self, actor: HolesActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """Empty slots over the inserted zeros, with a ``0`` on the front ones."""
        block = self.blocks[actor.block]
        opacity *= self.state.opacity(block.id, t)
        if opacity <= 0.001:
            return []
        shell = geo.block_shell(geo.block_dims(block.shape))
        sh, sw = actor.stride
        rows, cols = shell.cells[:, 1], shell.cells[:, 2]
        hole = (rows % sh != 0) | (cols % sw != 0)
        if not hole.any():
            return []
        frame = self._to_frame(block, shell.corners[hole], vp)
        mobs: list[Mobject] = [
            polygons_mobject(
                frame,
                self.theme.background,
                opacity,
                stroke=self.theme.ghost,
                stroke_width=0.9,
                stroke_opacity=0.8 * opacity,
            )
        ]
        a = self._to_frame(block, np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]), vp)
        cell = float(np.linalg.norm(a[1] - a[0]))
        if cell * self.fmt.width / self.fmt.frame_width >= 20:
            front = np.nonzero(hole & (shell.face == geo.FRONT))[0]
            for q in front:
                r, c = int(rows[q]), int(cols[q])
                mob = text_mobject("0", cell * 0.32, self.theme.ghost, usage=(actor.id, r, c))
                centre = self._to_frame(block, geo.front_cell_center(r, c)[None], vp)[0]
                mob.move_to(np.array([centre[0], centre[1], 0.0]))
                set_opacity(mob, opacity)
                mobs.append(mob)
        return mobs
