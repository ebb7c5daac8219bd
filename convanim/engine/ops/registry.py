"""Op type -> engine runner, filled by the ``@runner(...)`` decorators of the op modules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from convanim.engine.trace import Trace

__all__ = ["RUNNERS", "Runner", "Step", "register_by_type", "runner", "runner_for"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Step:
    """What a runner returns for one op.

    Attributes
    ----------
    output : numpy.ndarray
        The op's output, batch first.
    trace : Trace
        What the animation follows (windows, stamps, sampling points, permutation, SE weights).
    extras : dict
        Other tensors worth keeping (max pooling's argmax ``indices``, deform ``offset``/``mask``,
        SE's FC layers); ``inspect --json --values`` lists them.
    report : dict
        Fields ``inspect --json`` always shows for this op type (the shuffle's ``perm`` ...).
    report_values : dict
        Fields it shows only with ``--values`` (SE's ``squeezed``, ``hidden``, ``scale``).
    """

    output: np.ndarray
    trace: Trace
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    report_values: dict[str, Any] = field(default_factory=dict)


Runner = Callable[[Any, np.ndarray, Mapping[str, np.ndarray]], Step]
"""``run(op, x, tensors) -> Step``: the op model, its input (batch first) and its resolved
tensors (``weight``, ``bias``, ``offset`` ... as the op's ``tensor_requests`` name them)."""

RUNNERS: dict[str, Runner] = {}
"""Op type -> runner."""


def register_by_type(table: dict[str, F], what: str, *types: str) -> Callable[[F], F]:
    """A decorator that enters the decorated function in ``table`` under each op type.

    ``what`` names the part in the error raised when a type is registered twice.
    """

    def register(function: F) -> F:
        for name in types:
            if name in table:
                raise ValueError(f"two {what} for {name!r}")
            table[name] = function
        return function

    return register


def runner(*types: str) -> Callable[[Runner], Runner]:
    """Register the decorated function as the runner of ``types``."""
    return register_by_type(RUNNERS, "engine runners", *types)


def runner_for(op_type: str) -> Runner:
    """The runner of an op type (``KeyError`` names the op when it has none)."""
    try:
        return RUNNERS[op_type]
    except KeyError:
        raise KeyError(f"the engine has no runner for op type {op_type!r}") from None
