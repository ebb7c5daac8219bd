"""TimelineState, Layout and projection: what the renderer draws at time t (no manim needed)."""

from __future__ import annotations

import numpy as np
import pytest

from convanim.renderer.geometry import FRONT, RIGHT, TOP, block_shell
from convanim.renderer.layout import Layout, blend
from convanim.renderer.projection import Projector
from convanim.renderer.state import TimelineState
from convanim.storyboard.timeline import BlockActor, Coloring, Event, KernelActor, Timeline


def _timeline() -> Timeline:
    inp = BlockActor(
        "t0", 0, (2, 4, 4), "input", "2×4×4", "input", Coloring("channels", ("#000000",) * 2)
    )
    out = BlockActor(
        "t1", 1, (3, 2, 2), "ops[0].output", "3×2×2", "conv",
        Coloring("values", ("#00FF00",) * 3, (0.0, 1.0)),
        initially="empty",
    )  # fmt: skip
    kernel = KernelActor(
        "k0", "t0", (3, 3), (1, 1), (1, 1), (0, 0, 0, 0), ((0, 2),), 3, ("#FFFF00",)
    )
    events = (
        Event(0.0, 0.0, "camera", "view", {"slots": [0, 1]}),
        Event(0.0, 1.0, "show", "t0"),
        Event(1.0, 1.0, "show", "t1"),
        Event(2.0, 0.5, "show", "k0"),
        Event(2.5, 1.0, "sweep", "k0", dict(input="t0", output="t1", out_channel=0, first=0,
                                            count=1, visits=1, detail=True)),
        Event(3.5, 1.5, "sweep", "k0", dict(input="t0", output="t1", out_channel=0, first=1,
                                            count=3, visits=3, detail=False)),
        Event(5.0, 1.0, "fill", "t1", {"channels": [1, 2]}),
        Event(6.0, 0.5, "hide", "k0"),
    )  # fmt: skip
    return Timeline("t", 7.0, (inp, out, kernel), events)


def test_opacity_follows_show_and_hide() -> None:
    state = TimelineState(_timeline())
    assert state.opacity("t0", 0.0) == 0.0
    assert 0.0 < state.opacity("t0", 0.5) < 1.0
    assert state.opacity("t0", 1.5) == 1.0
    assert state.opacity("k0", 5.0) == 1.0
    assert state.opacity("k0", 6.6) == 0.0
    assert state.opacity("caption-without-events", 3.0) == 1.0


def test_cells_are_revealed_as_the_kernel_arrives() -> None:
    state = TimelineState(_timeline())
    out = state.blocks["t1"]
    assert not state.revealed(out, 2.6).any()  # still moving to the first position
    after_first = state.revealed(out, 3.4)
    assert after_first[0, 0, 0] and after_first.sum() == 1
    assert state.revealed(out, 4.99)[0].sum() == 4  # the fast sweep finished channel 0
    assert state.revealed(out, 4.99)[1:].sum() == 0
    assert state.revealed(out, 6.5).all()  # the fill revealed the other channels


def test_sweep_positions_interpolate_and_settle() -> None:
    state = TimelineState(_timeline())
    moving = state.sweep("k0", 3.6)  # first visit of the fast sweep: moving from (0,0) to (0,1)
    assert moving is not None and not moving.arrived and moving.cell == (0, 1)
    assert 0.0 <= moving.position[1] <= 1.0
    settled = state.sweep("k0", 3.9)
    assert settled is not None and settled.arrived and settled.position == (0.0, 1.0)
    last = state.sweep("k0", 4.95)
    assert last is not None and last.cell == (1, 1)
    resting = state.sweep("k0", 6.2)  # after the sweeps, the kernel rests at the last cell
    assert resting is not None and resting.cell == (1, 1)


def test_intervals_change_only_at_event_boundaries() -> None:
    state = TimelineState(_timeline())
    assert state.interval(2.6) == state.interval(3.4)
    assert state.interval(3.4) != state.interval(3.6)


def test_shell_has_only_visible_faces() -> None:
    shell = block_shell((8, 7, 7))
    counts = {face: int((shell.face == face).sum()) for face in (FRONT, TOP, RIGHT)}
    assert counts == {FRONT: 49, TOP: 56, RIGHT: 56}
    assert shell.corners.shape == (161, 4, 3)


def test_projection_shows_top_and_right_faces() -> None:
    proj = Projector()
    center = np.zeros(3)
    top = proj.project(np.array([[0.0, 1.0, 0.0]]), center)[0]
    right = proj.project(np.array([[1.0, 0.0, 0.0]]), center)[0]
    assert top[1] > 0 and right[0] > 0
    # Farther points shrink: the back corner of a unit cube projects closer to the centre.
    near = proj.project(np.array([[1.0, 1.0, 1.0]]), center)[0]
    far = proj.project(np.array([[1.0, 1.0, -1.0]]), center)[0]
    assert np.linalg.norm(far) != pytest.approx(np.linalg.norm(near))


def test_layout_frames_slots_inside_the_world_region() -> None:
    tl = _timeline()
    blocks = [a for a in tl.actors if isinstance(a, BlockActor)]
    layout = Layout(blocks, Projector(), 14.222, has_title=True)
    vp = layout.frame((0, 1))
    for block in blocks:
        c, h, w = block.shape
        corners = np.array([[x, y, z] for x in (0, w) for y in (0, -h) for z in (0, -c)], float)
        pts = vp.apply(layout.scene_points(block, corners))
        assert pts[:, 0].min() >= layout.world.x0 - 1e-6
        assert pts[:, 0].max() <= layout.world.x1 + 1e-6
        assert pts[:, 1].min() >= layout.world.y0 - 1e-6
        assert pts[:, 1].max() <= layout.world.y1 + 1e-6
    assert blend(vp, vp, 0.5) == vp
