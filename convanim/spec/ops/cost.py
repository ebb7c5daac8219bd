"""Parameter and operation counts, by the convention of docs/design.md §4.2.

- ``params`` = weight elements + bias elements.
- ``MACs`` = the real multiply-accumulates of the op; bias additions are not MACs.
- ``FLOPs`` = 2 x MACs.

Per op:

- conv2d: ``N * Cout * Ho * Wo * (Cin / groups) * kh * kw`` (as thop and fvcore count it).
- conv_transpose2d: counted on the *input* grid, ``N * Cin * Hin * Win * (Cout / groups) * kh
  * kw`` (as fvcore and ptflops do): every input element multiplies a whole kernel.
- conv3d: ``N * Cout * Do * Ho * Wo * (Cin / groups) * kd * kh * kw``.
- deform_conv2d: the same as conv2d; the bilinear sampling (four reads and weights per tap) and
  the mask multiplication are *not* counted; offsets and masks are inputs, not params.
- squeeze_excitation: the two fully connected layers, ``N * (C * hidden + hidden * C)``; params are
  both FC weights and biases. The global average and the final channel scaling are not counted.
- linear: ``N * in_features * out_features``; params the weight and the bias.
- batch_norm2d (eval mode): one MAC per element, ``N * C * H * W``: the normalisation folds into
  ``y = x * s + t`` per channel (``s = weight / sqrt(running_var + eps)``, ``t = bias -
  running_mean * s``). Params are ``weight`` and ``bias`` (``2C``); the running statistics are
  buffers, not parameters (as in PyTorch's ``parameters()``). fvcore counts 1 per element without
  the affine part and 2 with it; thop counts 2 per element (4 with affine in recent versions).
- max/avg pooling, channel_shuffle, relu and flatten: 0 params, 0 MACs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Cost",
    "conv_cost",
    "batch_norm_cost",
    "conv_transpose_cost",
    "linear_cost",
    "se_cost",
    "total_cost",
    "zero_cost",
]


@dataclass(frozen=True)
class Cost:
    """Counts of one op (or a whole chain).

    Attributes
    ----------
    params : int
        Weight + bias elements.
    macs : int
        Multiply-accumulates (bias adds not counted).
    flops : int
        ``2 * macs``.
    """

    params: int
    macs: int
    flops: int

    def __add__(self, other: Cost) -> Cost:
        """Sum two costs field by field."""
        return Cost(self.params + other.params, self.macs + other.macs, self.flops + other.flops)

    def as_dict(self) -> dict[str, int]:
        """``{"params": ..., "macs": ..., "flops": ...}``."""
        return {"params": self.params, "macs": self.macs, "flops": self.flops}


def _cost(params: int, macs: int) -> Cost:
    return Cost(params=int(params), macs=int(macs), flops=2 * int(macs))


def zero_cost() -> Cost:
    """The cost of an op without parameters or multiplications (pooling, channel shuffle)."""
    return _cost(0, 0)


def conv_cost(
    batch: int,
    in_channels: int,
    out_channels: int,
    out_spatial: Sequence[int],
    kernel: Sequence[int],
    groups: int,
    bias: bool,
) -> Cost:
    """Cost of a (2-D, 3-D or deformable) convolution.

    Parameters
    ----------
    batch, in_channels, out_channels : int
        ``N``, ``Cin``, ``Cout``.
    out_spatial : sequence of int
        Output spatial sizes ``(Ho, Wo)`` or ``(Do, Ho, Wo)``.
    kernel : sequence of int
        Kernel sizes, same rank as ``out_spatial``.
    groups : int
    bias : bool
        Whether the op has a bias (``Cout`` params, no MACs).

    Returns
    -------
    Cost
        ``params = Cout * (Cin/g) * prod(kernel) (+ Cout)``,
        ``macs = N * Cout * prod(out_spatial) * (Cin/g) * prod(kernel)``.

    Examples
    --------
    >>> conv_cost(1, 6, 3, (64, 64), (3, 3), groups=1, bias=False)
    Cost(params=162, macs=663552, flops=1327104)
    """
    taps = math.prod(kernel)
    per_kernel = (in_channels // groups) * taps
    params = out_channels * per_kernel + (out_channels if bias else 0)
    macs = batch * out_channels * math.prod(out_spatial) * per_kernel
    return _cost(params, macs)


def conv_transpose_cost(
    batch: int,
    in_channels: int,
    out_channels: int,
    in_spatial: Sequence[int],
    kernel: Sequence[int],
    groups: int,
    bias: bool,
) -> Cost:
    """Cost of a transposed convolution, counted on the input grid.

    Returns
    -------
    Cost
        ``params = Cin * (Cout/g) * prod(kernel) (+ Cout)``,
        ``macs = N * Cin * prod(in_spatial) * (Cout/g) * prod(kernel)``.

    Examples
    --------
    >>> conv_transpose_cost(1, 1, 1, (2, 2), (3, 3), groups=1, bias=False)
    Cost(params=9, macs=36, flops=72)
    """
    taps = math.prod(kernel)
    per_input = (out_channels // groups) * taps
    params = in_channels * per_input + (out_channels if bias else 0)
    macs = batch * in_channels * math.prod(in_spatial) * per_input
    return _cost(params, macs)


def se_cost(batch: int, channels: int, hidden: int) -> Cost:
    """Cost of a squeeze-and-excitation block (the two fully connected layers).

    Returns
    -------
    Cost
        ``params = C*hidden + hidden + hidden*C + C``, ``macs = N * (C*hidden + hidden*C)``.

    Examples
    --------
    >>> se_cost(1, 8, 2)
    Cost(params=42, macs=32, flops=64)
    """
    params = channels * hidden + hidden + hidden * channels + channels
    macs = batch * (channels * hidden + hidden * channels)
    return _cost(params, macs)


def linear_cost(batch: int, in_features: int, out_features: int, bias: bool) -> Cost:
    """Cost of a fully connected layer.

    Returns
    -------
    Cost
        ``params = in * out (+ out)``, ``macs = N * in * out``.

    Examples
    --------
    >>> linear_cost(1, 400, 120, bias=True)
    Cost(params=48120, macs=48000, flops=96000)
    """
    params = in_features * out_features + (out_features if bias else 0)
    return _cost(params, batch * in_features * out_features)


def batch_norm_cost(elements: int, channels: int) -> Cost:
    """Cost of an eval-mode batch norm: ``2C`` params, one MAC per element.

    Examples
    --------
    >>> batch_norm_cost(1 * 6 * 28 * 28, 6)
    Cost(params=12, macs=4704, flops=9408)
    """
    return _cost(2 * channels, elements)


def total_cost(costs: Sequence[Cost]) -> Cost:
    """Sum of the costs of a chain."""
    out = zero_cost()
    for c in costs:
        out = out + c
    return out
