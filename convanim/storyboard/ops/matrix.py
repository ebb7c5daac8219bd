"""``animation.view: matrix``: a convolution told as a matrix product (the textbook picture).

Dumoulin & Visin's "A guide to convolution arithmetic" (§4.1) and d2l.ai explain it this way, and
so do the three pictures here (``convanim.spec.matrix_view`` chooses one per op):

``dense`` (conv2d, one channel in and out)
    The input grid unrolls row by row into the column ``x`` (cells fly to their rows), the weight
    becomes the sparse matrix ``C`` (rows = output cells, columns = input cells, the kernel's
    weights in place, zeros faint), then row ``i`` lights up with window position ``i`` on the
    grid and output cell ``i`` while the dot product fills ``y_i`` (+ bias); ``y`` folds back
    into the output grid.
``transposed`` (conv_transpose2d, one channel in and out)
    ``C`` of the convolution it transposes, flipped to ``Cᵀ``; the input unrolls into ``y``, and
    ``x' = Cᵀ·y`` accumulates column by column (column ``j`` = input cell ``j`` stamping the
    kernel onto the larger output), then folds into the output grid.
``im2col`` (conv2d with several channels or groups)
    The patch matrix ``P`` fills a column per window position as the window slides, the filters
    become the rows of ``F`` (block diagonal in the group hues with groups), ``Y = F·P`` fills
    row by row and folds into the output channels.

Everything the drawer shows is in :class:`MatrixActor` (the matrices and vectors with their
numbers, the window cells of every step) and its ``matrix`` events (``data["phase"]``, and
``data["index"]`` for the row / column / patch steps).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from convanim.engine.matrix import matrix_of
from convanim.spec.matrix_view import MatrixPicture, check_picture_size, matrix_picture
from convanim.storyboard import palette
from convanim.storyboard.arrays import ArrayData
from convanim.storyboard.common import chw
from convanim.storyboard.matrix_actor import MatrixActor, matrix_text
from convanim.storyboard.ops.base import BuildContext, OpVisual
from convanim.storyboard.timeline import Coloring
from convanim.storyboard.words import Words

if TYPE_CHECKING:
    from convanim.engine import OpResult
    from convanim.engine.trace import TransposeTrace, WindowTrace
    from convanim.storyboard.regions import Region

__all__ = ["MatrixVisual", "chart_gap"]

PHASE_SECONDS = {
    "unroll": 2.0,
    "weights": 2.2,
    "flip": 2.2,
    "row": 1.7,
    "column": 1.5,
    "patch": 1.0,
    "product": 2.6,
    "fold": 1.8,
}
"""Seconds of each phase (times ``pacing.phase_speed``); row/column/patch: per step."""
PAUSE = 0.35


def chart_gap(picture: MatrixPicture, grid: int) -> float:
    """Free space (scene units) between the blocks for a picture, ``grid`` the larger block side."""
    return float(picture.columns / max(picture.rows, 4) * (grid + 3.0) * 1.7 + 1.0)


class MatrixVisual(OpVisual):
    """The matrix picture of an op; the sliding visual still colours and captions its blocks."""

    def __init__(self, sliding: OpVisual) -> None:
        self.sliding = sliding

    def groups(self, op: OpResult) -> int:
        """As the sliding view."""
        return self.sliding.groups(op)

    def input_coloring(self, op: OpResult) -> Coloring:
        """As the sliding view."""
        return self.sliding.input_coloring(op)

    def output_coloring(self, op: OpResult) -> Coloring:
        """As the sliding view."""
        return self.sliding.output_coloring(op)

    def padding(self, op: OpResult) -> tuple[int, int, int, int]:
        """No padding ring: padded cells are the columns the matrix leaves out."""
        return (0, 0, 0, 0)

    def caption(self, op: OpResult, words: Words) -> str:
        """The sliding view's caption and the product it is drawn as."""
        picture = self._picture(op)
        product = {"dense": "y = C·x", "transposed": "x' = Cᵀ·y", "im2col": "Y = F·P"}
        return f"{self.sliding.caption(op, words)}: {product[picture.kind]}"

    def back_region(self, op: OpResult, region: Region) -> Region:
        """As the sliding view."""
        return self.sliding.back_region(op, region)

    def _picture(self, op: OpResult) -> MatrixPicture:
        return matrix_picture(op.spec, op.input.shape, op.output.shape, _integers(op))

    def play(self, ctx: BuildContext, op: OpResult, in_id: str, out_id: str) -> None:
        """The picture's phases (see the module docstring)."""
        picture = self._picture(op)
        # The spec counted one-wide cells; numbers with decimals widen them (exit 2 if too wide).
        check_picture_size(ctx.plan.spec, op.index, picture, integers=_integers(op))
        actor = self._actor(op, picture, in_id, out_id)
        ctx.add_actor(actor)
        clock, speed = ctx.clock, ctx.pacing.phase_speed
        _, h, w = chw(op.input)
        _, ho, wo = chw(op.output)
        left = actor.left.array
        right = actor.right.array
        result = actor.result.array
        bias_text = " + b" if actor.has_bias else ""

        def phase(
            name: str, text: str, index: int | None = None, tex: str = "", **extra: object
        ) -> None:
            if tex:  # an equation: typeset by renderers that typeset math
                clock.add("caption", "caption", 0.0, text=text, tex=tex)
            else:
                clock.add("caption", "caption", 0.0, text=text)
            data: dict[str, object] = {"phase": name, **extra}
            if index is not None:
                data["index"] = index
            clock.then("matrix", actor.id, PHASE_SECONDS[name] * speed, **data)
            clock.wait(PAUSE * speed)

        clock.then("show", actor.id, 0.3)
        n_in, n_out = h * w, ho * wo
        words = ctx.words
        if picture.kind == "dense":
            phase("unroll", words.matrix_unroll_x.format(h=h, w=w, n=n_in))
            kh, kw = cast("WindowTrace", op.trace).kernel
            text = words.matrix_weights_dense.format(rows=n_out, cols=n_in, kh=kh, kw=kw)
            phase("weights", text)
            for i in range(n_out):
                value = matrix_text(float(result[i, 0]))
                text = words.matrix_row.format(i=_sub(i), index=i, bias=bias_text, value=value)
                tex = f"y_{{{i}}} = C_{{{i},:}} \\cdot x{bias_text} = {{{value}}}"
                phase("row", text, index=i, tex=tex)
            phase("fold", words.matrix_fold_y.format(ho=ho, wo=wo), also=[out_id])
        elif picture.kind == "transposed":
            text = words.matrix_weights_transposed.format(
                rows=n_in, cols=n_out, ho=ho, wo=wo, h=h, w=w
            )
            phase("weights", text)
            phase("flip", words.matrix_flip.format(rows=n_out, cols=n_in))
            phase("unroll", words.matrix_unroll_y.format(h=h, w=w))
            for j in range(n_in):
                value = matrix_text(float(right[j, 0]))
                text = words.matrix_column.format(index=j, i=_sub(j), value=value)
                tex = (
                    f"x' \\;{{+}}{{=}}\\; (C^{{\\mathsf{{T}}}})_{{:,{j}}}\\, y_{{{j}}}"
                    f" = {{{value}}} \\cdot (C^{{\\mathsf{{T}}}})_{{:,{j}}}"
                    f"\\quad \\text{{{words.math_words['input_cell'].format(index=j)}}}"
                )
                phase("column", text, index=j, tex=tex)
            phase("fold", words.matrix_fold_x.format(bias=bias_text, ho=ho, wo=wo), also=[out_id])
        else:
            positions = right.shape[1]
            for p in range(positions):
                phase("patch", words.matrix_patch.format(index=p, n=right.shape[0]), index=p)
            filters = words.matrix_filters.format(rows=left.shape[0], cols=left.shape[1])
            if self.groups(op) > 1:
                filters += words.matrix_block_diagonal
            phase("weights", filters)
            product = words.matrix_product.format(
                bias=bias_text, rows=left.shape[0], cols=positions
            )
            tex = f"Y = F \\cdot P{bias_text} \\quad ({left.shape[0]} \\times {positions})"
            phase("product", product, tex=tex)
            phase("fold", words.matrix_fold_rows.format(ho=ho, wo=wo), also=[out_id])
        out_c = chw(op.output)[0]
        clock.add("fill", out_id, 0.0, channels=list(range(out_c)))
        clock.add("caption", "caption", 0.0, text="")
        clock.then("hide", actor.id, 0.4)  # the picture has folded into the output: it goes

    def _actor(self, op: OpResult, picture: MatrixPicture, in_id: str, out_id: str) -> MatrixActor:
        """The actor with the picture's matrices, the window cells and the hues."""
        m = matrix_of(op)
        x = op.input[0].ravel()
        groups = max(1, self.groups(op))
        out_c = chw(op.output)[0]
        bias = tuple(float(b) for b in op.bias) if op.bias is not None else (0.0,) * out_c
        kernel_hues = (palette.KERNEL_HUE,)
        if picture.kind in ("dense", "transposed"):
            left = m
            right = x[:, None]
            result = op.output[0].reshape(-1, 1)
            if picture.kind == "dense":
                windows = cast("WindowTrace", op.trace).flat_indices()
                names = ("C", "x", "y")
            else:
                windows = cast("TransposeTrace", op.trace).scatter_flat_indices()
                names = ("Cᵀ", "y", "x'")
            steps = windows.shape[0] * windows.shape[1]
            windows = windows.reshape(steps, -1)
            row_hues = kernel_hues * left.shape[0]
            column_hues = kernel_hues * left.shape[1]
        else:
            trace = cast("WindowTrace", op.trace)
            c, h, w = chw(op.input)
            flat = trace.flat_indices()
            ho, wo, kh, kw = flat.shape
            windows = flat.reshape(ho * wo, kh * kw)
            # P[(c, i, j), p] = x[c, window p's tap (i, j)]; padding taps read 0.
            planes = op.input[0].reshape(c, h * w)
            taps = np.where(windows >= 0, windows, 0)
            patches = np.where(windows[None] >= 0, planes[:, taps], 0.0)  # (C, P, taps)
            right = patches.transpose(0, 2, 1).reshape(c * kh * kw, ho * wo)
            # F[o, (c, i, j)]: the filter of o over every input channel (0 outside its group).
            weight = np.asarray(op.weight)
            o_per, c_per = out_c // groups, c // groups
            left = np.zeros((out_c, c * kh * kw))
            for g in range(groups):
                rows = slice(g * o_per, (g + 1) * o_per)
                cols = slice(g * c_per * kh * kw, (g + 1) * c_per * kh * kw)
                left[rows, cols] = weight[rows].reshape(o_per, -1)
            result = op.output[0].reshape(out_c, -1)
            names = ("F", "P", "Y")
            hues = [
                palette.group_hue(g, groups) if groups > 1 else palette.KERNEL_HUE
                for g in range(groups)
            ]
            row_hues = tuple(hues[o // o_per] for o in range(out_c))
            column_hues = tuple(hues[k // (c_per * kh * kw)] for k in range(c * kh * kw))
        grid = max(max(chw(op.input)[1:]), max(chw(op.output)[1:]))
        return MatrixActor(
            id=f"matrix{op.index}",
            op=op.index,
            input=in_id,
            output=out_id,
            picture=picture.kind,
            names=names,
            left=ArrayData.of(left),
            right=ArrayData.of(right),
            result=ArrayData.of(result),
            bias=bias,
            has_bias=op.bias is not None,
            windows=ArrayData.of(windows, "int64"),
            row_hues=row_hues,
            column_hues=column_hues,
            gap_slot=op.index + 1,
            gap=chart_gap(picture, grid),
        )


def _integers(op: OpResult) -> bool:
    """Whether the op's input, weight, bias and output are all integers (narrow cells)."""
    arrays = [op.input, op.output] + [a for a in (op.weight, op.bias) if a is not None]
    return all(bool(np.all(np.asarray(a) == np.round(np.asarray(a)))) for a in arrays)


def _sub(i: int) -> str:
    """``i`` as subscript digits (``y₁₂``)."""
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
