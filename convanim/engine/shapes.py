"""Integer shape arithmetic for every op: output sizes, explicit padding, formulas, shape tables.

No arrays here: every function works on Python ints, so the spec layer can check a whole chain
(and refuse tensors that are too large) before anything is allocated. The rules are PyTorch's:

* convolution: ``out = floor((n + pad_before + pad_after - d*(k-1) - 1) / s) + 1``
* transposed convolution: ``out = (n - 1)*s - 2*p + d*(k-1) + output_padding + 1``
* pooling: like convolution, but with ``ceil`` when ``ceil_mode`` is on, and then the last window
  must start inside the input or the left padding (otherwise it is dropped).

Shapes passed to and returned by the op-level functions always include the batch: ``(N, C, H, W)``
for 2-D ops, ``(N, C, D, H, W)`` for ``conv3d``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from convanim.spec.models import OpSpec

__all__ = [
    "AXIS_NAMES",
    "ShapeRow",
    "ShapeTable",
    "conv_out_size",
    "conv_transpose_out_size",
    "pool_out_size",
    "pool_last_window_dropped",
    "resolve_padding",
    "op_padding",
    "op_kernel",
    "op_stride",
    "op_dilation",
    "spatial_rank",
    "output_shape",
    "conv_formula",
    "conv_transpose_formula",
    "pool_formula",
    "formulas",
    "shape_table",
]

#: Names of the spatial axes used in formulas, by spatial rank.
AXIS_NAMES: dict[int, tuple[str, ...]] = {2: ("H", "W"), 3: ("D", "H", "W")}

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


# ---------------------------------------------------------------------------------------------
# op level
# ---------------------------------------------------------------------------------------------


def spatial_rank(op: OpSpec) -> int:
    """Number of spatial axes an op works on: 3 for ``conv3d``, 2 for every other op."""
    return 3 if op.type == "conv3d" else 2


def op_kernel(op: OpSpec) -> tuple[int, ...] | None:
    """Kernel (or pooling window) size per spatial axis, or ``None`` for ops without a window."""
    if op.type in ("channel_shuffle", "squeeze_excitation"):
        return None
    return tuple(op.kernel_size)  # type: ignore[union-attr]


def op_stride(op: OpSpec) -> tuple[int, ...] | None:
    """Stride per spatial axis (pooling without a stride uses the window size), or ``None``."""
    if op.type in ("channel_shuffle", "squeeze_excitation"):
        return None
    stride = op.stride  # type: ignore[union-attr]
    if stride is None:
        return tuple(op.kernel_size)  # type: ignore[union-attr]
    return tuple(stride)


def op_dilation(op: OpSpec) -> tuple[int, ...] | None:
    """Dilation per spatial axis (1 for average pooling), or ``None`` for ops without a window."""
    kernel = op_kernel(op)
    if kernel is None:
        return None
    dilation = getattr(op, "dilation", None)
    return tuple(dilation) if dilation is not None else (1,) * len(kernel)


def op_padding(op: OpSpec) -> tuple[int, ...] | None:
    """Explicit ``(before, after)`` padding per spatial axis (see :func:`resolve_padding`).

    For ``conv_transpose2d`` this is the ``padding`` argument itself (it *removes* rows from the
    full output); ``None`` for ops without a window.
    """
    kernel = op_kernel(op)
    dilation = op_dilation(op)
    if kernel is None or dilation is None:
        return None
    return resolve_padding(op.padding, kernel, dilation)  # type: ignore[union-attr]


def output_shape(op: OpSpec, input_shape: Sequence[int]) -> tuple[int, ...]:
    """Output shape of ``op`` applied to ``input_shape`` (both including the batch).

    Sizes are computed, not checked: a spatial size can come out zero or negative when a kernel
    does not fit; the spec layer checks that and reports it with the formula.

    Parameters
    ----------
    op : OpSpec
        A validated op model.
    input_shape : sequence of int
        ``(N, C, H, W)`` (or ``(N, C, D, H, W)`` for ``conv3d``).

    Returns
    -------
    tuple of int
        The output shape, same rank as the input.
    """
    shape = tuple(int(v) for v in input_shape)
    n, c, spatial = shape[0], shape[1], shape[2:]
    if op.type in ("channel_shuffle", "squeeze_excitation"):
        return shape
    out = [
        size_of(size)
        for (size_of, _), size in zip(_axis_rules(op, len(spatial)), spatial, strict=True)
    ]
    channels = op.out_channels if op.type in _KERNEL_OPS else c  # type: ignore[union-attr]
    return (n, channels, *out)


_KERNEL_OPS = ("conv2d", "conv_transpose2d", "conv3d", "deform_conv2d")

AxisRule = tuple[Callable[[int], int], Callable[[str, int], str]]
"""A windowed op's spatial axis: input size -> output size, (axis, input size) -> formula."""


