"""Size limits, checked on integer shapes before anything is allocated.

Every tensor (input, weights, every op output, the unfolded ``im2col``-style buffers the engine
builds) must have at most :data:`MAX_ELEMENTS` elements, and one op may do at most
:data:`MAX_MACS` multiply-accumulates. Beyond that a computation would take minutes or gigabytes,
and nothing that size can be drawn anyway.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from convanim.engine import shapes
from convanim.errors import SpecError

if TYPE_CHECKING:
    from convanim.spec.models import OpSpec, SourceInfo, YamlPath

__all__ = ["MAX_ELEMENTS", "MAX_MACS", "OpWork", "op_work", "check_elements", "check_macs"]

#: Most elements any one tensor or buffer may have (2**25 = 33,554,432; 256 MiB of float64).
MAX_ELEMENTS = 2**25
#: Most multiply-accumulates one op may do (2 * 10**10).
MAX_MACS = 2 * 10**10

_ADVICE = "use a smaller input or fewer channels"


@dataclass(frozen=True)
class OpWork:
    """Sizes that decide whether an op can be computed: output and buffer elements, MACs.

    Attributes
    ----------
    output : int
        Elements of the op's output.
    buffer : int
        Elements of the largest temporary the engine builds (unfolded windows).
    macs : int
        Multiply-accumulates (or window reads for pooling), an upper estimate of the work.
    """

    output: int
    buffer: int
    macs: int


def op_work(op: OpSpec, input_shape: Sequence[int]) -> OpWork:
    """Estimate the sizes of what computing ``op`` on ``input_shape`` allocates and does.

    Parameters
    ----------
    op : OpSpec
        A validated op.
    input_shape : sequence of int
        The op's input shape, batch included.
    """
    shape = tuple(int(s) for s in input_shape)
    out = shapes.output_shape(op, shape)
    n, c = shape[0], shape[1]
    in_spatial = math.prod(shape[2:])
    out_spatial = math.prod(max(s, 0) for s in out[2:])
    output = math.prod(max(s, 0) for s in out)
    kernel = shapes.op_kernel(op)
    taps = math.prod(kernel) if kernel is not None else 1
    if op.type in ("conv2d", "conv3d", "deform_conv2d"):
        buffer = n * out_spatial * c * taps
        macs = n * op.out_channels * out_spatial * (c // op.groups) * taps
    elif op.type == "conv_transpose2d":
        buffer = n * in_spatial * op.out_channels * taps
        macs = n * c * in_spatial * (op.out_channels // op.groups) * taps
    elif op.type in ("max_pool2d", "avg_pool2d"):
        buffer = n * c * out_spatial * taps
        macs = buffer
    elif op.type == "squeeze_excitation":
        buffer = n * c * in_spatial
        macs = 2 * buffer
    else:
        buffer = n * c * in_spatial
        macs = 0
    return OpWork(output=output, buffer=buffer, macs=macs)


def _raise(message: str, source: SourceInfo | None, path: YamlPath) -> None:
    if source is not None:
        raise source.error(path, message)
    from convanim.spec.models import format_path

    raise SpecError(message, path=format_path(path) or None)


def check_elements(
    count: int,
    what: str,
    *,
    advice: str = _ADVICE,
    source: SourceInfo | None = None,
    path: YamlPath = (),
) -> None:
    """Refuse a tensor of ``count`` elements above :data:`MAX_ELEMENTS`.

    Parameters
    ----------
    count : int
        Number of elements the tensor would have.
    what : str
        What the tensor is, e.g. ``"the output of ops[2]"``.
    advice : str
        How to get under the limit.
    source, path :
        Where to point the error in the YAML.

    Raises
    ------
    SpecError
        ``"the output of ops[2] would have 411,041,792 elements; the limit is 33,554,432: use
        a smaller input or fewer channels"``.
    """
    if count > MAX_ELEMENTS:
        _raise(
            f"{what} would have {count:,} elements; the limit is {MAX_ELEMENTS:,}: {advice}",
            source,
            path,
        )


def check_macs(
    macs: int,
    what: str,
    *,
    advice: str = _ADVICE,
    source: SourceInfo | None = None,
    path: YamlPath = (),
) -> None:
    """Refuse an op of more than :data:`MAX_MACS` multiply-accumulates (see check_elements)."""
    if macs > MAX_MACS:
        _raise(
            f"{what} would need {macs:,} multiply-accumulates; the limit is {MAX_MACS:,}: {advice}",
            source,
            path,
        )
