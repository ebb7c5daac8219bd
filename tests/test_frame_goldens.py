"""Rendered frames of every scene equal the approved control data (see frame_harness.py)."""

from __future__ import annotations

import pytest

from .conftest import SCENES
from .frame_harness import FRAMES_DIR, SUFFIX, compare_with_golden, render_scene_frames

pytestmark = pytest.mark.render

CASES = {
    # Fractions of the scene's duration: a fully played step (kernel, beams, the caption with
    # its value), a later moment of the sweep, the end; for chains one moment per op worth it.
    "big_imagenet": (0.3,),
    "big_tensor": (0.5,),
    "channel_shuffle": (0.45, 0.9),
    "conv1d": (0.25, 0.75),
    "conv3d": (0.4,),
    "conv_bn_relu": (0.7, 0.99),
    "deformable_conv": (0.2,),
    "depthwise_conv": (0.15,),
    "depthwise_separable": (0.25, 0.75),
    "dilated_conv": (0.35,),
    "edge_detection": (0.4, 0.99),
    "flattened_conv": (0.45, 0.75),
    "grouped_conv": (0.35, 0.6),
    "lenet_digit": (0.21, 0.5, 0.93, 0.99),  # conv1 maps, conv2 maps, the sum, the scores
    "pointwise_conv": (0.3,),
    "pointwise_group_conv": (0.15,),
    "pooling": (0.25, 0.7),
    "matrix_conv": (0.3, 0.8),
    "matrix_im2col": (0.2, 0.65),
    "matrix_transpose_stride2": (0.56,),
    "receptive_field": (0.6, 0.97),
    "rgb_conv": (0.3,),
    "same_padding": (0.3,),
    "shufflenet_unit": (0.45, 0.75),
    "spatially_separable": (0.15, 0.75),
    "spatially_separable_full": (0.45,),
    "squeeze_excitation": (0.55,),
    "standard_conv": (0.3, 0.55, 0.97),
    "strided_padded_conv": (0.35, 0.6),
    "transposed_conv": (0.48,),  # the stamp's close-up: so far + stamp = now, one sum
    "transposed_conv_stride2": (0.45,),
}


def test_every_scene_has_a_frame_golden() -> None:
    scenes = sorted(p.stem for p in SCENES.glob("*.yaml"))
    assert sorted(CASES) == scenes, "add the new scene to CASES and run pytest --update-goldens"
    stored = sorted(p.name[: -len(SUFFIX)] for p in FRAMES_DIR.glob(f"*{SUFFIX}"))
    assert stored == scenes, "goldens without a scene: delete them"


@pytest.mark.parametrize("name", sorted(CASES))
def test_frames_match_golden(name: str, update_goldens: bool) -> None:
    frames = render_scene_frames(SCENES / f"{name}.yaml", CASES[name])
    assert frames.shape[-1] == 4
    compare_with_golden(name, frames, update_goldens)
