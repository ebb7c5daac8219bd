"""The Timeline is the whole scene: it holds every number the renderer draws, reads back from JSON
into equal actors of every kind, and a Timeline read back renders the very same frames."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

from convanim.engine import Plan, plan
from convanim.spec import load
from convanim.storyboard import build
from convanim.storyboard.arrays import ArrayData
from convanim.storyboard.timeline import ACTOR_KINDS, BlockActor, Event, Timeline, View

from .conftest import ROOT, SCENES

ROUND_TRIP_SCENES = {
    "standard_conv": "block, kernel, overlay",
    "transposed_conv": "scatter view",
    "transposed_conv_stride2": "direct view: zero-inserted block, holes",
    "deformable_conv": "deform",
    "squeeze_excitation": "se_chart",
    "channel_shuffle": "shuffle",
    "conv_bn_relu": "batch_norm",
    "lenet_digit": "flatten, dense (and morph events)",
    "conv3d": "kernel3d, volume blocks",
    "receptive_field": "receptive, chain",
    "matrix_conv": "matrix (dense and transposed pictures)",
    "big_tensor": "level of detail",
}
"""Scenes whose Timelines go through JSON, and what each one covers."""

_TIMELINES: dict[str, tuple[Plan, Timeline]] = {}


def _built(name: str) -> tuple[Plan, Timeline]:
    if name not in _TIMELINES:
        the_plan = plan(load(SCENES / f"{name}.yaml"))
        _TIMELINES[name] = (the_plan, build(the_plan))
    return _TIMELINES[name]


@pytest.mark.parametrize("name", sorted(ROUND_TRIP_SCENES))
def test_json_round_trip_gives_an_equal_timeline(name: str) -> None:
    _, timeline = _built(name)
    text = timeline.to_json()
    back = Timeline.from_json(text)
    assert back == timeline
    assert [type(a) for a in back.actors] == [type(a) for a in timeline.actors]
    assert back.to_json() == text
    for key, array in timeline.tensors.items():
        assert back.tensors[key].array.tobytes() == array.array.tobytes()  # the same bits


def test_round_trip_scenes_hold_every_actor_kind() -> None:
    kinds = {a.kind for name in ROUND_TRIP_SCENES for a in _built(name)[1].actors}
    assert kinds == set(ACTOR_KINDS)
    assert {"block", "kernel", "overlay", "scatter", "holes", "deform", "se_chart", "shuffle",
            "kernel3d", "receptive", "closeup", "flatten", "dense",
            "batch_norm"} <= kinds  # fmt: skip


def test_blocks_share_the_engine_tensors_stored_once() -> None:
    the_plan, timeline = _built("receptive_field")
    blocks = [a for a in timeline.actors if isinstance(a, BlockActor)]
    assert {b.tensor for b in blocks} == set(timeline.tensors)
    for k, op in enumerate(the_plan.ops):
        stored = timeline.tensors[f"ops[{k}].output"].array
        assert np.shares_memory(stored, op.output)  # a view: building copies no tensor
        assert np.array_equal(stored, op.output[0])
    for block in blocks:
        assert timeline.values(block).shape == block.shape
        assert not timeline.values(block).flags.writeable


def test_view_comes_from_the_spec() -> None:
    spec_text = (SCENES / "standard_conv.yaml").read_text() + (
        "theme: {name: dark, ground: false}\ncamera: {phi: 60, theta: -70, zoom: 1.5}\n"
    )
    from convanim.spec import loads

    timeline = build(plan(loads(spec_text)))
    assert timeline.view == View("dark", False, 60.0, -70.0, 1.5)
    assert Timeline.from_json(timeline.to_json()).view == timeline.view


def test_summary_keeps_digests_not_values() -> None:
    _, timeline = _built("big_tensor")
    summary = json.loads(timeline.to_json(summary=True))
    entry = summary["tensors"]["input"]
    assert entry["shape"] == [6, 64, 64] and entry["dtype"] == "float64"
    assert entry["digest"].startswith("sha256:") and "data" not in entry
    # the tensors are digests (the rest, captions with their TeX included, is kept in full)
    full = json.loads(timeline.to_json())["tensors"]
    assert len(json.dumps(summary["tensors"])) < len(json.dumps(full)) / 50
    with pytest.raises(ValueError, match="not a convanim timeline"):
        Timeline.from_json(timeline.to_json(summary=True))


def test_array_data_round_trips_each_dtype_and_refuses_bad_data() -> None:
    for values in (
        np.array([[0.1, -2.5e-300], [np.inf, 1 / 3]]),
        np.arange(-3, 3, dtype=np.int64).reshape(2, 1, 3),
        np.array([True, False]),
        np.zeros((0, 4)),
    ):
        data = ArrayData.of(values, str(values.dtype))
        back = ArrayData.from_dict(json.loads(json.dumps(data.to_dict())))
        assert back == data and back.array.tobytes() == values.tobytes()
        assert back.shape == values.shape and not back.array.flags.writeable
    assert ArrayData.of([np.nan]) == ArrayData.of([np.nan])
    assert ArrayData.of([1.0, 2.0]) != ArrayData.of([1.0, 2.0, 3.0])
    assert ArrayData.of([1, 2], "int64") != ArrayData.of([1.0, 2.0])
    with pytest.raises(ValueError, match="do not fill the shape"):
        ArrayData.from_dict({"dtype": "float64", "shape": [2, 2], "data": [1.0, 2.0]})
    with pytest.raises(ValueError, match="holds float64"):
        ArrayData.from_dict({"dtype": "complex128", "shape": [1], "data": [1.0]})
    with pytest.raises(TypeError):
        ArrayData(np.zeros(2, dtype=np.float32))
    # A digest ignores noise below its rounding but not a real change.
    a = np.linspace(-1, 1, 50)
    assert ArrayData.of(a).digest() == ArrayData.of(a + 1e-12).digest()
    assert ArrayData.of(a).digest() != ArrayData.of(a[::-1]).digest()


def test_from_json_names_what_is_wrong() -> None:
    _, timeline = _built("channel_shuffle")
    data = json.loads(timeline.to_json())
    with pytest.raises(ValueError, match="version 1"):
        Timeline.from_dict({**data, "version": 1})
    bad = {**data, "actors": [{**data["actors"][0], "kind": "hologram"}]}
    with pytest.raises(ValueError, match="unknown actor kind 'hologram'"):
        Timeline.from_dict(bad)
    shuffle = next(a for a in data["actors"] if a["kind"] == "shuffle")
    del shuffle["perm"]
    with pytest.raises(ValueError, match="not a convanim timeline"):
        Timeline.from_dict(data)


def test_event_data_are_plain_json() -> None:
    _, timeline = _built("grouped_conv")
    recolors = [e for e in timeline.events if e.kind == "recolor"]
    for e in timeline.events:
        assert json.loads(json.dumps(e.data)) == e.data  # lists, not tuples
    assert all(isinstance(e.data["coloring"]["hues"], list) for e in recolors)
    assert Event(0.0, 1.0, "show", "t0").end == 1.0


# -- the renderer knows only the Timeline ---------------------------------------------------------

FORBIDDEN = ("convanim.engine", "convanim.spec", "convanim.output", "convanim.pipeline",
             "convanim.batch", "convanim.limits", "convanim.cli", "convanim.gallery")  # fmt: skip


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_renderer_imports_nothing_above_the_storyboard() -> None:
    """Not the engine's Plan, not the spec, not the output writers (not even for type checking)."""
    for path in sorted((ROOT / "convanim" / "renderer").rglob("*.py")):
        bad = [n for n in _imports(path) if n.startswith(FORBIDDEN)]
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


