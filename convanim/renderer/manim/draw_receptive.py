"""Drawing the receptive-field mode: the lit region of every tensor, with its size."""

from __future__ import annotations

import numpy as np
from manim import Mobject

from convanim.renderer import geometry as geo
from convanim.renderer.layout import Viewport
from convanim.renderer.manim.mobjects import polygons_mobject, set_opacity, text_mobject
from convanim.renderer.manim.stage import Drawer
from convanim.renderer.state import smooth
from convanim.storyboard.receptive import ReceptiveActor


class ReceptiveDrawer(Drawer[ReceptiveActor]):
    """Draws :class:`ReceptiveActor` s: one translucent box per lit region and channel range."""

    layer = 1

    def draw(self, actor: ReceptiveActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """Every region lit by time t, fading in over its ``light`` event."""
        mobs: list[Mobject] = []
        for e in self.state.events:
            if e.target != actor.id or e.kind != "light" or e.start > t:
                continue
            u = 1.0 if e.duration <= 0 else smooth((t - e.start) / (0.6 * e.duration))
            block = self.blocks[str(e.data["block"])]
            r0, r1 = (int(v) for v in e.data["rows"])
            c0, c1 = (int(v) for v in e.data["cols"])
            faces = [
                geo.cell_box((r0, r1), (c0, c1), (float(k0), float(k1)), inflate=0.06)
                for k0, k1 in e.data["channels"]
            ]
            world = np.concatenate(faces)
            frame = self._to_frame(block, world, vp)
            mobs.append(
                polygons_mobject(
                    frame,
                    actor.hue,
                    0.38 * u * opacity,
                    stroke=actor.hue,
                    stroke_width=2.0,
                    stroke_opacity=u * opacity,
                )
            )
            bottom = self._to_frame(block, np.array([[(c0 + c1) / 2, -r1, 0.0]]), vp)[0]
            label = text_mobject(
                str(e.data["label"]),
                0.24,
                self.theme.text,
                weight="BOLD",
                usage=(actor.id, str(e.data["block"])),
            )
            label.move_to(np.array([bottom[0], bottom[1] + 0.2, 0.0]))
            set_opacity(label, u * opacity)
            mobs.append(label)
        return mobs
