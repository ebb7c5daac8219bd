"""Check a whole chain of ops on integer shapes, before anything is computed.

Each op's input shape is the previous op's output shape (see :mod:`convanim.engine.shapes`).
Problems are raised as :class:`ShapeError` (or :class:`SpecError` for limits) pointing at the
YAML path that has to change: groups that do not divide the channels, kernels that do not fit,
invalid ``output_padding``, ``padding: same`` with a stride, values of the wrong shape, tensors
over the size limits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from convanim import limits
from convanim.engine import shapes
from convanim.errors import ShapeError
from convanim.spec.fields import SAME_PADDING_STRIDE
from convanim.spec.models import OpSpec, SceneSpec, YamlPath
from convanim.spec.values import (
    TensorRequest,
    resolve_input,
    resolve_values,
    rng_key,
    tensor_requests,
)

__all__ = ["validate_chain"]

_CONV_OPS = ("conv2d", "conv_transpose2d", "conv3d", "deform_conv2d")


def _divisors(n: int) -> str:
    return ", ".join(str(d) for d in range(1, n + 1) if n % d == 0)


def _dims(values: Sequence[int]) -> str:
    return "x".join(str(v) for v in values)


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
        if rank == 3 and len(written) == 3:
            raise self.fail(
                ("ops", 0, "type"),
                f"conv3d needs a volume input [C, D, H, W] or [N, C, D, H, W]; input.shape "
                f"{list(written)} is a 2-D input (C, H, W)",
            )
        if rank == 2 and len(written) == 5:
            raise self.fail(
                ("input", "shape"),
                f"a 5-D shape [N, C, D, H, W] is for conv3d, but ops[0] is {first.type}, which "
                "needs [C, H, W] or [N, C, H, W]",
            )
        full = spec.input_shape
        limits.check_elements(
            math.prod(full),
            "the input",
            advice="use a smaller input",
            source=self.source,
            path=("input", "shape"),
        )
        if not isinstance(spec.input.values, str) or spec.input.values.lower().endswith(".npy"):
            resolve_input(spec)
        return full

    # -- one op --------------------------------------------------------------------------------

    def check_op(self, index: int, op: OpSpec, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        at: YamlPath = ("ops", index)
        rank = shapes.spatial_rank(op)
        if len(in_shape) != rank + 2:
            need = "(N, C, D, H, W)" if rank == 3 else "(N, C, H, W)"
            raise self.fail(
                (*at, "type"),
                f"{op.type} needs a {rank + 2}-D input {need}; its input, {_where(index)}, "
                f"is {len(in_shape)}-D {_shape(in_shape)}",
            )
        c = in_shape[1]
        if op.type in _CONV_OPS:
            self.check_groups(at, op.groups, c, op.out_channels)  # type: ignore[union-attr]
        if op.type == "deform_conv2d" and c % op.offset_groups:
            raise self.fail(
                (*at, "offset_groups"),
                f"offset_groups={op.offset_groups} does not divide in_channels={c} "
                f"(allowed: {_divisors(c)})",
            )
        if op.type == "channel_shuffle" and c % op.groups:
            raise self.fail(
                (*at, "groups"),
                f"groups={op.groups} does not divide the {c} channels (allowed: {_divisors(c)})",
            )
        if op.type in ("conv2d", "conv3d") and op.padding == "same":
            stride = op.stride
            if any(s != SAME_PADDING_STRIDE for s in stride):
                raise self.fail(
                    (*at, "padding"),
                    f"padding 'same' needs stride {SAME_PADDING_STRIDE} (as in PyTorch), got "
                    f"stride {list(stride)}; "
                    "give the padding as numbers instead",
                )
        if op.type == "conv_transpose2d":
            for axis, (o, s, d) in enumerate(
                zip(op.output_padding, op.stride, op.dilation, strict=True)
            ):
                if o >= s and o >= d:
                    raise self.fail(
                        (*at, "output_padding"),
                        f"output_padding {list(op.output_padding)} must be smaller than the "
                        f"stride {list(op.stride)} or the dilation {list(op.dilation)} in each "
                        f"axis (as in PyTorch); axis {'HW'[axis]} has {o}",
                    )
        if op.type in ("max_pool2d", "avg_pool2d"):
            self.check_pool_padding(at, op)
        out_shape = shapes.output_shape(op, in_shape)
        self.check_fits(at, op, in_shape, out_shape)
        for request in tensor_requests(op, in_shape):
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

    def check_groups(self, at: YamlPath, groups: int, c: int, o: int) -> None:
        allowed = _divisors(math.gcd(c, o))
        if c % groups:
            raise self.fail(
                (*at, "groups"),
                f"groups={groups} does not divide in_channels={c} (allowed: {allowed})",
            )
        if o % groups:
            raise self.fail(
                (*at, "groups"),
                f"groups={groups} does not divide out_channels={o} (allowed: {allowed})",
            )

    def check_pool_padding(self, at: YamlPath, op: OpSpec) -> None:
        kernel = shapes.op_kernel(op)
        dilation = shapes.op_dilation(op)
        assert kernel is not None and dilation is not None
        padding = op.padding  # type: ignore[union-attr]
        limit = [((k - 1) * d + 1) // 2 for k, d in zip(kernel, dilation, strict=True)]
        if any(p > m for p, m in zip(padding, limit, strict=True)):
            window = "dilated window" if any(d != 1 for d in dilation) else "window"
            raise self.fail(
                (*at, "padding"),
                f"padding {list(padding)} must be at most half the {window} (as in PyTorch): "
                f"kernel_size {list(kernel)} allows at most {limit}",
            )

    def check_fits(
        self,
        at: YamlPath,
        op: OpSpec,
        in_shape: tuple[int, ...],
        out_shape: tuple[int, ...],
    ) -> None:
        if all(s >= 1 for s in out_shape[2:]):
            return
        lines = shapes.formulas(op, in_shape)
        axis = next(i for i, s in enumerate(out_shape[2:]) if s < 1)
        formula = lines[axis]
        if op.type == "conv_transpose2d":
            raise self.fail(
                (*at, "padding"),
                f"padding {list(op.padding)} removes the whole output: {formula}",
            )
        kernel = shapes.op_kernel(op)
        pads = shapes.op_padding(op)
        assert kernel is not None and pads is not None
        padded = [in_shape[2 + i] + pads[2 * i] + pads[2 * i + 1] for i in range(len(kernel))]
        noun = "window" if op.type in ("max_pool2d", "avg_pool2d") else "kernel"
        dilation = shapes.op_dilation(op)
        assert dilation is not None
        what = f"the {_dims(kernel)} {noun}"
        if any(d != 1 for d in dilation):
            span = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
            what += f" with dilation {list(dilation)} (spanning {_dims(span)})"
        raise self.fail(
            (*at, "kernel_size"),
            f"{what} does not fit in the padded {_dims(padded)} input: "
            f"{formula}; use a smaller {noun}, more padding or a larger input",
        )

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
        if isinstance(source, str) and not source.lower().endswith(".npy"):
            return
        if request.field == "bias" and isinstance(source, tuple):
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
    return tuple(out)
