"""``convanim slides``: which events make which slides and what their notes say, the CLI's
errors, and a real deck: manim-slides' own loader reads its JSON, the slide videos hold the
frames of the render, and headless Chromium walks through it from file:// (screenshots in
media/slides_*.png for a person to look at)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import av
import numpy as np
import pytest
from click.testing import CliRunner

from convanim.cli import main
from convanim.engine import plan as engine_plan
from convanim.pipeline.deck import summary_rows
from convanim.pipeline.slides import build_slides, closeup_notes, frame_ranges
from convanim.spec import load
from convanim.storyboard import build
from convanim.storyboard.common import fmt_value
from convanim.storyboard.words import words_for

from . import browser
from .conftest import ROOT

TINY = (
    "title: Tiny deck\ninput: {shape: [2, 4, 4], seed: 3}\n"
    "ops:\n  - {type: conv2d, out_channels: 2, kernel_size: 2, bias: true}\n"
)


def _spec(folder: Path, text: str = TINY, name: str = "tiny") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _slides(path: Path, language: str | None = None):  # type: ignore[no-untyped-def]
    spec = load(path).with_language(language)
    plan = engine_plan(spec)
    timeline = build(plan)
    words = words_for(timeline.view.language)
    rows = summary_rows(plan, timeline, words)
    slides = build_slides(timeline, len(plan.ops), words, closeup_notes(timeline, plan, words))
    return plan, timeline, slides, rows


def test_slides_follow_the_storyboard_steps(tmp_path: Path) -> None:
    plan, timeline, slides, _ = _slides(_spec(tmp_path))
    full = sum(1 for e in timeline.events if e.kind == "sweep" and e.data.get("detail"))
    assert full == 3
    kinds = [s.kind for s in slides]
    assert kinds == ["title", "intro", "step", "step", "step", "rest", "result", "summary"]
    assert slides[0].title == "Tiny deck" and slides[1].title == "conv2d 2×2, 2→2"
    # Each window slide starts at its sweep, and the slides follow each other.
    sweeps = [e for e in timeline.events if e.kind == "sweep" and e.data.get("detail")]
    assert [s.start for s in slides if s.kind == "step"] == [e.start for e in sweeps]
    for a, b in zip(slides, slides[1:-1], strict=False):
        assert a.end == b.start
    assert slides[-2].end == timeline.duration
    # The rest holds the fast-forwarded sweep and the fill of the other channel.
    fast = next(e for e in timeline.events if e.kind == "sweep" and not e.data.get("detail"))
    assert slides[5].start == fast.start
    assert any("fast-forwarded" in n for n in slides[5].notes)
    assert any("computed at once" in n for n in slides[5].notes)
    # The introduction carries the shape table, the formula and the counts.
    intro = "\n".join(slides[1].notes)
    assert "Kernel | - | 2 | 2 | 2 | 2" in intro and "H_out = " in intro and "params 18" in intro


def test_window_notes_carry_the_numbers_computed(tmp_path: Path) -> None:
    plan, _, slides, _ = _slides(_spec(tmp_path))
    op = plan.ops[0]
    x, w, b, y = op.input[0], op.weight, op.bias, op.output[0]
    assert w is not None and b is not None
    for p, slide in enumerate(s for s in slides if s.kind == "step"):
        oh, ow = divmod(p, 3)
        value = fmt_value(float(y[0, oh, ow]))
        assert slide.title == f"out[0,{oh},{ow}] = Σ window × kernel + b = {value}"
        notes = "\n".join(slide.notes)
        for c in range(2):
            window = x[c, oh : oh + 2, ow : ow + 2]
            rows = "; ".join(" ".join(fmt_value(float(v)) for v in r) for r in window)
            kernel = "; ".join(" ".join(fmt_value(float(v)) for v in r) for r in w[0, c])
            total = fmt_value(float((window * w[0, c]).sum()))
            assert f"ch {c}: window [{rows}] × kernel [{kernel}] → Σ = {total}" in notes
        assert f"b = {fmt_value(float(b[0]))}" in notes
        assert notes.endswith(f"= {value}")


def test_frame_ranges_cover_the_video_once(tmp_path: Path) -> None:
    _, timeline, slides, _ = _slides(_spec(tmp_path))
    for fps in (15, 30, 60):
        count = round(timeline.duration * fps)
        ranges = frame_ranges(slides, fps, count)
        video = ranges[:-1]
        assert video[0][0] == 0 and video[-1][1] == count
        assert all(a[1] == b[0] for a, b in zip(video, video[1:], strict=False))
        assert all(b > a for a, b in video)
        assert ranges[-1] == (count, count)  # the summary is no part of the video
        # A slide holds (start, end]: its last frame is the one at its end.
        for slide, (a, _) in zip(slides[1:-1], video[1:], strict=True):
            assert (a - 1) / fps <= slide.start + 1e-9 < a / fps


def test_phases_of_other_ops_are_slides_and_the_summary_counts() -> None:
    plan, _, slides, rows = _slides(ROOT / "scenes" / "shufflenet_unit.yaml")
    shuffle = [s.title for s in slides if s.op == 1 and s.kind == "step"]
    assert [t.split(":")[0] for t in shuffle] == ["reshape", "transpose", "flatten"]
    assert [s.kind for s in slides].count("intro") == len(plan.ops) == 3
    assert rows[0] == ("", "Input → Output", "params", "MACs", "FLOPs")
    assert rows[-1][2:] == tuple(
        f"{v:,}" for v in (plan.total.params, plan.total.macs, plan.total.flops)
    )
    assert rows[2][0] == "2. channel shuffle (g=3)" and rows[2][1] == "12×6×6 → 12×6×6"


def test_language_override_reaches_the_notes(tmp_path: Path) -> None:
    _, timeline, slides, rows = _slides(_spec(tmp_path), language="zh")
    assert timeline.view.language == "zh"
    rest = next(s for s in slides if s.kind == "rest")
    assert any("快进" in n for n in rest.notes)
    assert "通道 0: 窗口" in "\n".join(next(s for s in slides if s.kind == "step").notes)
    assert rows[0][1:3] == ("输入 → 输出", "参数量")


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), prog_name="convanim", terminal_width=80)
    return result.exit_code, result.stdout, result.stderr


def test_cli_errors(tmp_path: Path) -> None:
    code, _, err = _run("slides", str(tmp_path / "missing.yaml"), "-o", str(tmp_path))
    assert code == 2 and err == f"convanim: error: {tmp_path / 'missing.yaml'}: file not found\n"
    bad = _spec(tmp_path, "input: {shape: [0, 4, 4]}\nops:\n  - {type: conv2d, out_channels: 1}\n")
    code, _, err = _run("slides", str(bad), "-o", str(tmp_path / "out"))
    assert code == 2 and "input.shape[0]: must be a positive integer, got 0" in err
    assert err.startswith(f"convanim: error: {bad}:1:17: ")
    assert not (tmp_path / "out").exists()  # checked before anything is written
    code, _, err = _run("slides", str(_spec(tmp_path)), "--language", "fr")
    assert code == 2 and "'fr' is not one of 'en', 'zh'" in err
    code, _, err = _run("slides", str(_spec(tmp_path)), "-q", "x")
    assert code == 2 and "'x' is not one of 'l', 'm', 'h', 'k'" in err
    (tmp_path / "b").mkdir()
    twice = _spec(tmp_path / "b")
    code, _, err = _run("slides", str(_spec(tmp_path)), str(twice), "-o", str(tmp_path / "d"))
    assert code == 2 and "two specs would write the same deck" in err


def test_api_refuses_unknown_options(tmp_path: Path) -> None:
    import convanim
    from convanim.errors import UsageError

    with pytest.raises(UsageError, match="unknown quality 'z'"):
        convanim.slides(_spec(tmp_path), quality="z")
    with pytest.raises(UsageError, match="unknown language 'fr'"):
        convanim.slides(_spec(tmp_path), language="fr")


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny deck at -q l, drawn by two processes."""
    folder = tmp_path_factory.mktemp("deck")
    spec = _spec(folder)
    code, out, err = _run("slides", str(spec), "-o", str(folder / "decks"), "-j", "2")
    assert code == 0, err
    page = folder / "decks" / "tiny" / "index.html"
    assert out == f"wrote {page} (8 slides) and {page.parent / 'slides' / 'tiny.json'}\n"
    return page.parent


