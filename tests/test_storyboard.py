"""The storyboard tells the real computation: sweeps cover every position, captions carry values."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from convanim.engine import plan
from convanim.spec import loads
from convanim.storyboard import build
from convanim.storyboard.common import fmt_value
from convanim.storyboard.pacing import Pacing

from .conftest import SCENES

STANDARD = """
title: t
input: {shape: [4, 6, 6]}
ops:
  - {type: conv2d, out_channels: 3, kernel_size: 3}
"""


def _timeline(text: str):  # type: ignore[no-untyped-def]
    the_plan = plan(loads(text))
    return the_plan, build(the_plan)


def test_first_channel_sweep_covers_every_output_position_once() -> None:
    the_plan, tl = _timeline(STANDARD)
    sweeps = [e for e in tl.events if e.kind == "sweep" and e.data["out_channel"] == 0]
    covered = []
    for e in sweeps:
        covered.extend(range(e.data["first"], e.data["first"] + e.data["count"]))
    assert covered == list(range(4 * 4))
    assert [e.data["detail"] for e in sweeps[:3]] == [True, True, True]
    fills = [e for e in tl.events if e.kind == "fill"]
    assert fills and fills[0].data["channels"] == [1, 2]


def test_step_captions_show_the_engine_values() -> None:
    the_plan, tl = _timeline(STANDARD)
    captions = [e.data["text"] for e in tl.events if e.kind == "caption" and e.data["text"]]
    out = the_plan.ops[0].output
    assert captions[0].endswith(fmt_value(float(out[0, 0, 0, 0])))
    assert captions[1].startswith("out[0,0,1]")
    assert captions[1].endswith(fmt_value(float(out[0, 0, 0, 1])))


def test_full_positions_and_all_channels() -> None:
    _, tl = _timeline(STANDARD + "animation: {full_positions: 0, channels: all}\n")
    sweeps = [e for e in tl.events if e.kind == "sweep"]
    assert not any(e.data["detail"] for e in sweeps)
    assert sorted({e.data["out_channel"] for e in sweeps}) == [0, 1, 2]
    assert not [e for e in tl.events if e.kind == "fill"]


def test_op_duration_rescales_an_op() -> None:
    _, tl = _timeline(STANDARD + "animation: {op_duration: 6}\n")
    show_input = next(e for e in tl.events if e.kind == "show" and e.target == "t0")
    assert tl.duration == pytest.approx(show_input.end + 6.0, abs=1e-3)


def test_groups_get_their_own_hues_and_kernel_depth() -> None:
    _, tl = _timeline(
        "input: {shape: [4, 5, 5]}\n"
        "ops:\n  - {type: conv2d, out_channels: 4, kernel_size: 3, groups: 2}\n"
    )
    data = json.loads(tl.to_json())
    kernel = next(a for a in data["actors"] if a["kind"] == "kernel")
    assert kernel["channel_ranges"] == [[0, 2], [2, 4]]
    assert len(set(kernel["group_hues"])) == 2
    inp = next(a for a in data["actors"] if a["id"] == "t0")
    hues = inp["coloring"]["hues"]
    assert hues[0] != hues[2]  # channels of different groups differ
    swept = {e["data"]["out_channel"] for e in data["events"] if e["kind"] == "sweep"}
    assert swept == {0, 2}  # the first kernel of each group


def test_padding_ring_matches_the_trace() -> None:
    the_plan, tl = _timeline(
        "input: {shape: [1, 6, 6]}\n"
        "ops:\n  - {type: conv2d, out_channels: 1, kernel_size: 4, padding: same}\n"
    )
    inp = tl.actor("t0")
    assert inp.padding == (1, 2, 1, 2)
    assert tuple(the_plan.ops[0].trace.padding) == (1, 2, 1, 2)


@pytest.mark.parametrize("name", ["standard_conv", "depthwise_separable", "spatially_separable"])
def test_timeline_is_json_and_deterministic(name: str) -> None:
    spec_text = (SCENES / f"{name}.yaml").read_text()
    a = build(plan(loads(spec_text))).to_json()
    b = build(plan(loads(spec_text))).to_json()
    assert a == b
    assert json.loads(a)["version"] == 2


def test_chain_moves_the_camera_to_each_op() -> None:
    the_plan = plan(loads((SCENES / "depthwise_separable.yaml").read_text()))
    tl = build(the_plan)
    cams = [e.data["slots"] for e in tl.events if e.kind == "camera"]
    assert cams == [[0, 1], [1, 2]]
    assert np.isclose(tl.duration, max(e.end for e in tl.events) + 1.5, atol=1.6)


def _chain(ops: int, extra: str = "") -> str:
    """A default spec of ``ops`` grouped 3×3 convs (each op alone plays for about 9 s)."""
    conv = "{type: conv2d, out_channels: 8, kernel_size: 3, groups: 4}"
    size = 2 * ops + 5
    return f"input: {{shape: [8, {size}, {size}]}}\nops: [{', '.join([conv] * ops)}]\n{extra}"


def test_long_chain_is_played_faster_to_fit_30_s() -> None:
    pacing = Pacing()
    natural = build(plan(loads(_chain(5))), replace(pacing, scene_max=1e9))
    assert natural.duration > 40.0  # what five ops take unsqueezed
    _, fitted = _timeline(_chain(5))
    assert fitted.duration == pytest.approx(pacing.scene_max, abs=1e-3)
    steps = [e for e in fitted.events if e.kind == "sweep" and e.data["detail"]]
    steps = [e for e in steps if "hold" not in e.data]  # not the positions with a close-up
    factor = steps[0].duration / pacing.full_step
    assert pacing.min_speed <= factor < 0.9  # every event squeezed by the same factor
    assert all(e.duration == pytest.approx(pacing.full_step * factor, abs=1e-3) for e in steps)


@pytest.mark.parametrize("ops", [4, 5])
def test_long_chain_keeps_a_quick_closeup_per_op_within_30_s(ops: int) -> None:
    _, tl = _timeline(_chain(ops))
    closeups = {e.target for e in tl.events if e.kind == "closeup"}
    assert closeups == {f"closeup{k}" for k in range(ops)}  # the first position of each op
    assert 10.0 <= tl.duration <= Pacing().scene_max + 1e-3
    assert Pacing().for_op(0, ops).quick_closeups and not Pacing().for_op(0, 3).quick_closeups


def test_very_long_chain_is_not_squeezed_past_min_speed() -> None:
    pacing = Pacing()
    _, tl = _timeline(_chain(9))
    step = next(
        e for e in tl.events if e.kind == "sweep" and e.data["detail"] and "hold" not in e.data
    )
    assert step.duration == pytest.approx(pacing.full_step * pacing.min_speed, abs=1e-3)
    assert tl.duration > pacing.scene_max  # longer rather than unreadable


def test_explicit_op_duration_is_not_squeezed() -> None:
    _, tl = _timeline(_chain(5, "animation: {op_duration: 7}\n"))
    show_input = next(e for e in tl.events if e.kind == "show" and e.target == "t0")
    assert tl.duration == pytest.approx(show_input.end + 5 * 7.0, abs=1e-3)


def test_pacing_per_op_of_a_chain() -> None:
    base = Pacing()
    assert base.for_op(0, 1) == base and base.for_op(0, 2) == base
    assert base.for_op(1, 2) == base.for_op(2, 3) == base.for_later_op()
    first = base.for_op(0, 3)
    assert (first.full_positions, first.fast_max, first.max_swept_groups) == (2, 3.0, 2)
    assert first.phase_speed == 1.0 and base.for_later_op().phase_speed < 1.0
    assert base.fit_factor(30.0) == 1.0 and base.fit_factor(40.0) == 0.75
    assert base.fit_factor(100.0) == base.min_speed
