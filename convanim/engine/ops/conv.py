"""``conv2d`` and ``conv3d``: the NumPy convolutions and their window traces."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from convanim.engine.conv import conv2d, conv3d
from convanim.engine.ops.registry import Step, runner
from convanim.engine.trace import volume3d_trace, window_trace
from convanim.spec.ops import window_def


def _ints(values: tuple[int, ...] | Any) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


@runner("conv2d")
def run_conv2d(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> Step:
    """A 2-D convolution with explicit (possibly asymmetric) padding, and its windows."""
    pads = window_def(op).padding(op)
    pad4 = (pads[0], pads[1], pads[2], pads[3])
    out = conv2d(x, t["weight"], t.get("bias"), op.stride, pad4, op.dilation, op.groups)
    h, w = _ints(x.shape[2:])
    ho, wo = _ints(out.shape[2:])
    trace = window_trace(
        (h, w), op.kernel_size, op.stride, pad4, op.dilation, groups=op.groups,
        in_channels=int(x.shape[1]), out_channels=op.out_channels, output_size=(ho, wo),
    )  # fmt: skip
    return Step(out, trace)


@runner("conv3d")
def run_conv3d(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> Step:
    """A 3-D convolution and its windows over (D, H, W)."""
    pads = window_def(op).padding(op)
    pad6 = (pads[0], pads[1], pads[2], pads[3], pads[4], pads[5])
    out = conv3d(x, t["weight"], t.get("bias"), op.stride, pad6, op.dilation, op.groups)
    d, h, w = _ints(x.shape[2:])
    do, ho, wo = _ints(out.shape[2:])
    trace = volume3d_trace(
        (d, h, w), op.kernel_size, op.stride, pad6, op.dilation, groups=op.groups,
        in_channels=int(x.shape[1]), out_channels=op.out_channels, output_size=(do, ho, wo),
    )  # fmt: skip
    return Step(out, trace)
