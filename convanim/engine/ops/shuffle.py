"""``channel_shuffle``: the permutation of channels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from convanim.engine.ops.registry import Step, runner
from convanim.engine.shuffle import channel_shuffle
from convanim.engine.trace import shuffle_trace


@runner("channel_shuffle")
def run_channel_shuffle(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> Step:
    """The shuffled channels; ``inspect --json`` shows the permutation as ``perm``."""
    out, perm = channel_shuffle(x, op.groups)
    return Step(out, shuffle_trace(perm, op.groups), report={"perm": perm.tolist()})
