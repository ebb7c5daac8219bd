"""Shape arithmetic along one spatial axis: output sizes, explicit padding, formula text.

No arrays here: every function works on Python ints, so the spec layer can check a whole chain
(and refuse tensors that are too large) before anything is allocated. These are the only
definitions of the output-size rules in the package (the engine and the traces call them). The
rules are PyTorch's:

* convolution: ``out = floor((n + pad_before + pad_after - d*(k-1) - 1) / s) + 1``
* transposed convolution: ``out = (n - 1)*s - 2*p + d*(k-1) + output_padding + 1``
* pooling: like convolution, but with ``ceil`` when ``ceil_mode`` is on, and then the last window
  must start inside the input or the left padding (otherwise it is dropped).

The op-level rules (which axis rule an op uses, its output shape, its formulas) are methods of
the op definitions in :mod:`convanim.spec.ops`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

__all__ = [
    "AXIS_NAMES",
    "AxisRule",
    "conv_out_size",
    "conv_transpose_out_size",
    "pool_out_size",
    "pool_last_window_dropped",
    "resolve_padding",
    "conv_formula",
    "conv_transpose_formula",
    "pool_formula",
]

#: Names of the spatial axes used in formulas, by spatial rank.
AXIS_NAMES: dict[int, tuple[str, ...]] = {0: (), 1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}

AxisRule = tuple[Callable[[int], int], Callable[[str, int], str]]
"""A windowed op's spatial axis: input size -> output size, (axis, input size) -> formula."""

PaddingArg = int | Sequence[int] | Literal["same", "valid"]


# ---------------------------------------------------------------------------------------------
# one axis
# ---------------------------------------------------------------------------------------------


def conv_out_size(n: int, k: int, s: int, p_total: int, d: int = 1) -> int:
    """Output size of a convolution along one axis (PyTorch's rule).

    Parameters
    ----------
    n : int
        Input size along the axis.
    k : int
        Kernel size.
    s : int
        Stride.
    p_total : int
        Total padding along the axis (before + after; ``2*p`` for symmetric padding ``p``).
    d : int, optional
        Dilation.

    Returns
    -------
    int
        ``floor((n + p_total - d*(k-1) - 1) / s) + 1``; zero or negative when the dilated kernel
        does not fit in the padded input (the caller reports that).
    """
    return (n + p_total - d * (k - 1) - 1) // s + 1


def conv_transpose_out_size(n: int, k: int, s: int, p: int, output_padding: int, d: int = 1) -> int:
    """Output size of a transposed convolution along one axis.

    Returns
    -------
    int
        ``(n - 1)*s - 2*p + d*(k-1) + output_padding + 1`` (may be <= 0 for absurd padding).
    """
    return (n - 1) * s - 2 * p + d * (k - 1) + output_padding + 1


