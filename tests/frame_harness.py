"""Frame goldens, on the model of manim's graphical tests.

A test renders a few frames of a scene at low resolution and compares them with stored uint8
control data (``tests/goldens/frames/<name>.npz``), allowing ±1 per channel for anti-aliasing
noise. ``pytest --update-goldens`` rewrites the control data; ``python tools/dump_goldens.py``
writes every stored frame (and, for a failing one, the new frame and a diff) to PNG so a person can
look at what was approved.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from convanim.engine import plan
from convanim.spec import load
from convanim.storyboard import build

FRAMES_DIR = Path(__file__).resolve().parent / "goldens" / "frames"
GOLDEN_SIZE = (320, 180)
"""Width, height of golden frames: small enough to store, large enough to show layout and colour."""
TOLERANCE = 1
"""Largest per-channel difference that counts as equal."""
MAX_MISMATCH_FRACTION = 0.002
"""Share of pixels allowed beyond the tolerance (font hinting differs between library builds)."""


def render_scene_frames(scene: Path, fractions: tuple[float, ...]) -> np.ndarray:
    """Frames (T, H, W, 4) at the given fractions of the scene's duration."""
    from convanim.renderer.manim.frames import FrameFormat, FrameRenderer

    timeline = build(plan(load(scene)))
    width, height = GOLDEN_SIZE
    renderer = FrameRenderer(timeline, FrameFormat(width, height, 15))
    return np.stack([renderer.frame_at(f * timeline.duration) for f in fractions])


def compare_with_golden(name: str, frames: np.ndarray, update: bool) -> None:
    """Assert ``frames`` equal the stored control data (or store them when ``update``)."""
    path = FRAMES_DIR / f"{name}.npz"
    if update:
        FRAMES_DIR.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, frames=frames.astype(np.uint8))
        return
    if not path.exists():
        raise AssertionError(f"no frame golden {path.name}: run pytest --update-goldens")
    expected = np.load(path)["frames"]
    assert expected.shape == frames.shape, (
        f"{name}: shape {frames.shape} != golden {expected.shape}"
    )
    diff = np.abs(expected.astype(np.int16) - frames.astype(np.int16)).max(axis=-1)
    for index in range(len(frames)):
        bad = float((diff[index] > TOLERANCE).mean())
        if bad > MAX_MISMATCH_FRACTION:
            failed = FRAMES_DIR.parent / "failed"
            failed.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(failed / f"{name}.npz", frames=frames.astype(np.uint8))
            raise AssertionError(
                f"{name} frame {index}: {bad:.2%} of pixels differ by more than {TOLERANCE} "
                f"(allowed {MAX_MISMATCH_FRACTION:.2%}); new frames saved to {failed}; "
                "look with tools/dump_goldens.py"
            )
