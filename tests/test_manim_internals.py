"""Guards the manim internals the renderer relies on, so a manim upgrade fails here, by name.

``mobjects.styled_vmobject`` builds VMobjects without their constructor (it copies the attribute
dict of one constructed VMobject and sets the colour arrays, stroke width and points that Cairo
reads), and ``frames.FrameRenderer`` drives manim's Cairo ``Camera`` directly (reset,
capture_mobjects, pixel_array, set_frame_to_background). Both depend on manim internals that no
release promises to keep; pyproject.toml pins manim to the minor version verified here.
"""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
from manim import Camera, ManimColor, VMobject
from packaging.specifiers import SpecifierSet

from convanim.renderer.manim import mobjects

pytestmark = pytest.mark.render

ROOT = Path(__file__).resolve().parent.parent
MANIM = version("manim")


def _changed(what: str) -> str:
    return (
        f"manim {MANIM} changed internals used by convanim's manim layer (mobjects.py builds "
        f"VMobjects without their constructor; frames.py drives the Cairo Camera): {what}. "
        "Update convanim/renderer/manim/mobjects.py (or frames.py) and the manim pin in "
        "pyproject.toml together."
    )


def test_installed_manim_is_in_the_pinned_range() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pins = re.findall(r'"manim([<>=!~][^"]*)"', text)  # manim itself, not manim-slides
    assert len(pins) == 1, "pyproject.toml should list manim once in the dependencies"
    pin = SpecifierSet(pins[0])
    assert any(s.operator == "<" for s in pin), (
        f"manim pin {pins[0]!r} has no upper bound: mobjects.py relies on manim internals, so "
        "pin the minor versions verified by tests/test_manim_internals.py"
    )
    assert MANIM in pin, _changed(f"installed manim {MANIM} is outside the pin {pins[0]!r}")


def test_vmobject_attributes_set_without_the_constructor_are_what_cairo_reads() -> None:
    template = VMobject().__dict__
    wanted = ("points", "fill_rgbas", "stroke_rgbas", "fill_opacity", "stroke_opacity")
    missing = [name for name in (*wanted, "stroke_width") if name not in template]
    assert not missing, _changed(f"VMobject() no longer sets {missing}")
    mob = mobjects.styled_vmobject(np.zeros((4, 3)), "#102030", 0.5, "#405060", 3.0, 0.25)
    assert mob.get_fill_rgbas() is mob.fill_rgbas, _changed("get_fill_rgbas() reads elsewhere")
    assert mob.get_stroke_rgbas() is mob.stroke_rgbas, _changed("get_stroke_rgbas() changed")
    assert mob.get_stroke_width() == 3.0, _changed("get_stroke_width() reads elsewhere")
    np.testing.assert_allclose(mob.get_fill_rgbas(), [[16 / 255, 32 / 255, 48 / 255, 0.5]])
    assert mob.points.shape == (4, 3) and mob.submobjects == [] and mob.updaters == []
    assert mob.submobjects is not template["submobjects"], "containers must not be shared"


def _camera() -> Camera:
    return Camera(
        pixel_width=96,
        pixel_height=54,
        frame_width=16 / 9 * 2.0,
        frame_height=2.0,
        background_color=ManimColor("#f0eee8"),
        background_opacity=1.0,
    )


def _draw(mobs: list[VMobject]) -> np.ndarray:
    camera = _camera()
    camera.reset()
    camera.capture_mobjects(mobs)
    return np.array(camera.pixel_array, copy=True)


def test_vmobjects_built_without_the_constructor_draw_like_constructed_ones() -> None:
    squares = np.array(
        [
            [[-1.2, -0.6], [-0.2, -0.6], [-0.2, 0.4], [-1.2, 0.4]],
            [[0.1, -0.3], [0.9, -0.3], [0.9, 0.7], [0.1, 0.7]],
        ]
    )
    points = mobjects.polygons_to_points(squares)
    ours = mobjects.polygons_mobject(squares, "#3366cc", 0.8, "#202020", 2.5, 0.9)
    theirs = VMobject(
        fill_color="#3366cc",
        fill_opacity=0.8,
        stroke_color="#202020",
        stroke_width=2.5,
        stroke_opacity=0.9,
    )
    theirs.set_points(points)
    segments = np.array([[[-1.4, 0.8], [1.3, -0.8]], [[-1.0, -0.9], [1.0, 0.9]]])
    line = mobjects.lines_mobject(segments, "#cc3300", 4.0, 0.7)
    line_ref = VMobject(fill_opacity=0.0, stroke_color="#cc3300", stroke_width=4.0)
    line_ref.set_stroke(opacity=0.7)
    line_ref.set_points(line.points.copy())
    expected = _draw([theirs, line_ref])
    assert (expected != _draw([])).any(), "the reference drawing is blank"
    assert np.array_equal(_draw([ours, line]), expected), _changed(
        "a VMobject from styled_vmobject (attribute dict of VMobject() plus fill_rgbas, "
        "stroke_rgbas, stroke_width, points) no longer draws like VMobject(...) with set_points"
    )


def test_camera_background_then_moving_layer_equals_one_capture() -> None:
    """frames.py draws static actors once, keeps pixel_array, restores it per frame."""
    triangle = np.array([[[-1.5, -0.8], [0.0, -0.8], [0.0, 0.8]]])
    back = mobjects.polygons_mobject(triangle, "#44aa77")
    front = mobjects.polygons_mobject(triangle[:, ::-1] + 0.6, "#aa4477")
    camera = _camera()
    camera.reset()
    camera.capture_mobjects([back])
    background = camera.pixel_array.copy()
    camera.capture_mobjects([front])  # dirty the frame, then restore the background
    camera.set_frame_to_background(background)
    camera.capture_mobjects([front])
    assert np.array_equal(camera.pixel_array, _draw([back, front])), _changed(
        "Camera.reset / capture_mobjects / pixel_array / set_frame_to_background no longer "
        "compose into a cached static background with moving mobjects drawn on top"
    )


def test_text_is_sized_and_rescaled_in_place() -> None:
    text = mobjects.text_mobject("C=8", 0.3, "#202020", usage="guard")
    assert 0.15 < text.height <= 0.3 + 1e-6, _changed("Text font_size / height")  # "Hg" is 0.3
    width = text.width
    again = mobjects.text_mobject("C=8", 0.6, "#202020", usage="guard")
    assert again is text, "a text is built once per place"
    assert again.width == pytest.approx(2 * width, rel=1e-6), _changed("Text.scale / .width")
    mobjects.set_opacity(again, 0.5)
    drawn = _draw([again]) != _draw([])
    assert drawn.any(), _changed("Text no longer draws through the Cairo camera")
