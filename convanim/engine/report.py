"""The data of ``convanim inspect --json`` and ``convanim.inspect()``: a Plan as JSON-ready data.

The form is a contract (docs/design.md §4.3)::

    {"input": {"shape": [...], "values": ...},
     "ops": [{"type", "input_shape", "output_shape", "params", "macs", "flops",
              "weight", "bias", "output", ...}],
     "total": {"params", "macs", "flops"}}

Shapes always include the batch N. ``values``, ``weight``, ``bias``, ``output`` and the other
tensors (``indices``, ``scale``, ``offset``, ``mask`` ...) appear only when values are asked for;
with values, a spec with ``animation.view: matrix`` also gets each op's ``"matrix"`` (see
:mod:`convanim.engine.matrix`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from convanim.engine.matrix import matrix_of
from convanim.spec.ops import op_def

if TYPE_CHECKING:
    from convanim.engine import OpResult, Plan

__all__ = ["CONVENTION", "HYPERPARAMETERS", "op_to_dict", "plan_to_dict"]

#: The counting convention, as ``inspect`` states it (docs/design.md §4.2).
CONVENTION = (
    "params = weights + biases; MACs = multiply-accumulates, bias adds not counted; "
    "FLOPs = 2 x MACs"
)
#: Op fields copied into the JSON as they are in the spec (tuples become lists).
HYPERPARAMETERS = (
    "out_channels",
    "kernel_size",
    "stride",
    "padding",
    "output_padding",
    "dilation",
    "groups",
    "offset_groups",
    "ceil_mode",
    "count_include_pad",
    "divisor_override",
    "reduction",
    "out_features",
    "in_features",
    "start_dim",
    "eps",
)


def _jsonable(value: Any) -> Any:
    """Tuples to lists, recursively (model fields are tuples)."""
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


def _array(a: np.ndarray | None) -> Any:
    """A nested list (``None`` stays ``None``)."""
    return None if a is None else a.tolist()


def op_to_dict(op: OpResult, *, values: bool = False, matrix: bool = False) -> dict[str, Any]:
    """One op of the ``inspect --json`` output.

    Parameters
    ----------
    op : OpResult
        A computed op.
    values : bool
        Include the tensors (``weight``, ``bias``, ``output`` and the op's extras) as nested lists.
    matrix : bool
        With ``values``, also ``"matrix"``: the op's dense ``M`` (rows = one sample's output
        elements, columns = its input elements, both C, H, W order) when its definition has a
        matrix form (``spec.animation.view: matrix`` asks for it).
    """
    spec, definition = op.spec, op_def(op.spec)
    out: dict[str, Any] = {"index": op.index, "type": op.type}
    for name in HYPERPARAMETERS:
        if hasattr(spec, name):
            out[name] = _jsonable(getattr(spec, name))
    if definition.windowed:
        out["stride"] = _jsonable(definition.stride(spec))  # pooling's default: the window
    if definition.named_padding:
        out["padding_sides"] = _jsonable(definition.padding(spec))
    if hasattr(spec, "bias"):
        out["has_bias"] = op.bias is not None
    out["input_shape"] = list(op.input_shape)
    out["output_shape"] = list(op.output_shape)
    out.update(op.cost.as_dict())
    out["formula"] = list(op.formula)
    out["receptive_field"] = op.receptive_field.as_dict()
    out["shape_table"] = op.shape_table.as_dict()
    out.update(op.report)
    if values:
        out["weight"] = _array(op.weight)
        out["bias"] = _array(op.bias)
        out["output"] = _array(op.output)
        for name, tensor in op.params.items():
            out[name] = _array(tensor)
        out.update(op.report_values)
        if matrix and definition.has_matrix_form:
            out["matrix"] = matrix_of(op).tolist()
    return out


def plan_to_dict(plan: Plan, *, values: bool = False) -> dict[str, Any]:
    """The whole ``inspect --json`` object (see the module docstring)."""
    matrix = plan.spec.animation.view == "matrix"
    inp: dict[str, Any] = {"shape": [int(v) for v in plan.input.shape]}
    if values:
        inp["values"] = plan.input.tolist()
    return {
        "input": inp,
        "ops": [op_to_dict(op, values=values, matrix=matrix) for op in plan.ops],
        "total": plan.total.as_dict(),
    }
