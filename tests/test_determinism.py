"""Same input, same bytes, for every format: late in the run, under load and with ``-j 2``.

MP4 bytes once changed with what the test process had done before: x264's AVX-512 code read
bytes of its buffers that it never wrote (convanim/output/x264_cpu.py), so the same frames gave
different files in a full run and the same file alone. These tests check where that showed:
after every other test (tests/conftest.py moves the ``determinism`` marker to the end of any
run), in the process all those tests leave behind, with two busy processes loading both cores,
and with frames drawn and encoded by two worker processes. The frames are 160 and 854 pixels
wide: 10 and 54 macroblocks, row lengths that x264's AVX-512 code ran past.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from convanim.output import QUALITIES, open_writer
from convanim.output.base import FrameWriter
from convanim.pipeline import OutputSettings, render_spec
from convanim.spec import loads

from .test_output_support import moving_boxes

pytestmark = pytest.mark.determinism

FORMATS = ["mp4", "webm", "gif", "png", "png-seq"]
WRITES = 8
HOG_SECONDS = 900
"""A hog stops by itself after this long if the run dies before the fixture kills it."""

SHORT = """\
title: short
input: {shape: [3, 5, 5]}
ops: [{type: conv2d, out_channels: 2, kernel_size: 3}]
animation: {op_duration: 0.5}
"""

_HOG = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


@pytest.fixture(scope="module", autouse=True)
def cpu_hog() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Two busy processes, one per core here, for all the tests of this module."""
    code = _HOG.format(seconds=HOG_SECONDS)
    hogs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
    try:
        yield hogs
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait(timeout=30)


@pytest.fixture(autouse=True)
def _under_load(cpu_hog: list[subprocess.Popen[bytes]]) -> Iterator[None]:
    assert all(hog.poll() is None for hog in cpu_hog), "the CPU hogs are not running"
    yield
    assert all(hog.poll() is None for hog in cpu_hog), "a CPU hog stopped during the test"


def _target(folder: Path, name: str, fmt: str) -> Path:
    return folder / (name if fmt == "png-seq" else f"{name}.{fmt}")


def _written(path: Path) -> list[bytes]:
    """The bytes of a file, or of each file of a PNG sequence in name order."""
    if path.is_dir():
        return [p.read_bytes() for p in sorted(path.iterdir())]
    return [path.read_bytes()]


def _write(path: Path, fmt: str, frames: list[np.ndarray]) -> list[bytes]:
    height, width = frames[0].shape[:2]
    writer: FrameWriter
    with open_writer(path, fmt, width, height, 15) as writer:
        for frame in frames:
            writer.write(frame)
        report = writer.close()
    return _written(report.path)


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_frames_give_the_same_bytes(tmp_path: Path, fmt: str) -> None:
    """Eight writes of the same frames, each after a write of other frames at another size (so
    the memory the writer gets back was last used differently), give eight identical outputs."""
    frames = list(moving_boxes(20))
    other = list(moving_boxes(12, 144, 80))
    first = _write(_target(tmp_path, "first", fmt), fmt, frames)
    for attempt in range(1, WRITES):
        _write(_target(tmp_path, f"other{attempt}", fmt), fmt, other)
        again = _write(_target(tmp_path, f"again{attempt}", fmt), fmt, frames)
        assert again == first, f"write {attempt + 1} of the same frames differs from the first"


@pytest.mark.render
@pytest.mark.parametrize("fmt", FORMATS)
def test_two_job_renders_give_the_same_bytes(tmp_path: Path, fmt: str) -> None:
    """A scene rendered twice with two worker processes gives the same bytes (quality ``l``)."""
    spec = loads(SHORT)
    made = []
    for attempt in ("a", "b"):
        settings = OutputSettings(_target(tmp_path / attempt, "short", fmt), fmt, QUALITIES["l"])
        made.append(_written(render_spec(spec, settings, jobs=2).path))
    assert made[0] == made[1]
    if fmt == "mp4":  # really in segments: each starts with its own x264 header
        assert made[0][0].count(b" threads=1 lookahead_threads=1 ") >= 2
