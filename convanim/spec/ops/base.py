"""What an op type is, below the engine: its model, traits, shape rule, counts, checks.

Each op type has one :class:`OpDef` (registered in :mod:`convanim.spec.ops`). Everything that can
be said of an op from its parameters and its input *shape* alone lives here, once: the output
shape and the formula that explains it, the Input / Kernel / Output table, params and MACs, the
receptive-field step, the tensors it needs (weight, bias, offsets ...) and the checks of a chain.
Later layers ask the definition (``op_def(op).windowed``) instead of comparing type names; the
engine, the storyboard and the renderer keep their own per-op parts in registries of their own,
and ``tests/test_registry.py`` checks that every op has all of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, Literal

from convanim.spec.model_base import SpecModel
from convanim.spec.ops import axis
from convanim.spec.ops.cost import Cost, conv_cost, zero_cost
from convanim.spec.ops.receptive import ReceptiveField, after_window
from convanim.spec.ops.table import Cell, ShapeRow, ShapeTable

__all__ = [
    "Fail",
    "KernelOpDef",
    "OpDef",
    "TensorRequest",
    "ValueKind",
    "WindowedOpDef",
    "divisors",
    "spatial_columns",
]

ValueKind = Literal["input", "weight", "bias", "offset", "mask", "scale", "shift"]
"""Which random distribution a ``random`` value source draws from."""

Fail = Callable[[str, str], Exception]
"""``fail(field, message)``: the located error for ``ops[i].<field>``, for the caller to raise."""

#: Spatial column names of the shape table, by spatial rank.
_SPATIAL_COLUMNS: dict[int, tuple[str, ...]] = {
    1: ("length",),
    2: ("height", "width"),
    3: ("depth", "height", "width"),
}

#: Axis names of a kernel's spatial sizes in layout texts, by spatial rank.
KERNEL_AXES: dict[int, tuple[str, ...]] = {1: ("k",), 2: ("kh", "kw"), 3: ("kd", "kh", "kw")}


def spatial_columns(rank: int) -> tuple[str, ...]:
    """Shape-table column names of ``rank`` spatial axes (``("height", "width")`` for 2)."""
    return _SPATIAL_COLUMNS[rank]


def _kept_axes(shape: tuple[int, ...]) -> tuple[str, ...]:
    """The names of the axes after the batch: ``C, H, W`` (``features`` for a vector)."""
    return ("C", *axis.AXIS_NAMES[len(shape) - 2]) if len(shape) > 2 else ("features",)


def _tex_axis(name: str) -> str:
    r"""An axis name in LaTeX: ``C``, or ``\text{features}`` for a word."""
    return name if len(name) == 1 else f"\\text{{{name}}}"


def divisors(n: int) -> str:
    """``"1, 2, 4, 8"``: the divisors of ``n``, for messages about groups."""
    return ", ".join(str(d) for d in range(1, n + 1) if n % d == 0)


@dataclass(frozen=True)
class TensorRequest:
    """One tensor an op needs, with everything the value resolver wants.

    Attributes
    ----------
    field : str
        Key in the op (``weight``, ``bias``, ``offset``, ``mask``, ``fc1_weight`` ...).
    source : Any
        The value source as stored in the model (``True`` biases become ``"random"``).
    shape : tuple of int
        Required shape (PyTorch layout).
    layout : str
        Axis names of ``shape``.
    kind : ValueKind
        Random distribution.
    fan_in : int or None
        For random weights and biases.
    allow_unbatched : bool
        Offsets and masks may leave out a batch of 1.
    non_negative : bool
        Every value must be >= 0 (a batch norm's running variance).
    """

    field: str
    source: Any
    shape: tuple[int, ...]
    layout: str
    kind: ValueKind
    fan_in: int | None = None
    allow_unbatched: bool = False
    non_negative: bool = False


class OpDef:
    """The definition of one op type (see the module docstring).

    The defaults describe an op that keeps its input's shape and has no window, weights or
    multiplications; families override what they do differently.

    Attributes
    ----------
    type : str
        The op type as written in a spec (``"conv2d"``).
    model : type[SpecModel]
        Its pydantic model.
    spatial_rank : int
        Spatial axes of its input: 1 (``C, L``), 2 (``C, H, W``) or 3 (``C, D, H, W``).
    """

    windowed: ClassVar[bool] = False
    """A window slides over a tensor (convolutions, pooling)."""
    has_kernel: ClassVar[bool] = False
    """Learned weights, ``out_channels`` and ``groups`` (the convolution family)."""
    pooling: ClassVar[bool] = False
    """Takes the max or the mean of each window, channel by channel."""
    steps_over_input: ClassVar[bool] = False
    """Its window positions are the *input's* elements (a transposed conv stamps the kernel once
    per input element); otherwise one position per output element."""
    named_padding: ClassVar[bool] = False
    """``padding`` may be ``"same"`` or ``"valid"``."""
    has_matrix_form: ClassVar[bool] = False
    """Linear in its input with a matrix ``M`` per sample (``out = M·in + b``) that
    ``animation.view: matrix`` draws and ``inspect --json --values`` lists."""
    noun: ClassVar[str] = "kernel"
    """What messages call its window."""
    optional_bias: ClassVar[bool] = False
    """Its spec's ``bias`` may be ``false`` (the convolution family, linear); batch norm's
    always-present shift ``bias`` is not one."""

    def __init__(self, type: str, model: type[SpecModel], spatial_rank: int = 2) -> None:
        self.type = type
        self.model = model
        self.spatial_rank = spatial_rank

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.type!r})"

    def accepts_rank(self, rank: int) -> bool:
        """Whether the op takes an input with ``rank`` spatial axes (its own rank by default)."""
        return rank == self.spatial_rank

    def rank_advice(self) -> str:
        """Appended to the message about an input of the wrong rank (``"; put a flatten ..."``)."""
        return ""

    # -- geometry (ops with a window override these) -------------------------------------------

    def kernel(self, op: Any) -> tuple[int, ...] | None:
        """Kernel (or pooling window) size per spatial axis; ``None`` without a window."""
        return None

    def stride(self, op: Any) -> tuple[int, ...] | None:
        """Stride per spatial axis; ``None`` without a window."""
        return None

    def dilation(self, op: Any) -> tuple[int, ...] | None:
        """Dilation per spatial axis; ``None`` without a window."""
        return None

    def padding(self, op: Any) -> tuple[int, ...] | None:
        """Explicit ``(before, after)`` padding per spatial axis; ``None`` without a window."""
        return None

    # -- shapes ----------------------------------------------------------------------------------

    def output_shape(self, op: Any, input_shape: Sequence[int]) -> tuple[int, ...]:
        """Output shape for ``input_shape`` (both with the batch); computed, not checked."""
        return tuple(int(v) for v in input_shape)

    def formulas(self, op: Any, input_shape: Sequence[int]) -> tuple[str, ...]:
        """The output-size formula of each spatial axis with the numbers plugged in."""
        shape = tuple(int(v) for v in input_shape)
        names = _kept_axes(shape)
        dims = ", ".join(f"{a}={v}" for a, v in zip(names, shape[1:], strict=True))
        return (f"output shape = input shape: {dims} ({self.why_same_shape(op, shape)})",)

    def formulas_tex(self, op: Any, input_shape: Sequence[int]) -> tuple[str, ...]:
        r"""The formulas of :meth:`formulas` in LaTeX, for renderers that typeset math.

        Here (an op that keeps the shape): one line per axis, ``C_{\mathrm{out}} =
        C_{\mathrm{in}} = 12``, then :meth:`why_same_shape` in words, ``\text{(...)}`` (the
        storyboard puts it in the labels' language). Ops with a formula of their own override
        this with it.
        """
        shape = tuple(int(v) for v in input_shape)
        lines = tuple(
            f"{_tex_axis(a)}_{{\\mathrm{{out}}}} = {_tex_axis(a)}_{{\\mathrm{{in}}}} = {v}"
            for a, v in zip(_kept_axes(shape), shape[1:], strict=True)
        )
        return (*lines, f"\\text{{({self.why_same_shape(op, shape)})}}")

    def why_same_shape(self, op: Any, input_shape: tuple[int, ...]) -> str:
        """For ops that keep the shape: what they do instead (ends the formula line)."""
        return "the shape is kept"

    def kernel_cells(self, op: Any, input_shape: tuple[int, ...]) -> tuple[Cell, ...]:
        """The Kernel row of the shape table without its batch cell."""
        return ("-",) * (len(input_shape) - 2 + 2)

    def shape_table(self, op: Any, input_shape: Sequence[int]) -> ShapeTable:
        """The Input / Kernel / Output table (columns batch, spatial sizes, in/out channels).

        Input: batch, spatial sizes, ``in_channel`` = C. Kernel: the spatial kernel size,
        ``in_channel`` = channels one kernel reads (C/groups), ``out_channel`` = number of
        kernels; a pooling window with ``"-"`` channels; ``"-"`` everywhere without a window.
        Output: batch, spatial sizes, ``out_channel``.
        """
        shape = tuple(int(v) for v in input_shape)
        out = self.output_shape(op, shape)
        columns = ("batch", *spatial_columns(len(shape) - 2), "in_channel", "out_channel")
        rows = (
            ShapeRow("Input", (shape[0], *shape[2:], shape[1], "-")),
            ShapeRow("Kernel", ("-", *self.kernel_cells(op, shape))),
            ShapeRow("Output", (out[0], *out[2:], "-", out[1])),
        )
        return ShapeTable(columns, rows)

    # -- tensors, counts, receptive field ------------------------------------------------------

    def tensor_requests(self, op: Any, input_shape: Sequence[int]) -> tuple[TensorRequest, ...]:
        """The tensors (weights, biases, offsets ...) the op needs for this input shape."""
        return ()

    def cost(self, op: Any, input_shape: Sequence[int]) -> Cost:
        """params / MACs / FLOPs by the counting convention (docs/design.md §4.2)."""
        return zero_cost()

    def work_buffer(self, op: Any, input_shape: Sequence[int]) -> int:
        """Elements of the largest temporary the engine builds (unfolded windows ...)."""
        return math.prod(int(v) for v in input_shape)

    def receptive_field(
        self, op: Any, rf: ReceptiveField, input_spatial: tuple[int, ...]
    ) -> ReceptiveField:
        """The receptive field after this op, given the field of its input.

        ``input_spatial`` is the spatial size of the *chain's* input (for global ops).
        """
        return rf

    # -- checks ------------------------------------------------------------------------------

    def check(self, op: Any, input_shape: tuple[int, ...], fail: Fail) -> None:
        """Raise ``fail(field, message)`` when the op cannot take this input (groups ...)."""

    def check_fits(
        self, op: Any, input_shape: tuple[int, ...], output_shape: tuple[int, ...], fail: Fail
    ) -> None:
        """Raise when a spatial output size comes out below 1 (the kernel does not fit)."""


class WindowedOpDef(OpDef):
    """An op whose window slides over its input: pooling and the convolution family."""

    windowed = True

    def kernel(self, op: Any) -> tuple[int, ...]:
        """Kernel (or window) size per spatial axis."""
        return tuple(op.kernel_size)

    def stride(self, op: Any) -> tuple[int, ...]:
        """Stride per spatial axis (pooling without a stride steps by the window)."""
        stride = op.stride
        return tuple(stride) if stride is not None else self.kernel(op)

    def dilation(self, op: Any) -> tuple[int, ...]:
        """Dilation per spatial axis (1 where the op has none, e.g. average pooling)."""
        dilation = getattr(op, "dilation", None)
        return tuple(dilation) if dilation is not None else (1,) * len(self.kernel(op))

    def padding(self, op: Any) -> tuple[int, ...]:
        """Explicit ``(before, after)`` padding per spatial axis (see ``axis.resolve_padding``)."""
        return axis.resolve_padding(op.padding, self.kernel(op), self.dilation(op))

    def axis_rule(self, op: Any, i: int) -> axis.AxisRule:
        """Output size and formula of spatial axis ``i`` (a convolution's by default)."""
        k, s, d = self.kernel(op)[i], self.stride(op)[i], self.dilation(op)[i]
        pads = self.padding(op)
        before, after = pads[2 * i], pads[2 * i + 1]
        return (
            partial(axis.conv_out_size, k=k, s=s, p_total=before + after, d=d),
            partial(axis.conv_formula, k=k, s=s, pad_before=before, pad_after=after, d=d),
            partial(axis.conv_formula_tex, k=k, s=s, pad_before=before, pad_after=after, d=d),
        )

    def out_channels(self, op: Any, in_channels: int) -> int:
        """Channels of the output (pooling keeps them)."""
        return in_channels

    def output_shape(self, op: Any, input_shape: Sequence[int]) -> tuple[int, ...]:
        """``(N, channels, *spatial)`` by each axis's rule; may hold sizes below 1 (unchecked)."""
        shape = tuple(int(v) for v in input_shape)
        spatial = [self.axis_rule(op, i)[0](n) for i, n in enumerate(shape[2:])]
        return (shape[0], self.out_channels(op, shape[1]), *spatial)

    def formulas(self, op: Any, input_shape: Sequence[int]) -> tuple[str, ...]:
        """One formula per spatial axis: ``H_out = floor((7 + 2*0 - 1*(3-1) - 1) / 1) + 1 = 5``."""
        spatial = tuple(int(v) for v in input_shape)[2:]
        names = axis.AXIS_NAMES[len(spatial)]
        return tuple(self.axis_rule(op, i)[1](names[i], n) for i, n in enumerate(spatial))

    def empty_axis_formula(
        self, op: Any, input_shape: tuple[int, ...], output_shape: tuple[int, ...]
    ) -> str | None:
        """The formula of the first spatial axis whose output size is below 1, if any."""
        empty = [i for i, size in enumerate(output_shape[2:]) if size < 1]
        return self.formulas(op, input_shape)[empty[0]] if empty else None

    def formulas_tex(self, op: Any, input_shape: Sequence[int]) -> tuple[str, ...]:
        r"""One LaTeX formula per spatial axis, symbolic then with the numbers plugged in:
        ``H_{\mathrm{out}} = \left\lfloor \frac{H_{\mathrm{in}} + 2p - ...}{s} \right\rfloor
        + 1 = ... = 5``."""
        spatial = tuple(int(v) for v in input_shape)[2:]
        names = axis.AXIS_NAMES[len(spatial)]
        return tuple(self.axis_rule(op, i)[2](names[i], n) for i, n in enumerate(spatial))

    def kernel_cells(self, op: Any, input_shape: tuple[int, ...]) -> tuple[Cell, ...]:
        """The window's spatial size; no channels (pooling reads one channel per window)."""
        return (*self.kernel(op), "-", "-")

    def receptive_field(
        self, op: Any, rf: ReceptiveField, input_spatial: tuple[int, ...]
    ) -> ReceptiveField:
        """The standard recurrence over the window (see :mod:`convanim.spec.ops.receptive`)."""
        pads = self.padding(op)
        return after_window(rf, self.kernel(op), self.stride(op), pads[0::2], self.dilation(op))

    def check_fits(
        self, op: Any, input_shape: tuple[int, ...], output_shape: tuple[int, ...], fail: Fail
    ) -> None:
        """Refuse a window that does not fit in the padded input, with the formula."""
        formula = self.empty_axis_formula(op, input_shape, output_shape)
        if formula is None:
            return
        kernel, pads, dilation = self.kernel(op), self.padding(op), self.dilation(op)
        padded = [input_shape[2 + i] + pads[2 * i] + pads[2 * i + 1] for i in range(len(kernel))]
        what = f"the {_dims(kernel)} {self.noun}"
        if any(d != 1 for d in dilation):
            span = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
            what += f" with dilation {list(dilation)} (spanning {_dims(span)})"
        raise fail(
            "kernel_size",
            f"{what} does not fit in the padded {_dims(padded)} input: "
            f"{formula}; use a smaller {self.noun}, more padding or a larger input",
        )


class KernelOpDef(WindowedOpDef):
    """The convolution family: learned weights, ``out_channels``, ``groups`` and a bias."""

    has_kernel = True
    optional_bias = True

    def out_channels(self, op: Any, in_channels: int) -> int:
        """``op.out_channels``."""
        return int(op.out_channels)

    def kernel_cells(self, op: Any, input_shape: tuple[int, ...]) -> tuple[Cell, ...]:
        """The kernel's spatial size, the channels one kernel reads and the number of kernels."""
        return (*self.kernel(op), input_shape[1] // op.groups, op.out_channels)

    def weight_request(self, op: Any, input_shape: tuple[int, ...]) -> TensorRequest:
        """The weight in PyTorch's layout ``(out_channels, in_channels/groups, *kernel)``."""
        kernel = self.kernel(op)
        fan_in = (input_shape[1] // op.groups) * math.prod(kernel)
        return TensorRequest(
            "weight",
            op.weight,
            (op.out_channels, input_shape[1] // op.groups, *kernel),
            "(out_channels, in_channels/groups, " + ", ".join(KERNEL_AXES[len(kernel)]) + ")",
            "weight",
            fan_in,
        )

    def tensor_requests(self, op: Any, input_shape: Sequence[int]) -> tuple[TensorRequest, ...]:
        """The weight and, unless ``bias: false``, the bias (fan-in as PyTorch computes it)."""
        weight = self.weight_request(op, tuple(int(v) for v in input_shape))
        if op.bias is False:
            return (weight,)
        source = "random" if op.bias is True else op.bias
        bias = TensorRequest(
            "bias", source, (op.out_channels,), "(out_channels,)", "bias", weight.fan_in
        )
        return (weight, bias)

    def cost(self, op: Any, input_shape: Sequence[int]) -> Cost:
        """``N * Cout * prod(out) * (Cin/g) * prod(kernel)`` MACs (as thop and fvcore count)."""
        shape = tuple(int(v) for v in input_shape)
        out = self.output_shape(op, shape)
        return conv_cost(
            shape[0], shape[1], op.out_channels, out[2:], self.kernel(op), op.groups,
            op.bias is not False,
        )  # fmt: skip

    def work_buffer(self, op: Any, input_shape: Sequence[int]) -> int:
        """The unfolded windows: ``N * prod(out) * C * prod(kernel)``."""
        shape = tuple(int(v) for v in input_shape)
        out = self.output_shape(op, shape)
        windows = math.prod(max(s, 0) for s in out[2:])
        return shape[0] * windows * shape[1] * math.prod(self.kernel(op))

    def check(self, op: Any, input_shape: tuple[int, ...], fail: Fail) -> None:
        """``groups`` must divide both channel counts."""
        c, o, groups = input_shape[1], op.out_channels, op.groups
        allowed = divisors(math.gcd(c, o))
        if c % groups:
            raise fail(
                "groups", f"groups={groups} does not divide in_channels={c} (allowed: {allowed})"
            )
        if o % groups:
            raise fail(
                "groups", f"groups={groups} does not divide out_channels={o} (allowed: {allowed})"
            )


def _dims(values: Sequence[int]) -> str:
    return "x".join(str(v) for v in values)
