"""GIF: exact flat colours, holds, changed rectangles, timing, palette, size budget, memory."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from convanim.errors import ConvanimError
from convanim.output import OutputReport, open_writer, probe
from convanim.output.gif import frame_schedule, gif_fps, search_settings
from convanim.output.palette import (
    ColorCounter,
    PaletteMapper,
    build_palette,
    histogram,
    pack_rgb,
)

from .conftest import ROOT
from .test_output_support import (
    decode_gif,
    gif_images,
    gradient_frames,
    moving_boxes,
    noisy_frames,
    temp_leftovers,
)


def _write(path: Path, frames: list[np.ndarray], fps: int = 15, **options: object) -> OutputReport:
    height, width = frames[0].shape[:2]
    with open_writer(path, "gif", width, height, fps, **options) as writer:  # type: ignore[arg-type]
        for frame in frames:
            writer.write(frame)
        return writer.close()


def _shown_at(frames: list[np.ndarray], decoded: list[tuple[np.ndarray, int]], fps: float):
    """Pairs (decoded image, source frame shown at its start time)."""
    t = 0
    for image, duration in decoded:
        yield image, frames[min(len(frames) - 1, round(t * fps / 1000))]
        t += duration


# -- timing ----------------------------------------------------------------------------------


def test_frame_schedule_keeps_the_total_duration() -> None:
    sources, times = frame_schedule(75, 15, 15)
    assert sources == list(range(75))
    assert times[-1] == 500
    delays = np.diff(times)
    assert set(delays) == {6, 7}
    assert sources == sorted(sources)


def test_frame_schedule_halves_60fps() -> None:
    assert gif_fps(60) == 30
    assert gif_fps(15) == 15
    assert gif_fps(50) == 50
    sources, times = frame_schedule(120, 60, gif_fps(60))
    assert sources == list(range(0, 120, 2))
    assert times[-1] == 200
    assert min(np.diff(times)) >= 3


def test_frame_schedule_to_12fps() -> None:
    sources, times = frame_schedule(150, 15, 12)
    assert len(sources) == 120
    assert times[-1] == 1000
    assert sources[:6] == [0, 1, 2, 3, 5, 6]


def test_search_order_is_best_looking_first() -> None:
    preferred, fallback = search_settings(854, 15)
    assert [(s.fps, s.scale, s.colors) for s in preferred[:4]] == [
        (15, 1.0, 256),
        (15, 1.0, 128),
        (15, 1.0, 64),
        (12, 1.0, 256),
    ]
    assert all(s.fps >= 12 and s.size(854, 480)[0] >= 640 for s in preferred)
    assert preferred[-1].size(854, 480) == (640, 360)
    assert all(s.fps < 12 or s.size(854, 480)[0] < 640 for s in fallback)
    assert [(s.fps, s.size(854, 480), s.colors) for s in fallback[:4]] == [
        (10, (640, 360), 64),
        (10, (640, 360), 32),
        (10, (512, 288), 64),
        (10, (512, 288), 32),
    ]
    # A 60 fps source starts at 30 fps; a small one never scales up or below itself first.
    assert search_settings(1920, 60)[0][0].fps == 30
    assert {s.scale for s in search_settings(320, 15)[0]} == {1.0}


# -- content ---------------------------------------------------------------------------------


def test_flat_colours_are_exact_and_durations_add_up(tmp_path: Path) -> None:
    frames = list(moving_boxes(30))
    report = _write(tmp_path / "a.gif", frames)
    decoded = decode_gif(report.path)
    for image, source in _shown_at(frames, decoded, 15):
        assert np.array_equal(image, source[:, :, :3])
    assert sum(d for _, d in decoded) == 2000
    assert all(d >= 20 for _, d in decoded)
    assert report.gif is not None
    assert (report.fps, report.width, report.height, report.frames) == (15.0, 160, 90, 30)
    assert report.gif.images == len(decoded) == 30
    info = probe(report.path)
    assert (info.codec, info.width, info.height, info.frames) == ("gif", 160, 90, 30)
    assert info.duration == pytest.approx(2.0)


def test_unchanged_frames_become_holds(tmp_path: Path) -> None:
    frames = list(moving_boxes(30, hold=5))  # each position shown for 5 frames
    report = _write(tmp_path / "a.gif", frames)
    _, _, images = gif_images(report.path)
    assert len(images) == 6
    assert [im.delay for im in images] == [33, 34, 33, 33, 34, 33]
    assert sum(im.delay for im in images) == 200


def test_only_the_changed_rectangle_is_stored(tmp_path: Path) -> None:
    frames = [next(moving_boxes(1, 200, 120))]
    second = frames[0].copy()
    second[50:60, 100:130, :3] = (250, 250, 250)
    frames.append(second)
    report = _write(tmp_path / "a.gif", frames)
    size, _, images = gif_images(report.path)
    assert size == (200, 120)
    first, patch = images
    assert (first.left, first.top, first.width, first.height) == (0, 0, 200, 120)
    assert not first.transparent
    assert (patch.left, patch.top, patch.width, patch.height) == (100, 50, 30, 10)
    assert patch.transparent and patch.disposal == 1


def test_many_colours_get_a_good_global_palette(tmp_path: Path) -> None:
    frames = list(gradient_frames(10))
    assert len(np.unique(pack_rgb(frames[0][:, :, :3]))) > 1000
    report = _write(tmp_path / "g.gif", frames)
    _, entries, _ = gif_images(report.path)
    assert entries == 256
    for image, source in _shown_at(frames, decode_gif(report.path), 15):
        error = np.abs(image.astype(int) - source[:, :, :3].astype(int))
        assert error.mean() < 4.0
        # The flat box keeps its exact colour (no dithering noise).
        assert np.all(image[12:28, 22:38] == (250, 250, 250))


def test_sixty_fps_becomes_thirty(tmp_path: Path) -> None:
    report = _write(tmp_path / "a.gif", list(moving_boxes(60)), fps=60)
    assert report.fps == 30.0 and report.frames == 30
    _, _, images = gif_images(report.path)
    assert sum(im.delay for im in images) == 100
    assert min(im.delay for im in images) >= 3


# -- palette ---------------------------------------------------------------------------------


def test_palette_keeps_few_colours_exactly() -> None:
    frames = list(moving_boxes(4))
    hist = histogram(frames[:1])
    palette = build_palette(hist, 255)
    assert len(palette) == len(hist.colors) == 7
    mapper = PaletteMapper(palette)
    indices = mapper.map(frames[0][:, :, :3])
    assert np.array_equal(palette[indices], frames[0][:, :, :3])


def test_palette_keeps_frequent_colours_and_maps_to_nearest() -> None:
    rng = np.random.default_rng(3)
    frame = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    frame[:32] = (10, 200, 30)  # half the pixels: one flat colour
    palette = build_palette(histogram([frame]), 16)
    assert len(palette) == 16
    assert any((palette == (10, 200, 30)).all(axis=1))
    indices = PaletteMapper(palette).map(frame)
    assert np.all(palette[indices[:32]] == (10, 200, 30))
    # Every pixel maps to its nearest palette colour (weighted distance).
    weights = np.array([3.0, 4.0, 2.0])
    d = (((frame[32:, :, None, :] - palette[None, None].astype(float)) * weights) ** 2).sum(-1)
    chosen = np.take_along_axis(d, indices[32:, :, None].astype(int), axis=-1)[..., 0]
    assert np.allclose(chosen, d.min(axis=-1))


def test_colour_counter_sees_thin_lines_and_late_colours() -> None:
    counter = ColorCounter()
    frames = list(moving_boxes(3))
    late = frames[2].copy()
    late[40, 10:12, :3] = (1, 2, 3)  # two pixels, in one frame only
    for frame in [*frames[:2], late]:
        counter.add(frame[:, :, :3])
    colors = set(counter.histogram().colors.tolist())
    assert int(pack_rgb(np.array([1, 2, 3], np.uint8))) in colors
    edge = np.array(frames[0][2 + 15 - 1, 5, :3])
    assert int(pack_rgb(edge)) in colors


# -- size ------------------------------------------------------------------------------------


def test_flat_animation_at_480p_is_small(tmp_path: Path) -> None:
    """A 5 s, 854×480@15 animation of flat boxes: a few hundred KB at full settings."""
    report = _write(tmp_path / "boxes.gif", list(moving_boxes(75, 854, 480)))
    assert report.gif is not None
    assert (report.width, report.fps, report.gif.colors) == (854, 15.0, 256)
    assert report.bytes < 250_000
    _, _, images = gif_images(report.path)
    assert len(images) == 75
    assert sum(im.delay for im in images) == 500
    assert all(im.width * im.height < 854 * 480 / 2 for im in images[1:])


def test_max_bytes_is_honoured_and_reported(tmp_path: Path) -> None:
    frames = list(gradient_frames(12, 854, 480))
    full = _write(tmp_path / "full.gif", frames)
    budget = int(full.bytes * 0.6)
    report = _write(tmp_path / "fit.gif", frames, max_bytes=budget)
    assert report.bytes <= budget
    choice = report.gif
    assert choice is not None
    first = choice.attempts[0]
    assert (first.fps, first.scale, first.colors) == (15.0, 1.0, 256)
    assert first.bytes > budget
    last = choice.attempts[-1]
    assert last.complete and last.bytes == report.bytes
    assert (choice.fps, choice.scale, choice.colors) == (last.fps, last.scale, last.colors)
    assert (report.width, report.height) == (choice.width, choice.height)
    assert probe(report.path).width == choice.width
    assert "chosen after" in report.note
    assert temp_leftovers(tmp_path) == []


def test_hopeless_groups_are_skipped(tmp_path: Path) -> None:
    """A 256-colour pass far over budget skips the smaller palettes of its rate and scale."""
    frames = list(gradient_frames(12, 854, 480))
    full = _write(tmp_path / "full.gif", frames)
    budget = int(full.bytes * 0.2)
    report = _write(tmp_path / "fit.gif", frames, max_bytes=budget)
    assert report.bytes <= budget
    assert report.gif is not None
    attempts = report.gif.attempts
    assert (attempts[0].fps, attempts[0].scale, attempts[0].colors) == (15.0, 1.0, 256)
    assert not attempts[0].complete
    assert (attempts[1].fps, attempts[1].scale, attempts[1].colors) == (12.0, 1.0, 256)
    assert all(a.bytes > budget for a in attempts[:-1])


def test_max_bytes_that_fits_at_once_changes_nothing(tmp_path: Path) -> None:
    report = _write(tmp_path / "a.gif", list(moving_boxes(10)), max_bytes=10_000_000)
    assert report.gif is not None
    assert len(report.gif.attempts) == 1
    assert (report.gif.fps, report.gif.scale, report.gif.colors) == (15.0, 1.0, 256)


def test_impossible_budget_is_an_error_and_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "a.gif"
    target.write_bytes(b"old gif")
    with pytest.raises(ConvanimError) as info:
        _write(target, list(noisy_frames(4, 320, 180)), max_bytes=600)
    message = str(info.value)
    assert message.startswith(f"cannot fit the GIF {target} in 600 B: the smallest try (")
    assert "allow a larger size, shorten the scene or use mp4/webm" in message
    assert target.read_bytes() == b"old gif"
    assert temp_leftovers(tmp_path) == []


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_long_gif_memory_stays_low(tmp_path: Path) -> None:
    """450 frames of 854×480 (30 s at 15 fps): frames spill to disk, peak RSS well under 1 GB."""
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from tests.test_output_support import moving_boxes
        from convanim.output import open_writer
        with open_writer(Path({str(tmp_path / "long.gif")!r}), "gif", 854, 480, 15) as w:
            for frame in moving_boxes(450, 854, 480):
                w.write(frame)
            report = w.close()
        # VmHWM: this process's peak RSS (ru_maxrss would include the forking pytest's).
        status = Path("/proc/self/status").read_text()
        peak = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
        print(report.frames, peak)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=True
    )
    frames, peak_kb = map(int, done.stdout.split())
    assert frames == 450
    assert peak_kb < 300 * 1024, f"peak RSS {peak_kb / 1024:.0f} MB"
