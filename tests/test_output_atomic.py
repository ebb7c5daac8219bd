"""Atomic outputs: old files survive aborts, exceptions, SIGTERM, SIGINT and SIGKILL; clear errors
for folders that cannot be written."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from convanim.errors import ConvanimError, UsageError
from convanim.output import TEMP_PATHS, open_writer
from convanim.output.atomic import TempRegistry, temp_path
from convanim.output.video import VideoWriter

from .conftest import ROOT
from .test_output_support import moving_boxes, temp_leftovers

FORMATS = ["mp4", "gif", "webm", "png", "png-seq"]


def _old_output(folder: Path, fmt: str) -> Path:
    """An existing output to protect: a file, or a folder with one file for png-seq."""
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "png-seq":
        target = folder / "scene"
        target.mkdir()
        (target / "frame_000000.png").write_bytes(b"old frame")
    else:
        target = folder / f"scene.{fmt}"
        target.write_bytes(b"old output")
    return target


def _is_old(target: Path) -> bool:
    if target.is_dir():
        return [p.name for p in target.iterdir()] == ["frame_000000.png"] and (
            target / "frame_000000.png"
        ).read_bytes() == b"old frame"
    return target.read_bytes() == b"old output"


@pytest.mark.parametrize("fmt", FORMATS)
def test_abort_keeps_the_old_output(tmp_path: Path, fmt: str) -> None:
    target = _old_output(tmp_path, fmt)
    writer = open_writer(target, fmt, 160, 90, 15)
    for frame in moving_boxes(5):
        writer.write(frame)
    assert temp_leftovers(tmp_path), "frames go to a temporary file beside the target"
    writer.abort()
    assert _is_old(target)
    assert temp_leftovers(tmp_path) == []
    writer.abort()  # a second abort does nothing


@pytest.mark.parametrize("fmt", FORMATS)
def test_exception_inside_with_leaves_no_temporary_files(tmp_path: Path, fmt: str) -> None:
    target = _old_output(tmp_path, fmt)
    with pytest.raises(RuntimeError, match="renderer failed"):  # noqa: SIM117
        with open_writer(target, fmt, 160, 90, 15) as writer:
            for frame in moving_boxes(3):
                writer.write(frame)
            raise RuntimeError("renderer failed")
    assert _is_old(target)
    assert temp_leftovers(tmp_path) == []
    assert not any(str(p).startswith(str(tmp_path)) for p in TEMP_PATHS.paths())


@pytest.mark.parametrize("fmt", FORMATS)
def test_success_replaces_the_old_output(tmp_path: Path, fmt: str) -> None:
    target = _old_output(tmp_path, fmt)
    with open_writer(target, fmt, 160, 90, 15) as writer:
        for frame in moving_boxes(3):
            writer.write(frame)
    assert not _is_old(target)
    assert temp_leftovers(tmp_path) == []
    mask = os.umask(0o022)
    os.umask(mask)
    expected = (0o777 if fmt == "png-seq" else 0o666) & ~mask
    assert stat.S_IMODE(target.stat().st_mode) == expected, "permissions follow the umask"


def test_missing_folders_are_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c.mp4"
    with open_writer(target, "mp4", 160, 90, 15) as writer:
        writer.write(next(moving_boxes(1)))
    assert target.is_file()


def test_a_file_in_the_way_of_the_folder_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "media").write_bytes(b"")
    with pytest.raises(UsageError) as info:
        open_writer(tmp_path / "media" / "x.mp4", "mp4", 160, 90, 15)
    assert str(info.value) == (
        f"cannot create the output folder {tmp_path / 'media'}: "
        "a file is in the way where a folder should be"
    )
    assert info.value.exit_code == 2


def test_a_folder_in_the_way_of_the_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "x.gif").mkdir()
    with pytest.raises(UsageError, match="a folder of that name is in the way"):
        open_writer(tmp_path / "x.gif", "gif", 160, 90, 15)


_UNWRITABLE = """
import sys
from pathlib import Path
from convanim.errors import UsageError
from convanim.output import open_writer
try:
    open_writer(Path(sys.argv[1]), "mp4", 160, 90, 15)
except UsageError as err:
    print(err)