def _axis_rules(op: OpSpec, n_axes: int) -> list[AxisRule]:
    """The output-size rule and the formula of each of the first ``n_axes`` spatial axes of ``op``.

    ``op`` has a window (not ``channel_shuffle`` or ``squeeze_excitation``): transposed
    convolution, pooling and convolution each bind their kernel, stride, dilation and padding.
    """
    kernel = op_kernel(op)
    stride = op_stride(op)
    dilation = op_dilation(op)
    pads = op_padding(op)
    assert kernel is not None and stride is not None and dilation is not None and pads is not None
    rules: list[AxisRule] = []
    for i in range(n_axes):
        k, s, d = kernel[i], stride[i], dilation[i]
        before, after = pads[2 * i], pads[2 * i + 1]
        if op.type == "conv_transpose2d":
            extra = op.output_padding[i]
            rules.append(
                (
                    partial(conv_transpose_out_size, k=k, s=s, p=before, output_padding=extra, d=d),
                    partial(conv_transpose_formula, k=k, s=s, p=before, output_padding=extra, d=d),
                )
            )
        elif op.type in ("max_pool2d", "avg_pool2d"):
            ceil = op.ceil_mode
            rules.append(
                (
                    partial(pool_out_size, k=k, s=s, p=before, d=d, ceil_mode=ceil),
                    partial(pool_formula, k=k, s=s, p=before, d=d, ceil_mode=ceil),
                )
            )
        else:
            rules.append(
                (
                    partial(conv_out_size, k=k, s=s, p_total=before + after, d=d),
                    partial(conv_formula, k=k, s=s, pad_before=before, pad_after=after, d=d),
                )
            )
    return rules


def formulas(op: OpSpec, input_shape: Sequence[int]) -> tuple[str, ...]:
    """The output-size formula of each spatial axis with the numbers plugged in.

    Ops that keep the shape (``channel_shuffle``, ``squeeze_excitation``) get one line saying so,
    e.g. ``"output shape = input shape: C=8, H=7, W=7 (channels reordered in 2 groups)"``.
    """
    shape = tuple(int(v) for v in input_shape)
    spatial = shape[2:]
    names = AXIS_NAMES.get(len(spatial), tuple(f"S{i}" for i in range(len(spatial))))
    if op.type in ("channel_shuffle", "squeeze_excitation"):
        dims = ", ".join(f"{a}={v}" for a, v in zip(("C", *names), shape[1:], strict=True))
        if op.type == "channel_shuffle":
            why = f"channels reordered in {op.groups} groups"
        else:
            hidden = max(1, shape[1] // op.reduction)
            why = f"each channel scaled by its weight; hidden size {hidden}"
        return (f"output shape = input shape: {dims} ({why})",)
    rules = _axis_rules(op, len(spatial))
    return tuple(
        formula(names[i], size)
        for i, ((_, formula), size) in enumerate(zip(rules, spatial, strict=True))
    )


# ---------------------------------------------------------------------------------------------
# shape table
# ---------------------------------------------------------------------------------------------

Cell = int | str


@dataclass(frozen=True)
class ShapeRow:
    """One row of a :class:`ShapeTable`: a name and one cell per column (``"-"``: n/a)."""

    name: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class ShapeTable:
    """The table the teaching material uses: rows Input / Kernel / Output.

    Columns are ``batch, height, width, in_channel, out_channel`` (``conv3d`` adds ``depth``
    before ``height``). The Kernel row of a pooling op shows the window; ops without a window
    (channel shuffle, squeeze-excitation) have ``"-"`` in every Kernel cell.
    """

    columns: tuple[str, ...]
    rows: tuple[ShapeRow, ...]

    def row(self, name: str) -> ShapeRow:
        """The row called ``name`` (``"Input"``, ``"Kernel"`` or ``"Output"``)."""
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    def as_dict(self) -> dict[str, dict[str, Cell]]:
        """``{row name: {column: cell}}``, JSON-serialisable."""
        return {r.name: dict(zip(self.columns, r.cells, strict=True)) for r in self.rows}

    def format(self) -> str:
        """A plain-text table with aligned columns, one line per row plus a header."""
        header = ("", *self.columns)
        body = [(r.name, *(str(c) for c in r.cells)) for r in self.rows]
        widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header))]

        def fmt(line: Sequence[str]) -> str:
            first = line[0].ljust(widths[0])
            rest = (cell.rjust(w) for cell, w in zip(line[1:], widths[1:], strict=True))
            return "  ".join((first, *rest)).rstrip()

        return "\n".join(fmt(line) for line in (header, *body))


def shape_table(op: OpSpec, input_shape: Sequence[int]) -> ShapeTable:
    """Build the Input / Kernel / Output table of ``op`` applied to ``input_shape``.

    Parameters
    ----------
    op : OpSpec
        A validated op model.
    input_shape : sequence of int
        The op's input shape, batch included.

    Returns
    -------
    ShapeTable
        Input: batch, spatial sizes, ``in_channel`` = C, ``out_channel`` ``"-"``.
        Kernel: spatial kernel size, ``in_channel`` = channels one kernel reads (C/groups),
        ``out_channel`` = number of kernels; for pooling the window with ``"-"`` channels.
        Output: batch, spatial sizes, ``out_channel``.
    """
    shape = tuple(int(v) for v in input_shape)
    out = output_shape(op, shape)
    rank = len(shape) - 2
    spatial_cols = ("depth", "height", "width") if rank == 3 else ("height", "width")
    columns = ("batch", *spatial_cols, "in_channel", "out_channel")
    dash = "-"
    input_row = ShapeRow("Input", (shape[0], *shape[2:], shape[1], dash))
    kernel = op_kernel(op)
    kernel_cells: tuple[Cell, ...]
    if kernel is None:
        kernel_cells = (dash,) * len(columns)
    elif op.type in _KERNEL_OPS:
        kernel_cells = (dash, *kernel, shape[1] // op.groups, op.out_channels)  # type: ignore[union-attr]
    else:
        kernel_cells = (dash, *kernel, dash, dash)
    output_row = ShapeRow("Output", (out[0], *out[2:], dash, out[1]))
    return ShapeTable(columns, (input_row, ShapeRow("Kernel", kernel_cells), output_row))
