"""Worker processes that do not outlive the process that started them.

A render started with ``-j N`` runs its work in child processes. If the parent is killed with
SIGKILL it cannot stop them, and an orphaned worker would go on rendering (holding the terminal's
pipes open, writing files nobody asked for) or wait forever for work that never comes. On Linux
the kernel can send a child a signal when its parent dies (``prctl(PR_SET_PDEATHSIG)``);
:func:`die_with_parent` asks for that. Elsewhere it does nothing.

:func:`stop_worker_on_signal` is the signal policy of a worker: SIGINT (Ctrl-C reaches the whole
process group) is left to the parent, which stops its workers; SIGTERM removes the worker's
temporary outputs and ends the process at once. Raising ``SystemExit`` there instead would be
caught by the process pool's worker loop, which would then wait for the next task forever.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from types import FrameType

__all__ = ["die_with_parent", "stop_worker_on_signal"]

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int | None, signum: int = signal.SIGTERM) -> bool:
    """Ask the kernel to send ``signum`` to this process when its parent dies.

    Parameters
    ----------
    parent_pid : int or None
        The pid of the parent that started this process, taken in the parent. If the parent
        is already gone (this process was re-parented before the request took effect), the
        signal is sent at once. None skips that check.
    signum : int
        The signal to receive.

    Returns
    -------
    bool
        True if the request was made (Linux), False where it is not available.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if parent_pid is not None and os.getppid() != parent_pid:
        os.kill(os.getpid(), signum)
    return True


def _stop(signum: int, frame: FrameType | None) -> None:
    from convanim.output.atomic import TEMP_PATHS

    TEMP_PATHS.cleanup()
    os._exit(128 + signum)


def stop_worker_on_signal() -> None:
    """Install a worker's signal policy (see the module docstring); main thread only."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
