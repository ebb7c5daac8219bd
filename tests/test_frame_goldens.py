"""Rendered frames of a few scenes equal the approved control data (see frame_harness.py)."""

from __future__ import annotations

import pytest

from .conftest import SCENES
from .frame_harness import compare_with_golden, render_scene_frames

pytestmark = pytest.mark.render

CASES = {
    "standard_conv": (0.3, 0.55, 0.97),
    "grouped_conv": (0.35, 0.6),
    "strided_padded_conv": (0.35, 0.6),
    "dilated_conv": (0.35,),
    "depthwise_separable": (0.25, 0.75),
    "channel_shuffle": (0.45, 0.9),
    "transposed_conv": (0.4,),
    "squeeze_excitation": (0.55,),
    "deformable_conv": (0.2,),
    "conv3d": (0.4,),
    "big_tensor": (0.5,),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_frames_match_golden(name: str, update_goldens: bool) -> None:
    frames = render_scene_frames(SCENES / f"{name}.yaml", CASES[name])
    assert frames.shape[-1] == 4
    compare_with_golden(name, frames, update_goldens)
