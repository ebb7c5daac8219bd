"""Atomic outputs: temporary files in the target folder, renamed into place when complete.

A writer asks :func:`temp_path` for a hidden temporary name beside its target
(``media/.scene.tmp-k3x9.mp4``), writes there, and :func:`commit` fsyncs it and renames it over
the target with :func:`os.replace`. A crash at any moment (even SIGKILL) therefore leaves the old
output untouched; only the temporary file can be left behind.

Temporary paths are listed in :data:`TEMP_PATHS` while they exist, so that the handler installed
by :func:`install_signal_cleanup` can remove them when SIGTERM or SIGINT arrives. That registry is
the one piece of process-wide state in this package: a signal handler has no other way to find
the files of writers that are open somewhere down the call stack.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import FrameType

from convanim.errors import ConvanimError, UsageError

__all__ = [
    "TEMP_PATHS",
    "TempRegistry",
    "commit",
    "discard",
    "install_signal_cleanup",
    "prepare_folder",
    "temp_path",
    "write_bytes",
    "write_error",
]


class TempRegistry:
    """Temporary paths that must not outlive the process.

    Each entry is a path and, optionally, a place to move it back to: the old output of a
    ``png-seq`` being swapped out is restored rather than deleted if the process stops in the
    middle of the swap.
    """

    def __init__(self) -> None:
        self._entries: dict[Path, Path | None] = {}
        # Re-entrant: the signal handler runs cleanup() in the main thread, possibly while that
        # thread is inside add() or forget().
        self._lock = threading.RLock()

    def add(self, path: Path, restore_to: Path | None = None) -> None:
        """Remember ``path`` (to delete, or to move back to ``restore_to``)."""
        with self._lock:
            self._entries[path] = restore_to

    def forget(self, path: Path) -> None:
        """Stop tracking ``path`` (it was committed or removed)."""
        with self._lock:
            self._entries.pop(path, None)

    def clear(self) -> None:
        """Forget every path without touching it (a forked child owns none of its parent's)."""
        with self._lock:
            self._entries.clear()

    def paths(self) -> list[Path]:
        """The paths tracked now, oldest first."""
        with self._lock:
            return list(self._entries)

    def cleanup(self) -> None:
        """Remove every tracked path (restoring swapped-out outputs); never raises."""
        with self._lock:
            entries = list(self._entries.items())
            self._entries.clear()
        for path, restore_to in reversed(entries):
            if restore_to is not None and not os.path.lexists(restore_to):
                # An old output moved aside: put it back, and never delete it.
                with contextlib.suppress(OSError):
                    os.replace(path, restore_to)
                continue
            remove_quietly(path)


#: The process-wide registry of live temporary outputs (see the module docstring).
TEMP_PATHS = TempRegistry()


def remove_quietly(path: Path) -> None:
    """Delete a file or folder tree if it exists; ignore errors."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def _reason(err: OSError) -> str:
    if err.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if err.errno == errno.EROFS:
        return "read-only file system"
    if err.errno == errno.ENOSPC:
        return "no space left on the device"
    if err.errno in (errno.ENOTDIR, errno.EEXIST):
        return "a file is in the way where a folder should be"
    return err.strerror or str(err)


def prepare_folder(target: Path, *, is_dir: bool = False) -> Path:
    """Create the folder of ``target`` if missing and check that the target can be replaced.

    Parameters
    ----------
    target : Path
        The output path.
    is_dir : bool
        True if the output is a folder (``png-seq``), false for a file.

    Returns
    -------
    Path
        The folder the output goes into.

    Raises
    ------
    UsageError
        If the folder cannot be created or written to, or a folder stands where a file should
        go (or the reverse).
    """
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot create the output folder {folder}: {_reason(err)}") from None
    if not folder.is_dir():
        raise UsageError(f"cannot write {target}: {folder} is not a folder")
    if target.exists() and target.is_dir() != is_dir:
        kind = "a folder" if target.is_dir() else "a file"
        raise UsageError(f"cannot write {target}: {kind} of that name is in the way")
    return folder


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def temp_path(target: Path, *, suffix: str | None = None, is_dir: bool = False) -> Path:
    """Create a hidden temporary file (or folder) beside ``target`` and register it.

    The name is ``.{stem}.tmp-XXXXXXXX{suffix}`` in the target's folder, so that the final
    :func:`os.replace` stays on one file system. The folder must exist (see
    :func:`prepare_folder`).

    Parameters
    ----------
    target : Path
        The output the temporary path stands in for.
    suffix : str, optional
        File extension of the temporary path (default: the target's, so that tools that look
        at the extension see the right format).
    is_dir : bool
        Create a folder instead of a file.

    Raises
    ------
    UsageError
        If the folder is not writable.
    """
    folder = target.parent
    suffix = target.suffix if suffix is None else suffix
    prefix = f".{target.stem or target.name}.tmp-"
    try:
        if is_dir:
            name = tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=folder)
            os.chmod(name, 0o777 & ~_umask())
        else:
            fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
            os.close(fd)
            os.chmod(name, 0o666 & ~_umask())
    except OSError as err:
        raise UsageError(
            f"cannot write {target}: the folder {folder} is not writable ({_reason(err)})"
        ) from None
    path = Path(name)
    TEMP_PATHS.add(path)
    return path


def _fsync_path(path: Path, *, directory: bool = False) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        if directory:  # some file systems cannot open folders; the rename is still atomic
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


def commit(temp: Path, target: Path) -> None:
    """Flush ``temp`` to disk and rename it over ``target`` atomically.

    For a folder (``png-seq``) the files inside are flushed, an existing target folder is moved
    aside, the new one renamed into place and the old one deleted. If the process dies between
    the two renames, the old folder survives under a hidden ``.{name}.old-*`` name (and is
    moved back by the signal handler on SIGTERM/SIGINT).

    Raises
    ------
    ConvanimError
        If flushing or renaming fails (disk full, file system errors).
    """
    try:
        if temp.is_dir():
            for child in sorted(temp.iterdir()):
                _fsync_path(child)
            _fsync_path(temp, directory=True)
            _swap_folder(temp, target)
        else:
            _fsync_path(temp)
            os.replace(temp, target)
        TEMP_PATHS.forget(temp)
        _fsync_path(target.parent, directory=True)
    except OSError as err:
        raise write_error(target, err) from None


def _swap_folder(temp: Path, target: Path) -> None:
    if not target.exists():
        os.replace(temp, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rmdir(old)
    TEMP_PATHS.add(old, restore_to=target)
    os.replace(target, old)
    try:
        os.replace(temp, target)
    except OSError:
        os.replace(old, target)
        TEMP_PATHS.forget(old)
        raise
    TEMP_PATHS.forget(old)
    shutil.rmtree(old, ignore_errors=True)


def discard(path: Path) -> None:
    """Remove a temporary path and stop tracking it."""
    remove_quietly(path)
    TEMP_PATHS.forget(path)


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` at ``path`` atomically: a temporary file beside it, renamed into place."""
    prepare_folder(path)
    temp = temp_path(path)
    try:
        temp.write_bytes(data)
        commit(temp, path)
    except BaseException:
        discard(temp)
        raise


def write_error(target: Path, err: OSError) -> ConvanimError:
    """A clear error for an OS failure while writing ``target`` (disk full, I/O error...)."""
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return UsageError(f"cannot write {target}: {_reason(err)}")
    return ConvanimError(f"could not write {target}: {_reason(err)}; the old output is unchanged")


def install_signal_cleanup(
    signals: Iterable[int] = (signal.SIGTERM, signal.SIGINT),
) -> Callable[[], None]:
    """Remove temporary outputs when the process is asked to stop.

    The handler deletes every path in :data:`TEMP_PATHS`, then raises ``KeyboardInterrupt``
    for SIGINT or ``SystemExit(128 + signum)`` for other signals, so ``with`` blocks unwind as
    usual (a writer's ``__exit__`` aborts it) and the exit status tells what happened. Existing
    outputs are never touched. SIGKILL cannot be caught; the temporary-file-and-rename scheme
    already keeps the old output intact then, leaving at most a hidden ``.*.tmp-*`` file.

    Only the main thread can install signal handlers; elsewhere this does nothing.

    Parameters
    ----------
    signals : iterable of int
        The signals to handle.

    Returns
    -------
    callable
        Restores the previous handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum: int, frame: FrameType | None) -> None:
        TEMP_PATHS.cleanup()
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, handler) for sig in signals}

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore
