"""deform_conv2d, conv3d, big-tensor level of detail and the receptive-field mode."""

from __future__ import annotations

import numpy as np
import pytest

from convanim.engine import plan
from convanim.renderer.lod import MAX_SIDE, block_lod, lod_shell, tile_any, tile_means
from convanim.renderer.volumes import volume_row
from convanim.spec import load, loads
from convanim.storyboard import build
from convanim.storyboard.receptive import receptive_regions

from .conftest import SCENES


def _events(timeline, kind: str, target: str | None = None) -> list:  # type: ignore[no-untyped-def]
    return [e for e in timeline.events if e.kind == kind and (target is None or e.target == target)]


# -- deform_conv2d ------------------------------------------------------------------------------
def test_deform_events_carry_the_engines_sampling_points() -> None:
    p = plan(load(SCENES / "deformable_conv.yaml"))
    trace = p.ops[0].trace
    corners, weights = trace.corners()  # type: ignore[union-attr]
    beats = _events(build(p), "deform")
    assert len(beats) == 2
    for beat in beats:
        oh, ow = beat.data["cell"]
        np.testing.assert_allclose(beat.data["grid"], trace.base[oh, ow], atol=1e-4)  # type: ignore[union-attr]
        np.testing.assert_allclose(beat.data["points"], trace.points[0, 0, oh, ow], atol=1e-4)  # type: ignore[union-attr]
        np.testing.assert_array_equal(beat.data["corners"], corners[0, 0, oh, ow])
        np.testing.assert_allclose(beat.data["weights"], weights[0, 0, oh, ow], atol=1e-4)
        # the offsets really move the points off the regular grid
        assert not np.allclose(beat.data["points"], beat.data["grid"])


