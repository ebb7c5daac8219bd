"""The Plan: every number of a scene, computed once from a validated :class:`SceneSpec`.

``plan(spec)`` resolves the input and every op's tensors (seeded), runs the chain through the
NumPy engine, and records per op its output, trace, cost, receptive field, shape table and the
output-size formulas. The result is frozen (arrays are read-only) and is all the storyboard and
``convanim inspect`` need.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from convanim.engine import shapes
from convanim.engine.conv import conv2d, conv3d, conv_transpose2d
from convanim.engine.cost import (
    Cost,
    conv_cost,
    conv_transpose_cost,
    se_cost,
    total_cost,
    zero_cost,
)
from convanim.engine.deform import deform_conv2d
from convanim.engine.pool import avg_pool2d, max_pool2d
from convanim.engine.receptive import (
    ReceptiveField,
    after_global,
    after_transpose,
    after_window,
    initial_field,
)
from convanim.engine.se import squeeze_excitation
from convanim.engine.shuffle import channel_shuffle
from convanim.engine.trace import (
    DeformTrace,
    SETrace,
    ShuffleTrace,
    TransposeTrace,
    Volume3DTrace,
    WindowTrace,
    deform_trace,
    pool_trace,
    se_trace,
    shuffle_trace,
    transpose_trace,
    volume3d_trace,
    window_trace,
)
from convanim.errors import ShapeError
from convanim.spec.values import resolve_input, resolve_op_tensors

if TYPE_CHECKING:
    from convanim.spec.models import OpSpec, SceneSpec

__all__ = ["OpResult", "Plan", "Trace", "plan"]

Trace = Union[WindowTrace, TransposeTrace, DeformTrace, ShuffleTrace, SETrace, Volume3DTrace]  # noqa: UP007
"""What the animation of one op follows (see :mod:`convanim.engine.trace`)."""


def _readonly(array: np.ndarray) -> np.ndarray:
    """Mark an array the plan owns read-only, without copying it.

    Every array passed here is fresh (built by the value resolver or an engine op) and nothing
    else keeps a reference to it, so freezing it in place is safe and saves a copy of every
    tensor on big inputs.
    """
    out = np.asarray(array)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class OpResult:
    """Everything computed for one op of the chain.

    Attributes
    ----------
    index : int
        Position in ``spec.ops``.
    type : str
        The op type (``"conv2d"`` ...).
    spec : OpSpec
        The op's model.
    input, output : numpy.ndarray
        The op's input (the previous op's output) and output, batch first, read-only.
    weight, bias : numpy.ndarray or None
        PyTorch layouts; ``None`` when the op has none (pooling, shuffle, SE, ``bias: false``).
    params : Mapping[str, numpy.ndarray]
        Other tensors: ``offset``/``mask`` (deform), ``fc1_weight``/``fc1_bias``/``fc2_weight``/
        ``fc2_bias`` (SE), ``indices`` (max pooling, flat ``h * W + w`` per channel).
    trace : Trace
        Windows, stamps, sampling points, permutation or SE weights.
    cost : Cost
        params / MACs / FLOPs by docs/design.md §4.2.
    receptive_field : ReceptiveField
        After this op, in pixels of the chain's input.
    shape_table : shapes.ShapeTable
        Rows Input / Kernel / Output.
    formula : tuple[str, ...]
        The output-size formulas with the numbers plugged in, one per spatial axis.
    """

    index: int
    type: str
    spec: OpSpec
    input: np.ndarray
    output: np.ndarray
    weight: np.ndarray | None
    bias: np.ndarray | None
    params: Mapping[str, np.ndarray]
    trace: Trace
    cost: Cost
    receptive_field: ReceptiveField
    shape_table: shapes.ShapeTable
    formula: tuple[str, ...]

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of :attr:`input`, batch included."""
        return tuple(int(v) for v in self.input.shape)

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Shape of :attr:`output`, batch included."""
        return tuple(int(v) for v in self.output.shape)


@dataclass(frozen=True, eq=False)
class Plan:
    """A whole scene computed: the input, one :class:`OpResult` per op and the total cost."""

    spec: SceneSpec
    input: np.ndarray
    ops: tuple[OpResult, ...]
    total: Cost

    @property
    def output(self) -> np.ndarray:
        """The output of the last op."""
        return self.ops[-1].output


@dataclass(frozen=True)
class _Step:
    """What an op runner returns: the output, its extra tensors, trace and cost."""

    output: np.ndarray
    extras: dict[str, np.ndarray]
    trace: Trace
    cost: Cost


_Runner = Callable[[Any, np.ndarray, Mapping[str, np.ndarray]], _Step]


def _pair(values: tuple[int, ...]) -> tuple[int, int]:
    return (int(values[0]), int(values[1]))


def _run_conv2d(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> _Step:
    pads = shapes.op_padding(op)
    assert pads is not None
    pad4 = (pads[0], pads[1], pads[2], pads[3])
    out = conv2d(x, t["weight"], t.get("bias"), op.stride, pad4, op.dilation, op.groups)
    n, c = x.shape[:2]
    trace = window_trace(
        _pair(x.shape[2:]),
        op.kernel_size,
        op.stride,
        pad4,
        op.dilation,
        groups=op.groups,
        in_channels=c,
        out_channels=op.out_channels,
        output_size=_pair(out.shape[2:]),
    )
    cost = conv_cost(n, c, op.out_channels, out.shape[2:], op.kernel_size, op.groups, "bias" in t)
    return _Step(out, {}, trace, cost)


def _run_conv3d(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> _Step:
    pads = shapes.op_padding(op)
    assert pads is not None
    pad6 = (pads[0], pads[1], pads[2], pads[3], pads[4], pads[5])
    out = conv3d(x, t["weight"], t.get("bias"), op.stride, pad6, op.dilation, op.groups)
    n, c = x.shape[:2]
    d, h, w = (int(v) for v in x.shape[2:])
    do, ho, wo = (int(v) for v in out.shape[2:])
    trace = volume3d_trace(
        (d, h, w),
        op.kernel_size,
        op.stride,
        pad6,
        op.dilation,
        groups=op.groups,
        in_channels=c,
        out_channels=op.out_channels,
        output_size=(do, ho, wo),
    )
    cost = conv_cost(n, c, op.out_channels, out.shape[2:], op.kernel_size, op.groups, "bias" in t)
    return _Step(out, {}, trace, cost)


def _run_conv_transpose2d(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> _Step:
    out = conv_transpose2d(
        x,
        t["weight"],
        t.get("bias"),
        op.stride,
        op.padding,
        op.output_padding,
        op.dilation,
        op.groups,
    )
    n, c = x.shape[:2]
    trace = transpose_trace(
        _pair(x.shape[2:]),
        t["weight"],
        op.stride,
        op.padding,
        op.output_padding,
        op.dilation,
        op.groups,
    )
    cost = conv_transpose_cost(
        n, c, op.out_channels, x.shape[2:], op.kernel_size, op.groups, "bias" in t
    )
    return _Step(out, {}, trace, cost)


def _run_deform_conv2d(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> _Step:
    mask = t.get("mask")
    out = deform_conv2d(
        x,
        t["weight"],
        t.get("bias"),
        t["offset"],
        mask,
        op.stride,
        op.padding,
        op.dilation,
        op.groups,
        op.offset_groups,
    )
    n, c = x.shape[:2]
    ph, pw = op.padding
    window = window_trace(
        _pair(x.shape[2:]),
        op.kernel_size,
        op.stride,
        (ph, ph, pw, pw),
        op.dilation,
        groups=op.groups,
        in_channels=c,
        out_channels=op.out_channels,
        output_size=_pair(out.shape[2:]),
    )
    extras = {"offset": t["offset"]}
    if mask is not None:
        extras["mask"] = mask
    trace = deform_trace(window, t["offset"], mask, op.offset_groups)
    cost = conv_cost(n, c, op.out_channels, out.shape[2:], op.kernel_size, op.groups, "bias" in t)
    return _Step(out, extras, trace, cost)


def _run_max_pool2d(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> _Step:
    stride = shapes.op_stride(op)
    assert stride is not None
    s2 = _pair(stride)
    out, indices = max_pool2d(x, op.kernel_size, s2, op.padding, op.dilation, op.ceil_mode)
    trace = pool_trace(
        _pair(x.shape[2:]),
        int(x.shape[1]),
        op.kernel_size,
        s2,
        op.padding,
        op.dilation,
        _pair(out.shape[2:]),
    )
    return _Step(out, {"indices": indices}, trace, zero_cost())


def _run_avg_pool2d(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> _Step:
    stride = shapes.op_stride(op)
    assert stride is not None
    s2 = _pair(stride)
    out = avg_pool2d(
        x,
        op.kernel_size,
        s2,
        op.padding,
        op.ceil_mode,
        op.count_include_pad,
        op.divisor_override,
    )
    trace = pool_trace(
        _pair(x.shape[2:]),
        int(x.shape[1]),
        op.kernel_size,
        s2,
        op.padding,
        (1, 1),
        _pair(out.shape[2:]),
    )
    return _Step(out, {}, trace, zero_cost())


def _run_channel_shuffle(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> _Step:
    out, perm = channel_shuffle(x, op.groups)
    return _Step(out, {}, shuffle_trace(perm, op.groups), zero_cost())


def _run_squeeze_excitation(op: Any, x: np.ndarray, t: Mapping[str, np.ndarray]) -> _Step:
    out, squeezed, hidden, scale = squeeze_excitation(
        x, t["fc1_weight"], t["fc1_bias"], t["fc2_weight"], t["fc2_bias"]
    )
    n, c = x.shape[:2]
    extras = {k: t[k] for k in ("fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias")}
    cost = se_cost(n, c, int(t["fc1_weight"].shape[0]))
    return _Step(out, extras, se_trace(squeezed, hidden, scale), cost)


_RUNNERS: dict[str, _Runner] = {
    "conv2d": _run_conv2d,
    "conv3d": _run_conv3d,
    "conv_transpose2d": _run_conv_transpose2d,
    "deform_conv2d": _run_deform_conv2d,
    "max_pool2d": _run_max_pool2d,
    "avg_pool2d": _run_avg_pool2d,
    "channel_shuffle": _run_channel_shuffle,
    "squeeze_excitation": _run_squeeze_excitation,
}


def next_receptive_field(
    op: OpSpec, rf: ReceptiveField, input_spatial: tuple[int, ...]
) -> ReceptiveField:
    """Receptive field after ``op`` given the field of its input.

    Parameters
    ----------
    op : OpSpec
        The op.
    rf : ReceptiveField
        Field of the op's input.
    input_spatial : tuple of int
        Spatial size of the *chain's* input (global ops cover all of it).
    """
    if op.type == "channel_shuffle":
        return rf
    if op.type == "squeeze_excitation":
        return after_global(rf, input_spatial)
    kernel = shapes.op_kernel(op)
    stride = shapes.op_stride(op)
    dilation = shapes.op_dilation(op)
    pads = shapes.op_padding(op)
    assert kernel is not None and stride is not None and dilation is not None and pads is not None
    if op.type == "conv_transpose2d":
        return after_transpose(rf, kernel, stride, tuple(op.padding), dilation)
    return after_window(rf, kernel, stride, pads[0::2], dilation)


def plan(spec: SceneSpec) -> Plan:
    """Compute every op of ``spec`` with the NumPy engine.

    Parameters
    ----------
    spec : SceneSpec
        A validated spec (from :func:`convanim.spec.load` / ``loads``, which check the whole
        chain before anything is allocated).

    Returns
    -------
    Plan
        Frozen; all arrays read-only.

    Raises
    ------
    SpecError
        A value source that cannot be resolved (missing ``.npy``, wrong shape).
    ShapeError
        An op the engine refuses (only for specs that skipped validation), pointed at ``ops[i]``.
    """
    x = _readonly(resolve_input(spec))
    chain_input = x
    input_spatial = tuple(int(v) for v in x.shape[2:])
    rf = initial_field(len(input_spatial))
    results: list[OpResult] = []
    for index, op in enumerate(spec.ops):
        in_shape = tuple(int(v) for v in x.shape)
        tensors = resolve_op_tensors(spec, index, in_shape)
        try:
            step = _RUNNERS[op.type](op, x, tensors)
        except ValueError as exc:
            err = spec.source.error(("ops", index), str(exc), cls=ShapeError)
            raise err from exc
        rf = next_receptive_field(op, rf, input_spatial)
        output = _readonly(step.output)
        extras = {k: _readonly(v) for k, v in step.extras.items()}
        results.append(
            OpResult(
                index=index,
                type=op.type,
                spec=op,
                input=x,
                output=output,
                weight=_readonly(tensors["weight"]) if "weight" in tensors else None,
                bias=_readonly(tensors["bias"]) if "bias" in tensors else None,
                params=MappingProxyType(extras),
                trace=step.trace,
                cost=step.cost,
                receptive_field=rf,
                shape_table=shapes.shape_table(op, in_shape),
                formula=shapes.formulas(op, in_shape),
            )
        )
        x = output
    return Plan(
        spec=spec,
        input=chain_input,
        ops=tuple(results),
        total=total_cost([r.cost for r in results]),
    )
