"""Frame goldens, on the model of manim's graphical tests.

A test renders a few frames of a scene at low resolution and compares them with stored control
data (``tests/goldens/frames/<name>.npy.xz``: the frames as a uint8 (T, H, W, 3) RGB array
written by ``np.save`` and compressed with xz; the frames are opaque, so alpha is not stored).
``pytest --update-goldens`` rewrites the control data; ``python tools/dump_goldens.py`` writes
every stored frame (and, for a failing one, the new frame and a diff) to PNG so a person can look
at what was approved.
"""

from __future__ import annotations

import io
import lzma
from collections.abc import Callable
from pathlib import Path

import numpy as np

from convanim.engine import plan
from convanim.spec import load
from convanim.storyboard import build
from convanim.storyboard.timeline import Timeline

FRAMES_DIR = Path(__file__).resolve().parent / "goldens" / "frames"
FAILED_DIR = FRAMES_DIR.parent / "failed"
SUFFIX = ".npy.xz"
GOLDEN_SIZE = (480, 270)
"""Width, height of golden frames. At 480x270 the smallest text (the shape table) is large
enough that changing one digit changes 12 or more pixels beyond the tolerance (at 320x180 as
few as 7), and xz keeps a frame at about 30 KB, what a 320x180 frame took as a compressed .npz."""
TOLERANCE = 8
"""Largest difference (of 255, in any RGB channel) that counts as equal. Frames are
deterministic Cairo output: today two renders, in one process or two, differ in no pixel at all.
8 levels absorb the anti-aliasing rounding by which Cairo / pixman builds can differ (a level or
two on edge pixels) with room to spare, while a glyph stroke that appears, vanishes or moves
changes its pixels by far more (text is dark on a light ground)."""
MAX_MISMATCHED_PIXELS = 4
"""Pixels of one frame allowed beyond the tolerance: a few stray glyph-edge pixels, no more.
Measured on the standard conv at 480x270: of all 243 single-digit changes to its shape table,
formula results and counts, the least visible (a table "3 -> 2", a formula result "5 -> 3")
change 12 pixels beyond the tolerance, a digit of the counts at least 18; removing the counts
overlay changes 736, blanking the step caption 866. So 4 lets a stray pixel or two of another
font rasteriser through while any missing label or changed digit fails with a margin of 3x
(tests/test_frame_tolerance.py keeps the worst cases). A Pango / FreeType that moves glyphs
fails on purpose: look at the frames with tools/dump_goldens.py, then regenerate."""


def golden_path(name: str) -> Path:
    """Where the control frames of ``name`` are stored."""
    return FRAMES_DIR / f"{name}{SUFFIX}"


def save_frames(path: Path, frames: np.ndarray) -> None:
    """Store uint8 frames (T, H, W, 3) as ``np.save`` bytes compressed with xz."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(frames, dtype=np.uint8), allow_pickle=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(lzma.compress(buffer.getvalue(), preset=9 | lzma.PRESET_EXTREME))


def load_frames(path: Path) -> np.ndarray:
    """Frames stored by :func:`save_frames`."""
    return np.load(io.BytesIO(lzma.decompress(path.read_bytes())), allow_pickle=False)


def render_scene_frames(
    scene: Path,
    fractions: tuple[float, ...],
    edit: Callable[[Timeline], Timeline] | None = None,
) -> np.ndarray:
    """Frames (T, H, W, 4) at the given fractions of the scene's duration.

    ``edit`` changes the timeline before rendering (the tolerance tests use it to drop a label
    or change a number and check that the comparison notices).
    """
    from convanim.renderer.manim.frames import FrameFormat, FrameRenderer

    timeline = build(plan(load(scene)))
    if edit is not None:
        timeline = edit(timeline)
    width, height = GOLDEN_SIZE
    renderer = FrameRenderer(timeline, FrameFormat(width, height, 15))
    return np.stack([renderer.frame_at(f * timeline.duration) for f in fractions])


def mismatched_pixels(expected: np.ndarray, frames: np.ndarray) -> list[int]:
    """Per frame, the number of pixels whose RGB differs by more than :data:`TOLERANCE`."""
    diff = np.abs(expected.astype(np.int16) - frames[..., :3].astype(np.int16)).max(axis=-1)
    return [int(n) for n in (diff > TOLERANCE).sum(axis=(1, 2))]


def compare_with_golden(
    name: str, frames: np.ndarray, update: bool, *, keep_failed: bool = True
) -> None:
    """Assert ``frames`` (T, H, W, 4) equal the stored control data (or store them).

    On a mismatch the new frames are saved to ``tests/goldens/failed/`` (unless
    ``keep_failed`` is false) for ``tools/dump_goldens.py``.
    """
    assert (frames[..., 3] == 255).all(), f"{name}: golden frames must be opaque"
    rgb = frames[..., :3]
    path = golden_path(name)
    if update:
        save_frames(path, rgb)
        return
    if not path.exists():
        raise AssertionError(f"no frame golden {path.name}: run pytest --update-goldens")
    expected = load_frames(path)
    assert expected.shape == rgb.shape, f"{name}: shape {rgb.shape} != golden {expected.shape}"
    for index, bad in enumerate(mismatched_pixels(expected, rgb)):
        if bad > MAX_MISMATCHED_PIXELS:
            where = "not saved"
            if keep_failed:
                save_frames(FAILED_DIR / path.name, rgb)
                where = f"new frames saved to {FAILED_DIR}; look with tools/dump_goldens.py"
            raise AssertionError(
                f"{name} frame {index}: {bad} pixels differ by more than {TOLERANCE} "
                f"(allowed {MAX_MISMATCHED_PIXELS}); {where}"
            )