def test_deform_points_reproduce_the_output_value() -> None:
    """Bilinear sampling at the event's points, weighted by the kernel, gives the output cell."""
    p = plan(load(SCENES / "deformable_conv.yaml"))
    op = p.ops[0]
    beat = _events(build(p), "deform")[0]
    oh, ow = beat.data["cell"]
    x = op.input[0]
    c, h, w = x.shape
    total = 0.0
    kw = op.weight.shape[-1]  # type: ignore[union-attr]
    for k, (tap, wts, inside) in enumerate(
        zip(beat.data["corners"], beat.data["weights"], beat.data["inside"], strict=True)
    ):
        sample = sum(
            wt * x[:, y, xx] for (y, xx), wt, ok in zip(tap, wts, inside, strict=True) if ok
        )
        total += float(np.sum(op.weight[0, :, k // kw, k % kw] * sample))  # type: ignore[index]
    total += float(op.bias[0])  # type: ignore[index]
    assert total == pytest.approx(float(op.output[0, 0, oh, ow]), abs=1e-3)


# -- conv3d -------------------------------------------------------------------------------------
def test_conv3d_sweeps_every_output_position_in_depth_rows_and_columns() -> None:
    p = plan(load(SCENES / "conv3d.yaml"))
    timeline = build(p)
    block = timeline.actor("t0")
    assert block.shape == (2, 4, 6, 6)  # type: ignore[union-attr]
    kernel = timeline.actor("k0")
    assert kernel.kind == "kernel3d" and kernel.kernel == (3, 3, 3)  # type: ignore[union-attr]
    sweeps = _events(timeline, "sweep", "k0")
    _, d, h, w = p.ops[0].output.shape[1:]
    assert sum(e.data["count"] for e in sweeps) == d * h * w
    assert len(p.ops[0].output.shape) == 5


def test_volume_row_places_volumes_left_to_right() -> None:
    row = volume_row((3, 4, 6, 6))
    assert row.offset(1) > row.offset(0) + 6
    big = volume_row((20, 4, 6, 6))
    assert big.elided and list(big.shown()) == [0, 1, 2, 3, 19]
    assert big.display_shape[2] < volume_row((6, 4, 6, 6)).display_shape[2] * 1.2


# -- level of detail ----------------------------------------------------------------------------
def test_small_blocks_keep_one_cube_per_element() -> None:
    lod = block_lod((8, 7, 7))
    assert lod.detailed
    pts = np.random.default_rng(0).normal(size=(5, 3))
    assert lod.to_display(pts) is pts


@pytest.mark.parametrize("shape", [(6, 64, 64), (64, 224, 224), (256, 224, 224)])
def test_lod_bounds_the_number_of_drawn_polygons(shape: tuple[int, int, int]) -> None:
    lod = block_lod(shape)
    assert not lod.detailed
    shell = lod_shell(lod, 0.16)
    c, h, w = shape
    assert len(shell.corners) <= MAX_SIDE * MAX_SIDE + 2 * 12 * MAX_SIDE
    assert len(shell.corners) < (h * w + c * (h + w)) / 3
    depth, height, width = lod.display_shape
    assert height <= MAX_SIDE and width <= MAX_SIDE and depth <= 13
    # the display map is monotone and covers the block
    edges = lod.to_display(np.array([[0.0, 0.0, 0.0], [float(w), -float(h), -float(c)]]))
    np.testing.assert_allclose(edges[1], [width, -height, -depth])


def test_tiles_average_values_and_reveal_when_any_element_is() -> None:
    lod = block_lod((2, 64, 64))
    values = np.arange(2 * 64 * 64, dtype=float).reshape(2, 64, 64)
    means = tile_means(values, lod)
    assert means.shape == (2, 32, 32)
    assert means[0, 0, 0] == pytest.approx(values[0, :2, :2].mean())
    mask = np.zeros((2, 64, 64), dtype=bool)
    mask[1, 5, 9] = True
    grid = tile_any(mask, lod)
    assert grid.sum() == 1 and grid[1, 2, 4]


def test_big_scene_labels_keep_true_sizes() -> None:
    timeline = build(plan(load(SCENES / "big_imagenet.yaml")))
    assert timeline.actor("t0").label == "64×224×224"  # type: ignore[union-attr]
    assert timeline.actor("t1").label == "256×224×224"  # type: ignore[union-attr]
    sweep = _events(timeline, "sweep")[-1]
    assert sweep.data["visits"] < sweep.data["count"] / 100  # steps are sampled


# -- receptive field ----------------------------------------------------------------------------
def test_receptive_regions_match_the_plans_field() -> None:
    p = plan(load(SCENES / "receptive_field.yaml"))
    regions = receptive_regions(p.ops)
    for k, op in enumerate(p.ops):
        size = op.receptive_field.size
        region = receptive_regions(p.ops[: k + 1])[0]
        assert (region.rows[1] - region.rows[0], region.cols[1] - region.cols[0]) == tuple(
            int(v) for v in size
        )
    timeline = build(p)
    lights = _events(timeline, "light")
    assert [e.data["block"] for e in lights] == ["t3", "t2", "t1", "t0"]
    assert (
        lights[-1].data["label"]
        == "9×9"
        == "×".join(str(int(v)) for v in p.ops[-1].receptive_field.size)
    )
    assert regions[-1].rows[1] - regions[-1].rows[0] == 1


def test_receptive_region_follows_groups_and_shuffles() -> None:
    spec = loads(
        "input: {shape: [4, 9, 9]}\n"
        "ops:\n"
        "  - {type: conv2d, out_channels: 4, kernel_size: 3, groups: 4}\n"
        "  - {type: channel_shuffle, groups: 2}\n"
        "animation: {receptive_field: true}\n"
    )
    p = plan(spec)
    regions = receptive_regions(p.ops)
    perm = p.ops[1].trace.perm  # type: ignore[union-attr]
    assert regions[1].channels == (int(perm[0]),)
    assert regions[0].channels == (int(perm[0]),)  # depthwise: one input channel
    assert regions[0].rows == (3, 6)


def test_receptive_mode_is_off_by_default() -> None:
    timeline = build(plan(load(SCENES / "standard_conv.yaml")))
    assert not _events(timeline, "light")


# -- frames ---------------------------------------------------------------------------------------
@pytest.mark.render
@pytest.mark.parametrize(
    "scene", ["deformable_conv", "conv3d", "big_tensor", "big_imagenet", "receptive_field"]
)
def test_frames_are_drawn_and_move(scene: str) -> None:
    from convanim.renderer.manim.frames import FrameFormat, FrameRenderer

    timeline = build(plan(load(SCENES / f"{scene}.yaml")))
    renderer = FrameRenderer(timeline, FrameFormat(320, 180, 15))
    frames = [renderer.frame_at(timeline.duration * f) for f in (0.3, 0.55, 0.97)]
    for frame in frames:
        assert frame.shape == (180, 320, 4)
        assert frame[..., :3].std() > 10  # not blank
    assert np.abs(frames[0].astype(int) - frames[1].astype(int)).mean() > 0.2
    assert np.abs(frames[1].astype(int) - frames[2].astype(int)).mean() > 0.2
