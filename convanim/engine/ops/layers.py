"""``relu``, ``batch_norm2d``, ``flatten``, ``linear``: the layers around the convolutions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from convanim.engine.layers import batch_norm2d, batch_norm_factors, flatten, linear, relu
from convanim.engine.ops.registry import Step, runner
from convanim.engine.trace import layer_trace

_BN = ("running_mean", "running_var")


def _shape(x: np.ndarray) -> tuple[int, ...]:
    return tuple(int(v) for v in x.shape)


@runner("relu")
def run_relu(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> Step:
    """``max(x, 0)``."""
    return Step(relu(x), layer_trace(_shape(x)))


@runner("batch_norm2d")
def run_batch_norm2d(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> Step:
    """Eval mode with the running statistics; the per-channel scale and shift go to the trace."""
    weight, bias, mean, var = t["weight"], t["bias"], t["running_mean"], t["running_var"]
    out = batch_norm2d(x, weight, bias, mean, var, op.eps)
    scale, shift = batch_norm_factors(weight, bias, mean, var, op.eps)
    return Step(
        out,
        layer_trace(_shape(x), scale, shift),
        extras={k: t[k] for k in _BN},
        report_values={"scale": scale.tolist(), "shift": shift.tolist()},
    )


@runner("flatten")
def run_flatten(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> Step:
    """``(N, C, H, W)`` -> ``(N, C*H*W)``."""
    return Step(flatten(x), layer_trace(_shape(x)))


@runner("linear")
def run_linear(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> Step:
    """``x W^T + b``; ``inspect --json`` shows the ``in_features`` found."""
    return Step(
        linear(x, t["weight"], t.get("bias")),
        layer_trace(_shape(x)),
        report={"in_features": int(x.shape[1])},
    )
