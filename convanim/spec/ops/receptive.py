"""Receptive field of one output element after every op of a chain.

Coordinates are in pixels of the chain's *input*, where input element ``i`` has its centre at
``i`` (so ``start`` is the centre of the receptive field of output element 0, and may be
negative when padding is involved). Per spatial axis, the standard recurrence with the
effective kernel ``k_eff = dilation * (kernel - 1) + 1``::

    size_out  = size_in + (k_eff - 1) * jump_in
    jump_out  = jump_in * stride
    start_out = start_in + ((k_eff - 1) / 2 - pad_before) * jump_in

Special cases (documented choices):

- ``conv_transpose2d``: the jump is divided by the stride (the output grid is finer than the
  input). An output element reads the input elements ``i`` with ``i * s = o + p - k * d`` for
  some tap ``k``; ``size`` grows by the largest span of such ``i`` over all output phases
  (e.g. kernel 3, stride 2 -> 2 input elements), times ``jump_in``; ``start`` moves to the
  continuous centre ``(p - (k_eff - 1) / 2) / s`` of output 0's taps.
- ``channel_shuffle``: unchanged (it only reorders channels).
- ``squeeze_excitation`` (a global op): every output depends on the whole input of the chain;
  the field becomes the whole input (``size = (H0, W0)``, ``start`` its centre, ``covers_input``
  True) and stays so for every later op; the jump keeps describing the grid spacing.
- ``deform_conv2d``: the nominal field of the regular grid (offsets are data; they are ignored).
- Pooling: like a convolution with the same kernel, stride, padding and dilation.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd

__all__ = [
    "ReceptiveField",
    "after_global",
    "after_transpose",
    "after_window",
    "initial_field",
]

Floats = tuple[float, ...]
Ints = tuple[int, ...]


@dataclass(frozen=True)
class ReceptiveField:
    """Receptive field per spatial axis (``(H, W)`` for 2-D chains, ``(D, H, W)`` for conv3d).

    Attributes
    ----------
    size : tuple[float, ...]
        Extent in input pixels of the region one output element depends on.
    jump : tuple[float, ...]
        Distance in input pixels between neighbouring output elements.
    start : tuple[float, ...]
        Centre (in input pixel coordinates) of the field of output element 0.
    covers_input : bool
        True once a global op (squeeze-excitation) made every output depend on the whole input.
    """

    size: Floats
    jump: Floats
    start: Floats
    covers_input: bool = False

    def as_dict(self) -> dict[str, list[float]]:
        """JSON-friendly ``{"size": [...], "jump": [...], "start": [...]}`` (ints where whole)."""
        return {
            "size": [_num(v) for v in self.size],
            "jump": [_num(v) for v in self.jump],
            "start": [_num(v) for v in self.start],
        }


def _num(v: float) -> float:
    """Return ``v`` as an int when it is whole (for tidy JSON and text)."""
    return int(v) if float(v).is_integer() else float(v)


def initial_field(ndim: int) -> ReceptiveField:
    """Field of the input itself: size 1, jump 1, start 0 on each of ``ndim`` axes."""
    return ReceptiveField(size=(1.0,) * ndim, jump=(1.0,) * ndim, start=(0.0,) * ndim)


def after_window(
    rf: ReceptiveField, kernel: Ints, stride: Ints, pad_before: Ints, dilation: Ints
) -> ReceptiveField:
    """Field after a sliding-window op (conv, pooling, deformable conv's regular grid).

    Parameters
    ----------
    rf : ReceptiveField
        Field of the op's input.
    kernel, stride, pad_before, dilation : tuple[int, ...]
        One entry per spatial axis; ``pad_before`` is the top/left (front) padding.
    """
    size, jump, start = [], [], []
    for a in range(len(rf.size)):
        k_eff = dilation[a] * (kernel[a] - 1) + 1
        size.append(rf.size[a] + (k_eff - 1) * rf.jump[a])
        jump.append(rf.jump[a] * stride[a])
        start.append(rf.start[a] + ((k_eff - 1) / 2 - pad_before[a]) * rf.jump[a])
    return _keep_global(rf, ReceptiveField(tuple(size), tuple(jump), tuple(start)))


def _transpose_span(kernel: int, stride: int, dilation: int) -> int:
    """Largest spread (max - min input index) of the inputs one transposed-conv output reads."""
    g = gcd(stride, dilation)
    step = stride // g  # taps landing on the same output phase are `step` taps apart
    taps = (kernel - 1) // step  # (count - 1) of the fullest phase
    return taps * (dilation // g)  # neighbouring such taps read inputs dilation/g apart


def after_transpose(
    rf: ReceptiveField, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints
) -> ReceptiveField:
    """Field after a transposed convolution (see the module docstring for the convention)."""
    size, jump, start = [], [], []
    for a in range(len(rf.size)):
        k_eff = dilation[a] * (kernel[a] - 1) + 1
        span = _transpose_span(kernel[a], stride[a], dilation[a])
        size.append(rf.size[a] + span * rf.jump[a])
        jump.append(rf.jump[a] / stride[a])
        start.append(rf.start[a] + (padding[a] - (k_eff - 1) / 2) / stride[a] * rf.jump[a])
    return _keep_global(rf, ReceptiveField(tuple(size), tuple(jump), tuple(start)))


def after_global(rf: ReceptiveField, input_size: Ints) -> ReceptiveField:
    """Field after a global op: the whole chain input ``input_size`` (spatial sizes)."""
    return ReceptiveField(
        size=tuple(float(n) for n in input_size),
        jump=rf.jump,
        start=tuple((n - 1) / 2 for n in input_size),
        covers_input=True,
    )


def _keep_global(before: ReceptiveField, after: ReceptiveField) -> ReceptiveField:
    """Once the field covers the whole input it stays so; only the jump keeps changing."""
    if not before.covers_input:
        return after
    return ReceptiveField(before.size, after.jump, before.start, covers_input=True)
