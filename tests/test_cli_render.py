"""``convanim render``: real renders decoded back (codec, size, fps, frame count, motion) and the
error paths of the command line (exit 2 with one clean message, the batch goes on)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from convanim.cli import main
from convanim.engine import plan
from convanim.output import probe
from convanim.output.gif import COVER_SECONDS
from convanim.spec import load
from convanim.storyboard import build

from .conftest import SCENES

pytestmark = pytest.mark.render

STANDARD = SCENES / "standard_conv.yaml"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _expected_frames(scene: Path, fps: int) -> int:
    return math.ceil(build(plan(load(scene))).duration * fps)


def _decoded_frames(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("render")
    paths = {}
    for fmt in ("mp4", "gif", "webm", "png"):
        target = out / f"standard.{fmt}"
        code, stdout, stderr = _run("render", str(STANDARD), "--format", fmt, "-o", str(target))
        assert code == 0, stderr
        assert stdout.startswith(f"wrote {target}")
        paths[fmt] = target
    return paths


def test_mp4_is_h264_yuv420p_480p15_with_every_frame(rendered: dict[str, Path]) -> None:
    info = probe(rendered["mp4"])
    assert (info.codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", 854, 480)
    assert info.fps == pytest.approx(15)
    assert info.frames == _expected_frames(STANDARD, 15)
    head = rendered["mp4"].read_bytes()[:4096]
    assert head.find(b"moov") != -1 and head.find(b"moov") < max(head.find(b"mdat"), 4096)


def test_mp4_moves_and_is_not_blank(rendered: dict[str, Path]) -> None:
    frames = _decoded_frames(rendered["mp4"]).astype(np.int16)
    assert frames[0].std() > 2  # the title is there from the first frame
    assert frames[8:].std(axis=(1, 2, 3)).min() > 5  # after the fade-in, never a flat frame
    changes = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))
    assert (changes > 0.05).sum() > len(changes) // 3  # the kernel moves most of the time


def test_gif_fits_and_keeps_the_frame_rate(rendered: dict[str, Path]) -> None:
    info = probe(rendered["gif"])
    assert info.codec == "gif" and info.width >= 854
    assert rendered["gif"].stat().st_size <= 5_000_000
    # The animation, after its cover (the poster frame) held COVER_SECONDS.
    expected = _expected_frames(STANDARD, 15) / 15 + COVER_SECONDS
    assert info.duration == pytest.approx(expected, abs=0.1)


def test_webm_is_vp9_and_png_is_a_poster(rendered: dict[str, Path]) -> None:
    assert probe(rendered["webm"]).codec == "vp9"
    still = probe(rendered["png"])
    assert (still.codec, still.width, still.height) == ("png", 854, 480)


def test_default_output_goes_to_media(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scene = tmp_path / "tiny.yaml"
    scene.write_text(
        "input: {shape: [1, 3, 3]}\nops:\n  - {type: conv2d, out_channels: 1, kernel_size: 2}\n"
    )
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = _run("render", "tiny.yaml", "--format", "png")
    assert code == 0, stderr
    assert (tmp_path / "media" / "tiny.png").exists()


def test_bad_spec_exits_2_with_the_file_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "input: {shape: [8, 7, 7]}\n"
        "ops:\n  - {type: conv2d, out_channels: 8, kernel_size: 3, groups: 3}\n"
    )
    code, stdout, stderr = _run("render", str(bad))
    assert code == 2
    assert stderr.startswith(f"convanim: error: {bad}:3:")
    assert "groups=3 does not divide" in stderr and "Traceback" not in stderr


def test_unknown_format_and_unwritable_path_exit_2(tmp_path: Path) -> None:
    code, _, stderr = _run("render", str(STANDARD), "--format", "avi")
    assert code == 2 and "avi" in stderr
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, stderr = _run("render", str(STANDARD), "--format", "png", "-o", str(blocker / "x.png"))
    assert code == 2 and stderr.startswith("convanim: error:")
    assert "Traceback" not in stderr


def test_batch_renders_the_good_specs_and_fails_overall(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    shutil.copy(SCENES / "pointwise_conv.yaml", good)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "input: {shape: [0, 7, 7]}\nops:\n  - {type: conv2d, out_channels: 1, kernel_size: 3}\n"
    )
    out = tmp_path / "out"
    code, stdout, stderr = _run("render", str(bad), str(good), "--format", "png", "-o", str(out))
    assert code == 2
    assert (out / "good.png").exists() and not (out / "bad.png").exists()
    assert "1 of 2 specs failed" in stderr