@pytest.mark.render
def test_manim_slides_loads_the_presentation(deck: Path) -> None:
    from manim_slides.config import PresentationConfig

    config = PresentationConfig.from_file(deck / "slides" / "tiny.json")
    assert len(config.slides) == 8
    assert tuple(config.resolution) == (854, 480)
    assert config.slides[0].file == deck / "media" / "slide000.mp4"
    assert all(s.file.is_file() and s.rev_file.is_file() for s in config.slides)
    assert "× kernel [" in config.slides[2].notes
    assert not any(s.loop or s.auto_next for s in config.slides)


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


@pytest.mark.render
def test_slide_videos_hold_the_frames_of_the_render(deck: Path) -> None:
    from convanim.renderer import FrameFormat, frame_count, frame_renderer

    plan = engine_plan(load(deck.parent.parent / "tiny.yaml"))
    timeline = build(plan)
    videos = sorted((deck / "media").glob("slide???.mp4"))
    assert len(videos) == 8
    counts = [len(_frames(v)) for v in videos[:-1]]
    assert sum(counts) == frame_count(timeline.duration, 15)
    # A window slide: its frames are those of the timeline at its times (H.264 is lossy).
    renderer = frame_renderer(timeline, FrameFormat(854, 480, 15))
    first = sum(counts[:3])
    frames = _frames(videos[3])

    def far(a: np.ndarray, b: np.ndarray) -> float:
        """Share of pixels off by more than the codec's colour rounding."""
        return float((np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 24).mean())

    for i in (0, len(frames) - 1):
        near = [
            far(frames[i], renderer.frame_at((first + i + d) / 15)[:, :, :3]) for d in (-1, 0, 1)
        ]
        assert near[1] < 0.02 and near[1] == min(near), near  # the frame of that very time
    # The first frame has moved on from the frame before it (the previous slide's last one).
    assert far(frames[0], renderer.frame_at((first - 1) / 15)[:, :, :3]) > 0.02
    # Played backwards for manim-slides: the same frames in reverse order.
    back = _frames(deck / "media" / "slide003-reversed.mp4")
    assert len(back) == len(frames)
    assert far(back[0], frames[-1]) < 0.005 and far(back[-1], frames[0]) < 0.005


