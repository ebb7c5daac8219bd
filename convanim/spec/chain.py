"""Check a whole chain of ops on integer shapes, before anything is computed.

Each op's input shape is the previous op's output shape; every rule is its op definition's
(:mod:`convanim.spec.ops`). Problems are raised as :class:`ShapeError` (or :class:`SpecError`
for limits) pointing at the YAML path that has to change: groups that do not divide the
channels, kernels that do not fit, invalid ``output_padding``, ``padding: same`` with a stride,
values of the wrong shape, tensors over the size limits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from convanim import limits
from convanim.errors import ShapeError
from convanim.spec.fields import is_file_source
from convanim.spec.matrix_view import check_matrix_view
from convanim.spec.models import OpSpec, SceneSpec, YamlPath
from convanim.spec.ops import TensorRequest, op_def
from convanim.spec.values import INPUT_LAYOUTS, resolve_input, resolve_values, rng_key

__all__ = ["validate_chain"]

#: What to call the input of an op of each spatial rank.
_NOUNS = {0: "a vector input ", 1: "a sequence input ", 2: "", 3: "a volume input "}
#: The input shapes an op of each spatial rank takes, as messages write them.
_NEEDS = {
    0: _NOUNS[0] + "[F] or [N, F]",
    1: _NOUNS[1] + "[C, L] or [N, C, L]",
    2: _NOUNS[2] + "[C, H, W] or [N, C, H, W]",
    3: _NOUNS[3] + "[C, D, H, W] or [N, C, D, H, W]",
}
#: A written shape with too few sizes for the first op, by its number of sizes.
_INPUT_OF_SIZES = {
    1: "a vector (F)",
    2: "a 1-D input (C, L)",
    3: "a 2-D input (C, H, W)",
    4: "a 3-D input",
}
#: A written shape with too many sizes for the first op: its layout and the ops it is for.
_SHAPE_FOR = {
    3: ("[C, H, W] or [N, C, L]", "2-D or 1-D ops"),
    4: ("[N, C, H, W]", "2-D ops"),
    5: ("[N, C, D, H, W]", "conv3d"),
}


def _shape(values: Sequence[int]) -> str:
    return "(" + ", ".join(str(v) for v in values) + ")"


def _where(index: int) -> str:
    return "input.shape" if index == 0 else f"the output of ops[{index - 1}]"


class _Checker:
    def __init__(self, spec: SceneSpec) -> None:
        self.spec = spec
        self.source = spec.source

    def fail(self, path: YamlPath, message: str) -> ShapeError:
        err = self.source.error(path, message, cls=ShapeError)
        assert isinstance(err, ShapeError)
        return err

    # -- input ---------------------------------------------------------------------------------

    def check_input(self) -> tuple[int, ...]:
        spec = self.spec
        written = spec.input.shape
        first = spec.ops[0]
        rank = spec.spatial_rank
        if len(written) <= rank:
            raise self.fail(
                ("ops", 0, "type"),
                f"{first.type} needs {_NEEDS[rank]}; input.shape {list(written)} is "
                f"{_INPUT_OF_SIZES[len(written)]}",
            )
        if len(written) > rank + 2:
            layout, user = _SHAPE_FOR[len(written)]
            raise self.fail(
                ("input", "shape"),
                f"a {len(written)}-D shape {layout} is for {user}, but ops[0] is {first.type}, "
                f"which needs {_NEEDS[rank].removeprefix(_NOUNS[rank])}"
                f"{op_def(first).rank_advice()}",
            )
        full = spec.input_shape
        limits.check_elements(
            math.prod(full),
            "the input",
            advice="use a smaller input",
            source=self.source,
            path=("input", "shape"),
        )
        values = spec.input.values
        if not isinstance(values, str) or is_file_source(values) or spec.input.mean_std:
            resolve_input(spec)
        return full

    # -- one op --------------------------------------------------------------------------------

    def check_op(self, index: int, op: OpSpec, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        at: YamlPath = ("ops", index)
        definition = op_def(op)
        rank = definition.spatial_rank
        if not definition.accepts_rank(len(in_shape) - 2):
            need = INPUT_LAYOUTS[rank]
            raise self.fail(
                (*at, "type"),
                f"{op.type} needs a {rank + 2}-D input {need}; its input, {_where(index)}, "
                f"is {len(in_shape)}-D {_shape(in_shape)}{definition.rank_advice()}",
            )

        def fail(field: str, message: str) -> ShapeError:
            return self.fail((*at, field), message)

        definition.check(op, in_shape, fail)
        out_shape = definition.output_shape(op, in_shape)
        definition.check_fits(op, in_shape, out_shape, fail)
        for request in definition.tensor_requests(op, in_shape):
            self.check_tensor(index, request)
        work = limits.op_work(op, in_shape)
        what = f"ops[{index}]"
        limits.check_elements(work.output, f"the output of {what}", source=self.source, path=at)
        limits.check_elements(
            work.buffer,
            f"the unfolded windows of {what}",
            advice="use a smaller input, a smaller kernel or fewer channels",
            source=self.source,
            path=at,
        )
        limits.check_macs(work.macs, what, source=self.source, path=at)
        return out_shape

    def check_tensor(self, index: int, request: TensorRequest) -> None:
        path: YamlPath = ("ops", index, request.field)
        what = f"the {request.field} of ops[{index}]"
        limits.check_elements(
            math.prod(request.shape),
            what,
            advice="use a smaller kernel or fewer channels",
            source=self.source,
            path=path,
        )
        source = request.source
        if isinstance(source, str) and not is_file_source(source):
            return
        if request.field == "bias" and isinstance(source, tuple) and len(request.shape) == 1:
            expected = request.shape[0]
            if len(source) != expected:
                raise self.fail(
                    path,
                    f"expected {expected} values (one per output channel), got {len(source)}",
                )
        resolve_values(
            source,
            request.shape,
            rng_key=rng_key(self.spec.input.seed, index, request.field),
            fan_in=request.fan_in,
            kind=request.kind,
            spec=self.spec,
            path=path,
            layout=request.layout,
            allow_unbatched=request.allow_unbatched,
            non_negative=request.non_negative,
        )


def validate_chain(spec: SceneSpec) -> tuple[tuple[int, ...], ...]:
    """Check every op of ``spec`` on integer shapes and return the shapes along the chain.

    Parameters
    ----------
    spec : SceneSpec
        A spec whose models validated (its ``source`` gives file and YAML positions).

    Returns
    -------
    tuple of shapes
        ``shapes[0]`` is the input shape (batch included), ``shapes[i + 1]`` the output of
        ``ops[i]``.

    Raises
    ------
    ShapeError
        When a shape does not work out (message names the YAML path that must change).
    SpecError
        When a tensor or an op is over the limits of :mod:`convanim.limits` (sizes, work, and
        ``animation.full_positions`` over the window positions that can play in full).
    """
    checker = _Checker(spec)
    current = checker.check_input()
    out = [current]
    for index, op in enumerate(spec.ops):
        current = checker.check_op(index, op, current)
        out.append(current)
    limits.check_full_positions(spec, out)
    check_matrix_view(spec, out)
    return tuple(out)