"""


def test_unwritable_folder_is_a_usage_error(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    target = folder / "x.mp4"
    expected = f"cannot write {target}: the folder {folder} is not writable (permission denied)"
    try:
        if os.geteuid() != 0:
            with pytest.raises(UsageError) as info:
                open_writer(target, "mp4", 160, 90, 15)
            assert str(info.value) == expected
            return
        # root may write anywhere: ask an unprivileged child instead.
        tmp_path.chmod(0o755)
        try:
            done = subprocess.run(
                [sys.executable, "-c", _UNWRITABLE, str(target)],
                capture_output=True,
                text=True,
                user=65534,
                group=65534,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                timeout=120,
            )
        except PermissionError:
            pytest.skip("running as root and an unprivileged user cannot run this Python")
        if done.returncode != 0 and "Permission denied" in done.stderr:
            pytest.skip("running as root and an unprivileged user cannot read the checkout")
        assert done.stdout.strip() == expected, done.stderr
    finally:
        folder.chmod(0o755)
    assert list(folder.iterdir()) == []


def test_permission_errors_are_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same message whoever runs the tests (root ignores folder permissions)."""
    import tempfile

    def denied(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(UsageError) as info:
        open_writer(tmp_path / "x.gif", "gif", 160, 90, 15)
    assert str(info.value) == (
        f"cannot write {tmp_path / 'x.gif'}: the folder {tmp_path} is not writable "
        "(permission denied)"
    )
    assert list(tmp_path.iterdir()) == []


def test_disk_full_is_a_clear_error_and_keeps_the_old_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _old_output(tmp_path, "mp4")

    def full(self: VideoWriter, frame: np.ndarray) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(VideoWriter, "_write", full)
    with pytest.raises(ConvanimError) as info:  # noqa: SIM117
        with open_writer(target, "mp4", 160, 90, 15) as writer:
            writer.write(next(moving_boxes(1)))
    assert str(info.value) == (
        f"could not write {target}: no space left on the device; the old output is unchanged"
    )
    assert _is_old(target)
    assert temp_leftovers(tmp_path) == []


def test_registry_restores_a_swapped_out_folder(tmp_path: Path) -> None:
    registry = TempRegistry()
    old = tmp_path / ".seq.old-1"
    old.mkdir()
    (old / "f.png").write_bytes(b"x")
    stray = tmp_path / ".seq.tmp-2.mp4"
    stray.write_bytes(b"partial")
    registry.add(old, restore_to=tmp_path / "seq")
    registry.add(stray)
    registry.cleanup()
    assert (tmp_path / "seq" / "f.png").read_bytes() == b"x"
    assert not stray.exists() and not old.exists()
    assert registry.paths() == []


def test_temporary_names_are_hidden_beside_the_target(tmp_path: Path) -> None:
    path = temp_path(tmp_path / "scene.mp4")
    try:
        assert path.parent == tmp_path
        assert path.name.startswith(".scene.tmp-") and path.name.endswith(".mp4")
        assert path in TEMP_PATHS.paths()
    finally:
        TEMP_PATHS.forget(path)
        path.unlink()


# -- real signals ----------------------------------------------------------------------------

_CHILD = """
import sys, time
from pathlib import Path
from convanim.output import install_signal_cleanup, open_writer
from tests.test_output_support import moving_boxes

target, fmt = Path(sys.argv[1]), sys.argv[2]
install_signal_cleanup()
with open_writer(target, fmt, 320, 180, 15) as writer:
    for i, frame in enumerate(moving_boxes(100000, 320, 180)):
        writer.write(frame)
        if i == 5:
            print("writing", flush=True)
        time.sleep(0.01)
"""


def _start_child(target: Path, fmt: str) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(target), fmt],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line == "writing\n", child.stderr.read() if child.stderr else ""
    return child


@pytest.mark.parametrize("fmt", ["mp4", "gif", "png-seq"])
def test_sigterm_removes_temporary_files_and_keeps_the_old_output(tmp_path: Path, fmt: str) -> None:
    target = _old_output(tmp_path, fmt)
    child = _start_child(target, fmt)
    assert temp_leftovers(tmp_path)
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=60) == 128 + signal.SIGTERM
    assert _is_old(target)
    assert temp_leftovers(tmp_path) == []


def test_sigint_removes_temporary_files_and_keeps_the_old_output(tmp_path: Path) -> None:
    target = _old_output(tmp_path, "webm")
    child = _start_child(target, "webm")
    child.send_signal(signal.SIGINT)
    child.wait(timeout=60)
    assert child.stderr is not None and "KeyboardInterrupt" in child.stderr.read()
    assert _is_old(target)
    assert temp_leftovers(tmp_path) == []


@pytest.mark.parametrize("fmt", ["mp4", "gif"])
def test_sigkill_keeps_the_old_output(tmp_path: Path, fmt: str) -> None:
    target = _old_output(tmp_path, fmt)
    child = _start_child(target, fmt)
    child.kill()
    assert child.wait(timeout=60) == -signal.SIGKILL
    assert _is_old(target)
    # SIGKILL cannot be caught: hidden temporary files may stay, never a broken output.
    assert all(name.startswith(".scene.tmp-") for name in temp_leftovers(tmp_path))