# -- frames from a Timeline read back from JSON ---------------------------------------------------


def _times(timeline: Timeline) -> list[float]:
    """Moments that draw every actor kind: the middle of the first and the last event of each
    kind that moves something (a shuffle's flatten is its last), and a few more."""
    times = [timeline.duration * f for f in (0.1, 0.45, 0.8, 0.99)]
    moving = ("sweep", "stamp", "se", "shuffle", "deform", "light", "fill", "camera", "closeup",
              "batch_norm")  # fmt: skip
    by_kind: dict[str, list[Event]] = {}
    for e in timeline.events:
        if e.kind in moving and e.duration > 0:
            by_kind.setdefault(e.kind, []).append(e)
    for events in by_kind.values():
        times.extend(sorted({e.start + 0.55 * e.duration for e in (events[0], events[-1])}))
    return times


@pytest.mark.render
def test_every_actor_kind_has_a_drawer() -> None:
    from convanim.renderer.manim.registry import DRAWERS

    assert set(DRAWERS) == set(ACTOR_KINDS)


@pytest.mark.render
@pytest.mark.parametrize("name", sorted(ROUND_TRIP_SCENES))
def test_a_timeline_read_back_from_json_renders_the_same_frames(name: str) -> None:
    from convanim.renderer import FrameFormat, frame_renderer

    _, timeline = _built(name)
    back = Timeline.from_json(timeline.to_json())
    fmt = FrameFormat(320, 180, 15)
    original, read_back = frame_renderer(timeline, fmt), frame_renderer(back, fmt)
    for t in _times(timeline):
        a, b = original.frame_at(t), read_back.frame_at(t)
        assert a[..., :3].std() > 5  # something is drawn
        assert a.dtype == b.dtype == np.uint8
        assert a.tobytes() == b.tobytes(), f"{name} at t={t:.3f}"


@pytest.mark.render
def test_pipeline_renders_a_timeline_read_back_from_json(tmp_path: Path) -> None:
    """What another tool would do: store a Timeline as JSON, render it later without the spec."""
    from convanim.output import QUALITIES
    from convanim.pipeline import OutputSettings, build_timeline, render_spec, render_timeline

    spec = load(SCENES / "squeeze_excitation.yaml")
    stored = tmp_path / "scene.timeline.json"
    stored.write_text(build_timeline(spec).to_json(), encoding="utf-8")
    direct = render_spec(spec, OutputSettings(tmp_path / "direct.png", "png", QUALITIES["l"]))
    later = render_timeline(
        Timeline.from_json(stored.read_text(encoding="utf-8")),
        OutputSettings(tmp_path / "later.png", "png", QUALITIES["l"]),
    )
    assert later.path.read_bytes() == direct.path.read_bytes()
