"""``max_pool2d`` and ``avg_pool2d``: the NumPy poolings and their per-channel windows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from convanim.engine.ops.registry import Step, runner
from convanim.engine.pool import avg_pool2d, max_pool2d
from convanim.engine.trace import WindowTrace, pool_trace
from convanim.spec.ops import window_def


def _trace(op: Any, x: np.ndarray, out: np.ndarray, dilation: tuple[int, int]) -> WindowTrace:
    h, w = (int(v) for v in x.shape[2:])
    ho, wo = (int(v) for v in out.shape[2:])
    stride = window_def(op).stride(op)
    return pool_trace(
        (h, w), int(x.shape[1]), op.kernel_size, (stride[0], stride[1]), op.padding, dilation,
        (ho, wo),
    )  # fmt: skip


@runner("max_pool2d")
def run_max_pool2d(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> Step:
    """Max pooling; keeps the argmax ``indices`` (flat ``h * W + w`` per channel)."""
    stride = window_def(op).stride(op)
    out, indices = max_pool2d(
        x, op.kernel_size, (stride[0], stride[1]), op.padding, op.dilation, op.ceil_mode
    )
    return Step(out, _trace(op, x, out, op.dilation), {"indices": indices})


@runner("avg_pool2d")
def run_avg_pool2d(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> Step:
    """Average pooling with PyTorch's ``count_include_pad`` and ``divisor_override``."""
    stride = window_def(op).stride(op)
    out = avg_pool2d(
        x, op.kernel_size, (stride[0], stride[1]), op.padding, op.ceil_mode,
        op.count_include_pad, op.divisor_override,
    )  # fmt: skip
    return Step(out, _trace(op, x, out, (1, 1)))