KEYS = {"right": ("ArrowRight", "ArrowRight", 39), "left": ("ArrowLeft", "ArrowLeft", 37)}

STATE = """
(async () => {
  const n = Number(document.body.dataset.slide);
  const slide = document.querySelectorAll('section.slide')[n];
  const video = slide.querySelector('video');
  const t0 = video.currentTime;
  await new Promise((r) => setTimeout(r, 400));
  const visible = Array.from(document.querySelectorAll('section.slide'))
    .filter((s) => !s.hidden).map((s) => s.id);
  return {n, visible, t0, t1: video.currentTime, ended: video.ended, paused: video.paused,
          ready: video.readyState, counter: document.getElementById('counter').textContent,
          src: video.currentSrc, notes: document.getElementById('notes-body').textContent};
})()
"""


@pytest.mark.render
def test_deck_plays_in_chromium_from_file(deck: Path) -> None:
    if not browser.available():
        pytest.skip("Debian's chromium is not installed (`make test` installs it)")
    shots = {1: "slides_intro.png", 2: "slides_window.png", 7: "slides_summary.png"}
    with (
        tempfile.TemporaryDirectory(prefix="convanim-chromium-") as profile,
        browser.PageSession(deck / "index.html", Path(profile)) as page,
    ):
        order = [*range(8), *range(6, -1, -1)]
        for step, expected in enumerate(order):
            if step:
                page.press(*KEYS["right" if expected > order[step - 1] else "left"])
            state = page.evaluate(STATE)
            assert state["n"] == expected
            assert state["visible"] == [f"slide-{expected + 1}"]
            assert state["counter"] == f"{expected + 1} / 8"
            assert state["src"].endswith(f"media/slide{expected:03d}.mp4")
            assert state["ready"] >= 2
            # The video plays on entry: time moves on (or the short slide already ended,
            # holding its last frame).
            assert state["t1"] > state["t0"] or (state["ended"] and state["t1"] > 0), state
            if step < 8 and expected in shots:
                if expected == 2:
                    page.press("s", "KeyS", 83)  # the notes panel, with the numbers
                    page.evaluate("new Promise((r) => setTimeout(r, 2500))")
                (ROOT / "media").mkdir(exist_ok=True)
                (ROOT / "media" / shots[expected]).write_bytes(page.screenshot())
                if expected == 2:
                    assert "× kernel [" in page.evaluate(
                        "document.getElementById('notes-body').textContent"
                    )
                    page.press("s", "KeyS", 83)
        assert page.errors() == []
        requests = page.all_requests()
        assert requests, "the page requested nothing?"
        assert all(url.startswith(("file://", "data:", "about:")) for url in requests), requests
