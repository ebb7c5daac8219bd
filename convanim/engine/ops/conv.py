"""``conv1d``, ``conv2d`` and ``conv3d``: the NumPy convolutions and their window traces."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from convanim.engine.conv import conv1d, conv2d, conv3d
from convanim.engine.ops.registry import Step, runner
from convanim.engine.trace import volume3d_trace, window_trace
from convanim.spec.ops import window_def


def _ints(values: tuple[int, ...] | Any) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


@runner("conv1d")
def run_conv1d(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> Step:
    """A 1-D convolution along L; its windows are traced as those of a one-row 2-D input.

    The trace describes the same windows over an input of height 1 (kernel ``1 x k``), which
    is how a sequence is shown: one row of cubes per channel.
    """
    left, right = window_def(op).padding(op)
    out = conv1d(x, t["weight"], t.get("bias"), op.stride, (left, right), op.dilation, op.groups)
    (length,), (out_length,) = _ints(x.shape[2:]), _ints(out.shape[2:])
    trace = window_trace(
        (1, length), (1, op.kernel_size[0]), (1, op.stride[0]), (0, 0, left, right),
        (1, op.dilation[0]), groups=op.groups, in_channels=int(x.shape[1]),
        out_channels=op.out_channels, output_size=(1, out_length),
    )  # fmt: skip
    return Step(out, trace)


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
