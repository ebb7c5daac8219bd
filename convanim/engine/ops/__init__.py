"""The engine's part of each op: the function that computes it and the trace the animation follows.

Runners are registered by op type with :func:`runner`; :func:`runner_for` finds them. The op's
shape rule, counts and receptive field are its :class:`~convanim.spec.ops.OpDef`'s.
"""

from __future__ import annotations

# Importing the modules registers their runners.
from convanim.engine.ops import conv, deform, layers, pool, shuffle, squeeze, transpose  # noqa: F401, I001
from convanim.engine.ops.registry import RUNNERS, Runner, Step, runner, runner_for

__all__ = ["RUNNERS", "Runner", "Step", "runner", "runner_for"]
