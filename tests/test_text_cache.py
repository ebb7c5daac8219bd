"""Text outlines: read from Pango's SVG they equal manim's ``Text``; the disk cache gives the same
arrays back, survives corrupt entries and concurrent writers, can be bypassed, and
``convanim cache info|clear`` report and empty it."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from convanim.cli import main
from convanim.renderer import outline_cache
from convanim.renderer.fontconfig import font_file
from convanim.renderer.manim import text_outline as text_outline_module
from convanim.renderer.manim.mobjects import MONO, SANS, TextShape, text_mobject
from convanim.renderer.manim.text_outline import text_outline

pytestmark = pytest.mark.render

STRINGS = [
    ("0.25 × −1.3 Σ", SANS, "NORMAL"),
    ("conv2d 3×3, 8→8", SANS, "BOLD"),
    ("out[0,0,1] = Σ window ⊙ kernel + b", MONO, "NORMAL"),
    ("AVAT Tey", SANS, "NORMAL"),
]


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of the test's own; the in-memory layer emptied too."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("CONVANIM_CACHE_DIR", str(folder))
    monkeypatch.delenv("CONVANIM_NO_CACHE", raising=False)
    monkeypatch.setattr(text_outline_module, "_MEMORY", {})
    return folder


def _normalised(points: np.ndarray) -> np.ndarray:
    xy = points[:, :2] - (points[:, :2].min(0) + points[:, :2].max(0)) / 2
    return xy / np.ptp(xy[:, 1])


@pytest.mark.parametrize(("text", "face", "weight"), STRINGS)
def test_outline_is_the_shape_manim_text_draws(text: str, face: str, weight: str) -> None:
    from manim.mobject.text.text_mobject import Text

    ours = _normalised(text_outline(text, face, weight))
    reference = Text(text, font=face, font_size=48, weight=weight)
    theirs = _normalised(np.concatenate([m.points for m in reference.family_members_with_points()]))
    assert np.allclose(np.ptp(ours, 0), np.ptp(theirs, 0), atol=1e-9)
    # every point of ours lies on one of manim's (manim adds closing segments, hence more points)
    distances = np.min(np.linalg.norm(ours[:, None, :] - theirs[None, ::2, :], axis=2), axis=1)
    distances = np.minimum(
        distances, np.min(np.linalg.norm(ours[:, None, :] - theirs[None, 1::2, :], axis=2), axis=1)
    )
    assert distances.max() < 1e-9


def test_text_mobject_has_the_asked_line_height_and_width_limit() -> None:
    hg = text_mobject("Hg", 0.5, "#112233")
    assert isinstance(hg, TextShape) and hg.original_text == "Hg"
    assert hg.height == pytest.approx(0.5)
    assert np.allclose(hg.get_center(), 0.0, atol=1e-12)
    long = text_mobject("a rather long caption", 0.5, "#112233", max_width=1.0)
    assert long.width == pytest.approx(1.0)
    assert tuple(np.round(hg.fill_rgbas[0][:3] * 255)) == (0x11, 0x22, 0x33)


def test_chinese_text_gets_an_outline() -> None:
    from convanim.renderer.fontconfig import cjk_font

    face = cjk_font()
    if face is None:
        pytest.fail("no Chinese font installed (make installs fonts-wqy-microhei)")
    mob = text_mobject("输入 卷积核", 0.4, "#000000")
    assert len(mob.points) > 100 and mob.width > mob.height


def test_warm_cache_gives_the_same_array(cache_folder: Path) -> None:
    cold = text_outline("Σ = −0.34", SANS).copy()
    assert len(list(cache_folder.rglob("*.npy"))) >= 1
    text_outline_module._MEMORY.clear()
    warm = text_outline("Σ = −0.34", SANS)
    assert warm.tobytes() == cold.tobytes()


def test_corrupt_entry_is_ignored_and_written_again(cache_folder: Path) -> None:
    good = text_outline("0.125", SANS).copy()
    (entry,) = [p for p in cache_folder.rglob("*.npy") if not p.name.startswith(".tmp")]
    entry.write_bytes(b"\x93NUMPY truncated")
    text_outline_module._MEMORY.clear()
    again = text_outline("0.125", SANS)
    assert again.tobytes() == good.tobytes()
    assert np.load(entry).tobytes() == good.tobytes()


def test_no_cache_reads_and_writes_nothing(
    cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVANIM_NO_CACHE", "1")
    text_outline("nothing stored", SANS)
    assert not cache_folder.exists() or not list(cache_folder.rglob("*.npy"))
    assert outline_cache.load(outline_cache.entry_key("x")) is None


def test_key_follows_the_font_file() -> None:
    assert font_file(SANS) != font_file(SANS, "BOLD")
    assert font_file(SANS) is not None and Path(font_file(SANS) or "").is_file()


def _write_outlines(folder: str, strings: list[str]) -> list[bytes]:
    os.environ["CONVANIM_CACHE_DIR"] = folder
    os.environ.pop("CONVANIM_NO_CACHE", None)
    return [text_outline(s, SANS).tobytes() for s in strings]


def test_concurrent_writers_leave_a_readable_cache(tmp_path: Path) -> None:
    strings = [f"{i * 0.37:.2f} × {i * -0.11:.2f}" for i in range(60)]
    folder = str(tmp_path / "shared")
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        first, second = pool.starmap(_write_outlines, [(folder, strings), (folder, strings)])
    assert first == second
    entries = [p for p in Path(folder).rglob("*.npy")]
    assert len(entries) == len(strings) and not [p for p in entries if p.name.startswith(".tmp")]
    with ctx.Pool(1) as pool:
        (warm,) = pool.starmap(_write_outlines, [(folder, strings)])
    assert warm == first


def test_cache_command_reports_and_clears(
    cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text_outline("one", SANS)
    text_outline("two", SANS)
    runner = CliRunner()
    shown = runner.invoke(main, ["cache", "info"])
    assert shown.exit_code == 0
    assert f"folder:   {cache_folder}" in shown.stdout
    assert "entries:  2 text outlines" in shown.stdout and "in use:   yes" in shown.stdout
    cleared = runner.invoke(main, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed 2 text outlines" in cleared.stdout
    assert "entries:  0 text outlines" in runner.invoke(main, ["cache", "info"]).stdout


def test_render_no_cache_flag_bypasses_the_cache(
    cache_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(
        "title: Tiny\ninput: {shape: [1, 4, 4]}\n"
        "ops:\n  - {type: conv2d, out_channels: 1, kernel_size: 3}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CONVANIM_NO_CACHE", "0")  # restored after the test (the flag sets it)
    out = tmp_path / "a.png"
    result = CliRunner().invoke(
        main, ["render", str(spec), "--format", "png", "-o", str(out), "--no-cache"]
    )
    assert result.exit_code == 0, result.output
    assert out.exists()
    assert not cache_folder.exists() or not list(cache_folder.rglob("*.npy"))


def _outline_bytes(strings: list[str]) -> list[bytes]:
    return [text_outline(s, SANS).tobytes() for s in strings]


def test_forked_workers_lay_out_texts_side_by_side(cache_folder: Path) -> None:
    """Forked workers inherit the parent's scratch folder for Pango's files; each must use its
    own (a shared file was removed under another worker's feet)."""
    text_outline("made in the parent", SANS)
    strings = [[f"worker {w}: {i * 0.01:.2f}" for i in range(40)] for w in range(4)]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map(_outline_bytes, strings)
    assert all(len(r) == 40 for r in results)
    text_outline_module._MEMORY.clear()
    assert _outline_bytes(strings[0]) == results[0]


def test_a_shared_text_does_not_remember_its_earlier_sizes() -> None:
    """A text drawn at one place (``usage``) is one instance; its points at a size must not
    depend on the sizes and places it had before (a label once rendered differently in the
    frames of a -j worker that had drawn other frames first)."""
    place = ("test-shared", "label")
    first = text_mobject("0.77", 0.31, "#000000", usage=place).points.copy()
    for height in (0.5, 0.123, 0.9):
        text_mobject("0.77", height, "#000000", usage=place).move_to((1.0, -2.0, 0.0))
    again = text_mobject("0.77", 0.31, "#000000", usage=place)
    assert again.points.tobytes() == first.tobytes()


def test_render_with_two_workers_fills_the_cache_and_a_warm_render_is_the_same(
    cache_folder: Path, tmp_path: Path
) -> None:
    """Two -j workers write the same outlines at once; the cache they leave is whole, and a
    render that reads it gives the bytes of the render that wrote it."""
    spec = tmp_path / "two.yaml"
    spec.write_text(
        "title: Two workers, one cache\ninput: {shape: [2, 5, 5]}\n"
        "ops:\n  - {type: conv2d, out_channels: 2, kernel_size: 3}\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    cold, warm = tmp_path / "cold.mp4", tmp_path / "warm.mp4"
    for out in (cold, warm):
        result = runner.invoke(
            main, ["render", str(spec), "-o", str(out), "-j", "2", "--force"], prog_name="convanim"
        )
        assert result.exit_code == 0, result.output
    entries = [p for p in cache_folder.rglob("*.npy")]
    assert entries and not [p for p in entries if p.name.startswith(".tmp")]
    assert all(np.load(p).dtype == np.float64 for p in entries)
    assert cold.read_bytes() == warm.read_bytes()