def _pool_raw(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    numerator = n + 2 * p - d * (k - 1) - 1
    if ceil_mode:
        return -(-numerator // s) + 1
    return numerator // s + 1


def pool_last_window_dropped(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> bool:
    """Whether PyTorch drops the last ``ceil_mode`` window (it would start in the right padding).

    PyTorch keeps a window only if it starts inside the input or the left padding:
    ``(out - 1) * s < n + p``.
    """
    if not ceil_mode:
        return False
    out = _pool_raw(n, k, s, p, d, ceil_mode)
    return (out - 1) * s >= n + p


def pool_out_size(n: int, k: int, s: int, p: int, d: int = 1, ceil_mode: bool = False) -> int:
    """Output size of max/avg pooling along one axis, with PyTorch's ``ceil_mode`` rule.

    Parameters
    ----------
    n, k, s, p, d : int
        Input size, window size, stride, padding on each side, dilation.
    ceil_mode : bool
        Round up instead of down; the last window must then still start inside the input or
        the left padding, otherwise it is dropped.

    Returns
    -------
    int
        Number of windows along the axis.
    """
    out = _pool_raw(n, k, s, p, d, ceil_mode)
    if pool_last_window_dropped(n, k, s, p, d, ceil_mode):
        out -= 1
    return out


def resolve_padding(
    padding: PaddingArg, kernel: Sequence[int], dilation: Sequence[int]
) -> tuple[int, ...]:
    """Explicit padding on every side, ``(before, after)`` for each spatial axis in order.

    For 2-D ops the result is ``(top, bottom, left, right)``; for 3-D ops
    ``(front, back, top, bottom, left, right)``.

    Parameters
    ----------
    padding : int, sequence of int, "same" or "valid"
        As written in the spec (after normalisation). An int pads every side equally; a sequence
        gives the padding of each axis (both sides). ``"valid"`` means no padding. ``"same"`` is
        PyTorch's: the total ``d*(k-1)`` is split with the extra pixel on the bottom/right when it
        is odd.
    kernel, dilation : sequence of int
        Kernel size and dilation per spatial axis.

    Returns
    -------
    tuple of int
        ``2 * len(kernel)`` non-negative paddings.
    """
    rank = len(kernel)
    if padding == "valid":
        return (0,) * (2 * rank)
    if padding == "same":
        out: list[int] = []
        for k, d in zip(kernel, dilation, strict=True):
            total = d * (k - 1)
            before = total // 2
            out.extend((before, total - before))
        return tuple(out)
    if isinstance(padding, int):
        return (padding,) * (2 * rank)
    pads = tuple(int(p) for p in padding)
    if len(pads) != rank:
        raise ValueError(f"padding {pads} does not have {rank} values")
    return tuple(v for p in pads for v in (p, p))


# ---------------------------------------------------------------------------------------------
# formulas with the numbers plugged in
# ---------------------------------------------------------------------------------------------


def _pad_term(before: int, after: int) -> str:
    if before == after:
        return f"2*{before}"
    return f"({before}+{after})"


def conv_formula(
    axis: str, n: int, k: int, s: int, pad_before: int, pad_after: int, d: int = 1
) -> str:
    """The convolution output-size formula with the numbers plugged in.

    Examples
    --------
    >>> conv_formula("H", 7, 3, 1, 0, 0, 1)
    'H_out = floor((7 + 2*0 - 1*(3-1) - 1) / 1) + 1 = 5'
    """
    out = conv_out_size(n, k, s, pad_before + pad_after, d)
    pad = _pad_term(pad_before, pad_after)
    return f"{axis}_out = floor(({n} + {pad} - {d}*({k}-1) - 1) / {s}) + 1 = {out}"


def conv_transpose_formula(
    axis: str, n: int, k: int, s: int, p: int, output_padding: int, d: int = 1
) -> str:
    """The transposed-convolution output-size formula with the numbers plugged in.

    Examples
    --------
    >>> conv_transpose_formula("H", 2, 3, 1, 0, 0, 1)
    'H_out = (2 - 1)*1 - 2*0 + 1*(3-1) + 0 + 1 = 4'
    """
    out = conv_transpose_out_size(n, k, s, p, output_padding, d)
    return f"{axis}_out = ({n} - 1)*{s} - 2*{p} + {d}*({k}-1) + {output_padding} + 1 = {out}"


def pool_formula(
    axis: str, n: int, k: int, s: int, p: int, d: int = 1, ceil_mode: bool = False
) -> str:
    """The pooling output-size formula with the numbers plugged in.

    With ``ceil_mode`` the rounding is ``ceil``; when PyTorch drops the last window (it would start
    in the right padding) the formula shows ``- 1`` and says why.

    Examples
    --------
    >>> pool_formula("H", 7, 2, 2, 0)
    'H_out = floor((7 + 2*0 - 1*(2-1) - 1) / 2) + 1 = 3'
    >>> pool_formula("H", 7, 2, 2, 0, ceil_mode=True)
    'H_out = ceil((7 + 2*0 - 1*(2-1) - 1) / 2) + 1 = 4'
    """
    rounding = "ceil" if ceil_mode else "floor"
    out = pool_out_size(n, k, s, p, d, ceil_mode)
    text = f"{axis}_out = {rounding}(({n} + 2*{p} - {d}*({k}-1) - 1) / {s}) + 1"
    if pool_last_window_dropped(n, k, s, p, d, ceil_mode):
        return f"{text} - 1 = {out} (the last window would start in the padding)"
    return f"{text} = {out}"
