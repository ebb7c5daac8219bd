"""Chapters, captions and covers: the Timeline's chapter events, the cues read off it, the .vtt,
chapters and cover pictures read back from MP4 and WebM (one process and ``-j 2``), a GIF whose
first image is the poster frame, captions burned into frames, and every scene's poster frame
showing its blocks and title."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from convanim.output import QUALITIES
from convanim.output.annotations import Chapter, Cue, read_chapters, vtt_text, vtt_time
from convanim.pipeline import OutputSettings, build_timeline, render_spec
from convanim.pipeline.teaching import CaptionBurner, caption_at, chapters, cues
from convanim.renderer import frame_count
from convanim.spec import load, loads

from .conftest import ROOT

SCENES = sorted((ROOT / "scenes").glob("*.yaml"))
TWO_OPS = """\
title: Two ops
input: {shape: [2, 5, 5]}
ops:
  - {type: conv2d, out_channels: 3, kernel_size: 3}
  - {type: max_pool2d, kernel_size: 2}
"""
VTT_TIME = r"(\d\d):(\d\d):(\d\d)\.(\d\d\d)"


def _seconds(match: re.Match[str], first: int) -> float:
    h, m, s, ms = (int(match.group(first + i)) for i in range(4))
    return h * 3600 + m * 60 + s + ms / 1000


def parse_vtt(text: str) -> list[Cue]:
    """A strict reading of the WebVTT we write: header, then numbered cues, blank-separated."""
    assert text.startswith("WEBVTT\n\n"), text[:40]
    assert text.endswith("\n") and not text.endswith("\n\n\n")
    blocks = text[len("WEBVTT\n\n") :].rstrip("\n").split("\n\n")
    found = []
    for n, block in enumerate(blocks, 1):
        number, timing, *lines = block.split("\n")
        assert number == str(n)
        match = re.fullmatch(VTT_TIME + " --> " + VTT_TIME, timing)
        assert match, timing
        assert len(lines) == 1 and lines[0].strip() and "-->" not in lines[0]
        found.append(Cue(_seconds(match, 1), _seconds(match, 5), lines[0]))
    return found


def check_cues(found: list[Cue], duration: float) -> None:
    """Cues inside the video, each of positive length, in increasing order, none overlapping."""
    assert found
    for cue in found:
        assert 0 <= cue.start < cue.end <= duration + 1e-9
    for a, b in zip(found, found[1:], strict=False):
        assert a.end <= b.start + 1e-9 and a.start < b.start


def test_timeline_has_a_chapter_for_the_title_and_each_op() -> None:
    timeline = build_timeline(load(ROOT / "scenes" / "standard_conv.yaml"))
    marks = [(e.start, e.data["title"]) for e in timeline.events if e.kind == "chapter"]
    assert [title for _, title in marks] == ["Standard convolution", "conv2d 3×3, 8→8"]
    assert marks[0][0] == 0.0 and 0 < marks[1][0] < 2
    # The op's chapter starts when its output block starts to appear.
    show = next(e for e in timeline.events if e.kind == "show" and e.target == "t1")
    assert marks[1][0] <= show.start


@pytest.mark.parametrize("scene", SCENES, ids=lambda p: p.stem)
def test_every_scene_has_chapters_and_ordered_cues(scene: Path) -> None:
    spec = load(scene)
    timeline = build_timeline(spec)
    found = chapters(timeline, timeline.duration)
    assert len(found) >= 1 + len(spec.ops)
    assert found[0].start == 0 and found[-1].end == timeline.duration
    assert all(a.end == b.start for a, b in zip(found, found[1:], strict=False))
    check_cues(cues(timeline, timeline.duration), timeline.duration)


def test_cues_say_each_step_with_its_numbers() -> None:
    timeline = build_timeline(load(ROOT / "scenes" / "standard_conv.yaml"))
    texts = [c.text for c in cues(timeline, timeline.duration)]
    steps = [e.data["text"] for e in timeline.events if e.kind == "caption" and e.data["text"]]
    assert len(steps) == 3 and all(s in texts for s in steps)
    assert re.fullmatch(r"out\[0,0,0\] = Σ window × kernel \+ b = -?\d\.\d\d", steps[0])
    assert "the other 22 positions of output channel 0, fast-forwarded" in texts
    assert "output channels 1–7 computed at once" in texts
    assert texts[:2] == ["Standard convolution", "conv2d 3×3, 8→8"]


def test_cues_in_chinese() -> None:
    text = TWO_OPS.replace("title: Two ops", "title: 两个操作\nlabels: {language: zh}")
    timeline = build_timeline(loads(text))
    texts = [c.text for c in cues(timeline, timeline.duration)]
    assert texts[0] == "两个操作" and texts[1].startswith("二维卷积 3×3, 2→3")
    assert any("快进" in t for t in texts)


def test_vtt_text_and_times() -> None:
    assert vtt_time(83.5) == "00:01:23.500" and vtt_time(3725.0004) == "01:02:05.000"
    text = vtt_text([Cue(0, 1.25, "a --> b"), Cue(1.25, 2, "two\n\nlines")])
    assert parse_vtt(text) == [Cue(0, 1.25, "a → b"), Cue(1.25, 2, "two lines")]


def test_caption_at_and_burning() -> None:
    found = [Cue(0, 1, "first"), Cue(2, 3, "second")]
    assert [caption_at(found, t) for t in (0, 0.99, 1.5, 2, 3)] == [
        "first", "first", "", "second", "",
    ]  # fmt: skip
    frame = np.full((270, 480, 4), 230, np.uint8)
    burner = CaptionBurner(480, 270)
    assert burner.burn(frame, "") is frame
    burned = burner.burn(frame, "out[0,0,0] = Σ window × kernel + b = 0.45")
    assert burned.shape == frame.shape and burned.dtype == np.uint8
    changed = np.abs(burned.astype(int) - frame).max(axis=2) > 0
    rows = np.flatnonzero(changed.any(axis=1))
    assert rows.min() > 270 * 0.75  # a band at the bottom
    assert changed.mean() > 0.01
    # A caption too long for the width is drawn smaller, inside the frame.
    long = burner.burn(frame, "x" * 200)
    cols = np.flatnonzero((np.abs(long.astype(int) - frame).max(axis=2) > 0).any(axis=0))
    assert cols.min() > 0 and cols.max() < 479


def _render(tmp_path: Path, fmt: str, jobs: int = 1, **extra: bool) -> Path:
    out = tmp_path / f"j{jobs}" / f"two.{fmt}"
    settings = OutputSettings(out, fmt, QUALITIES["l"], **extra)  # type: ignore[arg-type]
    render_spec(loads(TWO_OPS), settings, jobs=jobs)
    return out


def _mostly_background(frame: np.ndarray) -> float:
    """Share of pixels that differ from the corner colour (the background)."""
    rgb = frame[:, :, :3].astype(int)
    return float((np.abs(rgb - rgb[2, 2]).max(axis=2) > 24).mean())


@pytest.mark.render
@pytest.mark.parametrize("fmt", ["mp4", "webm"])
@pytest.mark.parametrize("jobs", [1, 2])
def test_video_chapters_cover_and_captions(tmp_path: Path, fmt: str, jobs: int) -> None:
    import av

    out = _render(tmp_path, fmt, jobs, captions=True, poster=True)
    timeline = build_timeline(loads(TWO_OPS))
    fps = QUALITIES["l"].fps
    duration = frame_count(timeline.duration, fps) / fps  # the video's length
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert container.duration == pytest.approx(duration * 1e6, abs=1e6 / fps)
        covers = [
            s for s in container.streams if s.disposition & av.stream.Disposition.attached_pic
        ]
        cover = bytes(next(container.demux(covers[0]))) if covers else b""
        codec = video.codec_context.name
    expected = [
        Chapter(c.title, round(c.start, 3), round(c.end, 3)) for c in chapters(timeline, duration)
    ]
    assert [c.title for c in expected] == ["Two ops", "conv2d 3×3, 2→3", "max_pool2d 2×2, 3→3"]
    assert read_chapters(out) == expected
    assert expected[-1].end == pytest.approx(duration, abs=1e-3)

    check_cues(parse_vtt(out.with_suffix(".vtt").read_text(encoding="utf-8")), duration)
    poster = np.asarray(Image.open(out.with_name("two.poster.png")))
    assert poster.shape[:2] == (480, 854) and _mostly_background(poster) > 0.05
    if fmt == "mp4":  # the covr picture: the same PNG as the poster beside it
        assert len(covers) == 1 and codec == "h264"
        assert cover == out.with_name("two.poster.png").read_bytes()
    else:  # WebM allows no attached pictures
        assert covers == []


@pytest.mark.render
def test_gif_opens_on_its_poster_frame_then_plays_from_the_start(tmp_path: Path) -> None:
    from convanim.renderer import FrameFormat, frame_renderer, poster_time

    out = _render(tmp_path, "gif")
    timeline = build_timeline(loads(TWO_OPS))
    renderer = frame_renderer(timeline, FrameFormat(854, 480, 15, False))
    with Image.open(out) as gif:
        assert gif.info["duration"] == 1000  # ms: the cover held 1 s
        first = np.asarray(gif.convert("RGB"), dtype=int)
        gif.seek(1)
        second = np.asarray(gif.convert("RGB"), dtype=int)
    poster = renderer.frame_at(poster_time(timeline))[:, :, :3].astype(int)
    start = renderer.frame_at(0.0)[:, :, :3].astype(int)
    assert np.abs(first - poster).mean() < 2 and np.abs(first - start).mean() > 5
    assert np.abs(second - start).mean() < 2  # then the animation from its first frame
    assert _mostly_background(first.astype(np.uint8)) > 0.05


@pytest.mark.render
def test_burned_captions_are_in_the_gif(tmp_path: Path) -> None:
    plain = _render(tmp_path / "plain", "gif")
    burned = _render(tmp_path / "burned", "gif", burn_captions=True)
    with Image.open(plain) as a, Image.open(burned) as b:
        a.seek(3)
        b.seek(3)  # a step with its equation (the cover is image 0)
        diff = np.abs(np.asarray(a.convert("RGB"), int) - np.asarray(b.convert("RGB"), int))
    rows = np.flatnonzero((diff.max(axis=2) > 40).any(axis=1))
    assert rows.size and rows.min() > 480 * 0.75


@pytest.mark.render
@pytest.mark.parametrize("scene", SCENES, ids=lambda p: p.stem)
def test_every_scene_opens_on_blocks_and_title(scene: Path) -> None:
    """The poster frame (a GIF's first image, an MP4's cover) is not mostly background, and it
    shows the title; the scene's first frame (title alone, fading in) is."""
    from convanim.renderer import FrameFormat, frame_renderer, poster_time

    timeline = build_timeline(load(scene))
    renderer = frame_renderer(timeline, FrameFormat(480, 270, 15, False))
    poster = renderer.frame_at(poster_time(timeline))
    assert _mostly_background(poster) > 0.05
    assert _mostly_background(renderer.frame_at(0.0)) < 0.05  # what GIFs used to open on
    if timeline.title:
        assert _mostly_background(poster[: 270 // 8]) > 0.02  # the title line at the top


def test_captions_need_a_video() -> None:
    import convanim
    from convanim.errors import UsageError

    with pytest.raises(UsageError, match=r"--captions needs a video \(mp4, gif or webm\), not png"):
        convanim.render(ROOT / "scenes" / "standard_conv.yaml", format="png", captions=True)
    with pytest.raises(UsageError, match="--burn-captions needs a video"):
        convanim.render(
            ROOT / "scenes" / "standard_conv.yaml", format="png-seq", burn_captions=True
        )


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.render
def test_render_language_overrides_the_spec_and_is_part_of_the_cache_key(tmp_path: Path) -> None:
    """``render --language zh`` draws and captions an English spec in Chinese; the language is
    part of what makes an output up to date; an unknown language is a usage error."""
    from click.testing import CliRunner

    from convanim.cli import main
    from convanim.cli.options import LANGUAGE_CHOICES
    from convanim.spec import LANGUAGES

    assert LANGUAGE_CHOICES == LANGUAGES
    spec = tmp_path / "two.yaml"
    spec.write_text(TWO_OPS, encoding="utf-8")
    out, vtt = tmp_path / "two.mp4", tmp_path / "two.vtt"

    def render(*extra: str) -> str:
        args = ["render", str(spec), "--captions", "-o", str(out), *extra]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        return result.output

    render("--language", "zh")
    assert _has_chinese(vtt.read_text(encoding="utf-8"))
    assert "up to date" in render("--language", "zh")
    assert "up to date" not in render()  # the spec's own language: rendered again
    assert not _has_chinese(vtt.read_text(encoding="utf-8"))
    bad = CliRunner().invoke(main, ["render", str(spec), "--language", "fr"])
    assert bad.exit_code == 2 and "'fr' is not one of 'en', 'zh'" in bad.output


@pytest.mark.render
def test_api_render_writes_captions_beside_the_video(tmp_path: Path) -> None:
    import convanim

    spec = tmp_path / "two.yaml"
    spec.write_text(TWO_OPS, encoding="utf-8")
    out = convanim.render(spec, format="webm", output=tmp_path / "two.webm", captions=True)
    check_cues(parse_vtt((tmp_path / "two.vtt").read_text(encoding="utf-8")), 60.0)
    # Up to date only while the captions are there too.
    (tmp_path / "two.vtt").unlink()
    assert convanim.render(spec, format="webm", output=out, captions=True) == out
    assert (tmp_path / "two.vtt").is_file()
