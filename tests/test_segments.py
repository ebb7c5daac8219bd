"""Rendering one scene in several processes: the joined video holds exactly the segments' packets
(no re-encoding), so it decodes to the segments' frames with none lost or repeated at the seams."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from convanim.output import QUALITIES, probe
from convanim.pipeline import OutputSettings, render_spec, render_timeline
from convanim.pipeline.segments import (
    MIN_SEGMENT_SECONDS,
    SEGMENTS_PER_WORKER,
    join_packets,
    segment_ranges,
    split,
)
from convanim.spec import loads

pytestmark = pytest.mark.render

SPEC = """
input: {shape: [2, 5, 5]}
ops:
  - {type: conv2d, out_channels: 2, kernel_size: 3}
"""


def _decode(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def test_split_covers_every_frame_once() -> None:
    for total in (1, 2, 7, 171, 683):
        for parts in (1, 2, 3, 8):
            ranges = split(total, parts)
            frames = [i for a, b in ranges for i in range(a, b)]
            assert frames == list(range(total))
            assert len(ranges) == min(parts, total)


@pytest.mark.parametrize("workers", [1, 2, 3, 8])
@pytest.mark.parametrize("fps", [15, 60])
@pytest.mark.parametrize("total", [1, 2, 5, 29, 30, 171, 683, 4898])
def test_segment_ranges_give_every_worker_work_and_no_tiny_segments(
    total: int, fps: int, workers: int
) -> None:
    ranges = segment_ranges(total, workers, fps)
    assert [i for a, b in ranges for i in range(a, b)] == list(range(total))
    assert len(ranges) >= min(workers, total)  # every worker gets a segment when it can
    assert len(ranges) <= max(workers, workers * SEGMENTS_PER_WORKER)
    if len(ranges) > workers:  # more than one each only where segments stay long enough
        assert min(b - a for a, b in ranges) >= int(MIN_SEGMENT_SECONDS * fps) - 1


def test_segment_ranges_of_the_default_video() -> None:
    # The standard conv at 1080p60 (683 frames) with -j 2: five segments of about 2.3 s.
    assert segment_ranges(683, 2, 60) == [(0, 137), (137, 273), (273, 410), (410, 546), (546, 683)]
    assert segment_ranges(683, 1, 60) == split(683, 3)


@pytest.mark.parametrize("fmt", ["mp4", "webm"])
def test_join_copies_packets_bit_exactly(tmp_path: Path, fmt: str) -> None:
    from convanim.output import open_writer

    rng = np.random.default_rng(0)
    parts, expected = [], []
    for k in range(3):
        path = tmp_path / f"part{k}.{fmt}"
        with open_writer(path, fmt, 64, 48, 15) as writer:
            for _ in range(5 + k):
                frame = np.zeros((48, 64, 4), np.uint8)
                frame[..., 3] = 255
                frame[:, :, :3] = rng.integers(0, 255, 3)
                writer.write(frame)
            writer.close()
        parts.append(path)
        expected.extend(_decode(path))
    joined = tmp_path / f"joined.{fmt}"
    join_packets(parts, joined, fmt)
    got = _decode(joined)
    assert len(got) == len(expected) == 5 + 6 + 7
    for a, b in zip(got, expected, strict=True):
        assert np.array_equal(a, b)
    info = probe(joined)
    assert info.frames == 18 and info.fps == pytest.approx(15)


def test_segmented_render_has_every_frame(tmp_path: Path) -> None:
    spec = loads(SPEC)
    quality = QUALITIES["l"]
    one = render_spec(spec, OutputSettings(tmp_path / "one.mp4", "mp4", quality))
    two = render_spec(spec, OutputSettings(tmp_path / "two.mp4", "mp4", quality), jobs=2)
    assert one.frames == two.frames == probe(tmp_path / "two.mp4").frames
    a, b = _decode(tmp_path / "one.mp4"), _decode(tmp_path / "two.mp4")
    assert len(a) == len(b)
    # Separately encoded, so not byte-equal, but the same pictures (lossy-coding noise only).
    diff = np.mean(
        [np.abs(x.astype(int) - y.astype(int)).mean() for x, y in zip(a, b, strict=True)]
    )
    assert diff < 1.0
    assert not list(tmp_path.glob(".*"))  # no temporary segments left behind
    # Each worker encodes with one thread (two workers on two cores, not two times x264's own
    # thread pool), and every segment starts with its own key frame and encoder header.
    segments = two.path.read_bytes().count(b" threads=1 lookahead_threads=1 ")
    assert segments == len(segment_ranges(one.frames, 2, quality.fps)) >= 2


def test_segmented_gif_feeds_one_writer(tmp_path: Path) -> None:
    from convanim.pipeline import build_timeline

    timeline = build_timeline(loads(SPEC))
    report = render_timeline(
        timeline, OutputSettings(tmp_path / "x.gif", "gif", QUALITIES["l"]), jobs=2
    )
    assert report.path.exists() and probe(report.path).codec == "gif"


@pytest.mark.parametrize("scene", ["standard_conv", "transposed_conv", "shufflenet_unit"])
def test_a_frame_does_not_depend_on_the_frames_drawn_before(scene: str) -> None:
    """Segments, slides, posters and covers each start drawing somewhere in the middle: a renderer
    that has drawn a late frame first (or jumped backwards) must give the same frames as one that
    went through the video in order."""
    from convanim.pipeline import build_timeline
    from convanim.renderer import FrameFormat, frame_renderer
    from convanim.spec import load

    from .conftest import ROOT

    timeline = build_timeline(load(ROOT / "scenes" / f"{scene}.yaml"))
    fmt = FrameFormat(240, 135, 5)
    in_order = [frame.copy() for frame in frame_renderer(timeline, fmt).frames()]
    jumping = frame_renderer(timeline, fmt)
    jumping.frame_at(timeline.duration - 0.5)
    jumping.frame_at(timeline.duration * 0.5)
    again = [frame.copy() for frame in jumping.frames()]
    differing = [
        i for i, (a, b) in enumerate(zip(in_order, again, strict=True)) if not np.array_equal(a, b)
    ]
    assert not differing, f"frames {differing[:10]} changed after drawing later frames first"
