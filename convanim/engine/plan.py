"""The Plan: every number of a scene, computed once from a validated :class:`SceneSpec`.

``plan(spec)`` resolves the input and every op's tensors (seeded), runs the chain through the
NumPy engine, and records per op its output, trace, cost, receptive field, shape table and the
output-size formulas. The result is frozen (arrays are read-only) and is all the storyboard and
``convanim inspect`` need.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from convanim.engine.ops import runner_for
from convanim.engine.trace import Trace
from convanim.errors import ShapeError
from convanim.spec.ops import op_def
from convanim.spec.ops.cost import Cost, total_cost
from convanim.spec.ops.receptive import ReceptiveField, initial_field
from convanim.spec.ops.table import ShapeTable
from convanim.spec.values import resolve_input, resolve_op_tensors

if TYPE_CHECKING:
    from convanim.spec.models import OpSpec, SceneSpec

__all__ = ["OpResult", "Plan", "Trace", "plan"]


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
    shape_table : ShapeTable
        Rows Input / Kernel / Output.
    formula : tuple[str, ...]
        The output-size formulas with the numbers plugged in, one per spatial axis.
    formula_tex : tuple[str, ...]
        The same formulas in LaTeX (symbolic, then with the numbers); empty for ops that keep
        their input's shape.
    report, report_values : Mapping[str, Any]
        Op-specific fields of ``inspect --json`` (always / only with ``--values``).
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
    shape_table: ShapeTable
    formula: tuple[str, ...]
    formula_tex: tuple[str, ...]
    report: Mapping[str, Any]
    report_values: Mapping[str, Any]

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
        definition = op_def(op)
        in_shape = tuple(int(v) for v in x.shape)
        tensors = resolve_op_tensors(spec, index, in_shape)
        try:
            step = runner_for(op.type)(op, x, tensors)
        except ValueError as exc:
            err = spec.source.error(("ops", index), str(exc), cls=ShapeError)
            raise err from exc
        rf = definition.receptive_field(op, rf, input_spatial)
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
                cost=definition.cost(op, in_shape),
                receptive_field=rf,
                shape_table=definition.shape_table(op, in_shape),
                formula=definition.formulas(op, in_shape),
                formula_tex=definition.formulas_tex(op, in_shape),
                report=MappingProxyType(step.report),
                report_values=MappingProxyType(step.report_values),
            )
        )
        x = output
    return Plan(
        spec=spec,
        input=chain_input,
        ops=tuple(results),
        total=total_cost([r.cost for r in results]),
    )
