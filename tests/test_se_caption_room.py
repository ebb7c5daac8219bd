"""The squeeze-excitation scene at 480p: every step equation on the caption line keeps a clear
gap above the bottom panel (its one-line hidden-size formula and the shape table), in ink, not
only in bounding boxes (which touch the panel's by design, 0.09 frame units apart)."""

from __future__ import annotations

import numpy as np
import pytest
from manim import Mobject

from convanim.engine import plan
from convanim.renderer.manim.frames import FrameFormat, FrameRenderer
from convanim.spec import load
from convanim.storyboard import build
from convanim.storyboard.timeline import OverlayActor

from .conftest import SCENES

pytestmark = pytest.mark.render

MIN_GAP = 10.0
"""Pixels at 854×480 between the lowest ink of a caption and the highest ink of the panel under
it (column by column); a row of formula text right under the caption left 5.4."""


def _ink(mobs: list[Mobject], fmt: FrameFormat) -> np.ndarray:
    """The outline points of mobjects (glyph outlines hug their ink) in pixels, y up."""
    points = np.concatenate([m.get_all_points()[:, :2] for m in mobs if len(m.get_all_points())])
    return points * (fmt.width / fmt.frame_width)


def test_every_se_caption_keeps_room_above_the_panel() -> None:
    timeline = build(plan(load(SCENES / "squeeze_excitation.yaml")))
    fmt = FrameFormat(854, 480, 15)
    renderer = FrameRenderer(timeline, fmt)
    overlays = {a.id: a for a in timeline.actors if isinstance(a, OverlayActor)}
    captions = [e for e in timeline.events if e.kind == "caption" and e.data.get("tex")]
    assert len(captions) == 4
    drawer = renderer.drawers["overlay"]
    viewport = renderer.layout.frame((0, 1))  # overlays are fixed in the frame: any view
    for e in captions:
        t = e.start + 0.01
        caption = _ink(drawer.draw(overlays["caption"], t, viewport, 1.0), fmt)
        panel = np.concatenate(
            [_ink(drawer.draw(overlays[i], t, viewport, 1.0), fmt) for i in ("formula0", "table0")]
        )
        gaps = []
        for x in np.arange(caption[:, 0].min(), caption[:, 0].max(), 2.0):  # 2-px columns
            above = caption[(caption[:, 0] >= x) & (caption[:, 0] < x + 2)]
            below = panel[(panel[:, 0] >= x) & (panel[:, 0] < x + 2)]
            if len(above) and len(below):
                gaps.append(above[:, 1].min() - below[:, 1].max())
        assert gaps, "the caption is over the panel: something to measure"
        assert min(gaps) >= MIN_GAP, f"{e.data['text']!r}: {min(gaps):.1f} px above the panel"
