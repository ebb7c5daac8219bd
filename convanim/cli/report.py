"""What ``convanim inspect`` prints without ``--json``: a Plan as text for an 80-column terminal."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from convanim.engine.report import CONVENTION, HYPERPARAMETERS
from convanim.spec.ops import op_def

if TYPE_CHECKING:
    from convanim.engine import OpResult, Plan

__all__ = ["WIDTH", "format_plan"]

#: Width of the text report.
WIDTH = 80


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
    spec, definition = op.spec, op_def(op.spec)
    parts = []
    for name in HYPERPARAMETERS:
        value = getattr(spec, name, None)
        if name == "stride" and definition.windowed:
            value = definition.stride(spec)  # pooling's default: the window size
        if value is None:
            continue
        parts.append(f"{name}={_value(name, value)}")
    if definition.optional_bias:
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
