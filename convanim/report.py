"""What ``convanim inspect`` prints: a Plan as JSON-ready data or as text for an 80-column terminal.

The JSON form is a contract (DESIGN.md §3.3)::

    {"input": {"shape": [...], "values": ...},
     "ops": [{"type", "input_shape", "output_shape", "params", "macs", "flops",
              "weight", "bias", "output", ...}],
     "total": {"params", "macs", "flops"}}

Shapes always include the batch N. ``values``, ``weight``, ``bias``, ``output`` and the other
tensors (``indices``, ``scale``, ``offset``, ``mask`` ...) appear only when values are asked for.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from convanim.engine import shapes

if TYPE_CHECKING:
    from convanim.engine import OpResult, Plan
    from convanim.engine.trace import SETrace, ShuffleTrace

__all__ = ["CONVENTION", "WIDTH", "format_plan", "op_to_dict", "plan_to_dict"]

#: The counting convention, as ``inspect`` states it (DESIGN.md §3.2).
CONVENTION = (
    "params = weights + biases; MACs = multiply-accumulates, bias adds not counted; "
    "FLOPs = 2 x MACs"
)
#: Width of the text report.
WIDTH = 80

#: Op fields copied into the JSON as they are in the spec (tuples become lists).
_HYPERPARAMETERS = (
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
)


def _jsonable(value: Any) -> Any:
    """Tuples to lists, recursively (model fields are tuples)."""
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


def _array(a: np.ndarray | None) -> Any:
    """A nested list (``None`` stays ``None``)."""
    return None if a is None else a.tolist()


def op_to_dict(op: OpResult, *, values: bool = False) -> dict[str, Any]:
    """One op of the ``inspect --json`` output.

    Parameters
    ----------
    op : OpResult
        A computed op.
    values : bool
        Include the tensors (``weight``, ``bias``, ``output`` and the op's extras) as nested lists.
    """
    spec = op.spec
    out: dict[str, Any] = {"index": op.index, "type": op.type}
    for name in _HYPERPARAMETERS:
        if hasattr(spec, name):
            out[name] = _jsonable(getattr(spec, name))
    if op.type in ("max_pool2d", "avg_pool2d"):
        out["stride"] = _jsonable(shapes.op_stride(spec))
    if op.type in ("conv2d", "conv3d"):
        out["padding_sides"] = _jsonable(shapes.op_padding(spec))
    if hasattr(spec, "bias"):
        out["has_bias"] = op.bias is not None
    out["input_shape"] = list(op.input_shape)
    out["output_shape"] = list(op.output_shape)
    out.update(op.cost.as_dict())
    out["formula"] = list(op.formula)
    out["receptive_field"] = op.receptive_field.as_dict()
    out["shape_table"] = op.shape_table.as_dict()
    trace = op.trace
    if op.type == "channel_shuffle":
        out["perm"] = cast("ShuffleTrace", trace).perm.tolist()
    if op.type == "squeeze_excitation":
        out["hidden_channels"] = int(cast("SETrace", trace).hidden.shape[1])
    if values:
        out["weight"] = _array(op.weight)
        out["bias"] = _array(op.bias)
        out["output"] = _array(op.output)
        for name, tensor in op.params.items():
            out[name] = _array(tensor)
        if op.type == "squeeze_excitation":
            se = cast("SETrace", trace)
            out["squeezed"] = se.squeezed.tolist()
            out["hidden"] = se.hidden.tolist()
            out["scale"] = se.scale.tolist()
    return out


def plan_to_dict(plan: Plan, *, values: bool = False) -> dict[str, Any]:
    """The whole ``inspect --json`` object (see the module docstring)."""
    inp: dict[str, Any] = {"shape": [int(v) for v in plan.input.shape]}
    if values:
        inp["values"] = plan.input.tolist()
    return {
        "input": inp,
        "ops": [op_to_dict(op, values=values) for op in plan.ops],
        "total": plan.total.as_dict(),
    }


# ---------------------------------------------------------------------------------------------
# text
# ---------------------------------------------------------------------------------------------


def _dims(shape: tuple[int, ...]) -> str:
    return "x".join(str(v) for v in shape)


def _value(name: str, value: Any) -> str:
    if isinstance(value, tuple):
        if name == "kernel_size":
            return "x".join(str(v) for v in value)
        if len(set(value)) == 1:
            return str(value[0])
        return "(" + ", ".join(str(v) for v in value) + ")"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _op_title(op: OpResult) -> str:
    spec = op.spec
    parts = []
    for name in _HYPERPARAMETERS:
        value = getattr(spec, name, None)
        if name == "stride" and op.type in ("max_pool2d", "avg_pool2d"):
            value = shapes.op_stride(spec)  # PyTorch's default: the window size
        if value is None:
            continue
        parts.append(f"{name}={_value(name, value)}")
    if hasattr(spec, "bias"):
        parts.append(f"bias={'true' if op.bias is not None else 'false'}")
    return f"[{op.index}] {op.type}  " + " ".join(parts)


def _wrap(text: str, indent: str = "", hang: str = "    ") -> list[str]:
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + hang,
        break_on_hyphens=False,
        break_long_words=False,
    )


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _receptive(op: OpResult) -> str:
    rf = op.receptive_field
    whole = " = the whole input" if rf.covers_input else ""
    return (
        f"receptive field {'x'.join(_num(v) for v in rf.size)}{whole}"
        f"  (jump {'x'.join(_num(v) for v in rf.jump)},"
        f" centre of output 0 at {', '.join(_num(v) for v in rf.start)})"
    )


def _counts(params: int, macs: int, flops: int) -> str:
    return f"params {params:,}   MACs {macs:,}   FLOPs {flops:,}"


def format_plan(plan: Plan) -> str:
    """The text report of ``convanim inspect``: per op the shape table, formulas, counts, RF.

    Lines fit in :data:`WIDTH` columns (long ones wrap with a hanging indent).
    """
    lines: list[str] = []
    spec = plan.spec
    if spec.title:
        lines.append(spec.title)
    rank = plan.input.ndim - 2
    axes = "N, C, D, H, W" if rank == 3 else "N, C, H, W"
    lines.append(f"input {_dims(tuple(plan.input.shape))}  ({axes})")
    lines += _wrap("counting: " + CONVENTION, hang=" " * len("counting: "))
    for op in plan.ops:
        lines.append("")
        lines += _wrap(_op_title(op))
        lines += ["    " + row for row in op.shape_table.format().splitlines()]
        for formula in op.formula:
            lines += _wrap(formula, indent="    ")
        lines.append("    " + _counts(op.cost.params, op.cost.macs, op.cost.flops))
        lines += _wrap(_receptive(op), indent="    ")
    lines.append("")
    first, last = plan.input.shape, plan.ops[-1].output.shape
    count = f"{len(plan.ops)} op" + ("s" if len(plan.ops) != 1 else "")
    lines.append(f"total ({count}, {_dims(tuple(first))} -> {_dims(tuple(last))})")
    lines.append("    " + _counts(plan.total.params, plan.total.macs, plan.total.flops))
    return "\n".join(lines)
