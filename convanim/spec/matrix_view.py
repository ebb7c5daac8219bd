"""``animation.view: matrix``: which matrix picture each op gets, and whether it can be drawn.

An op whose definition has a matrix form (``OpDef.has_matrix_form``) is drawn as a matrix
product, in one of three pictures:

``dense``
    A convolution with one input and one output channel: the input unrolled row by row into the
    column ``x`` (H·W cells), the sparse matrix ``C`` (Ho·Wo rows, H·W columns), ``y = C·x + b``.
``transposed``
    A transposed convolution with one input and one output channel: ``C`` of the convolution it
    transposes (H·W rows, Ho·Wo columns, H×W its input here), flipped to ``Cᵀ``, ``x' = Cᵀ·y + b``.
``im2col``
    A convolution with several channels or groups: the patch matrix ``P`` (C·kh·kw rows, one
    column per window position), the filter matrix ``F`` (one row per filter, block diagonal with
    groups), ``Y = F·P`` reshaped into the output channels.

Numbers on matrix cells must stay readable at 480p (text at least 12 px high), which bounds the
cells a picture may stack: at most :data:`MAX_ROWS` cells high and :data:`MAX_COLUMNS` cells wide.
:func:`check_matrix_view` refuses, at load time, a spec whose picture would not fit, and an op
without a matrix form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from convanim.errors import SpecError
from convanim.spec.ops import OP_DEFS, op_def

if TYPE_CHECKING:
    from convanim.spec.models import SceneSpec

__all__ = [
    "MAX_COLUMNS",
    "MAX_ROWS",
    "MatrixPicture",
    "check_matrix_view",
    "check_picture_size",
    "matrix_picture",
    "matrix_view_types",
]

MAX_ROWS = 16
"""Matrix cells stacked vertically in one picture. Measured at 854x480: the textbook picture
(a 16-row x, the chart taking the panel band) draws its numbers 12.9 px high."""
MAX_COLUMNS = 25
"""Picture width in cell widths (see :data:`DECIMAL_CELL`). Measured at 854x480: an im2col
picture 26 cells wide draws its numbers 11.9 px high, 30 wide 10.2 px."""
DECIMAL_CELL = 2.85
"""Width (in cells) of a matrix cell holding a number with decimals (``-0.53``); the pictures
of specs whose values are not all given as integers count their cells this wide."""

PictureKind = Literal["dense", "transposed", "im2col"]


@dataclass(frozen=True)
class MatrixPicture:
    """What ``view: matrix`` draws for one op, in cells.

    Attributes
    ----------
    kind : str
        ``"dense"``, ``"transposed"`` or ``"im2col"`` (see the module docstring).
    rows : int
        Cells stacked vertically (matrices and vectors together).
    columns : float
        Width side by side in cell widths (a decimal number's cell counts :data:`DECIMAL_CELL`).
    text : str
        The matrices with their sizes (``"C 4×16 · x 16 = y 4"``), for messages.
    drawable : str
        Empty, or why this op cannot be drawn as a matrix at any size.
    """

    kind: PictureKind
    rows: int
    columns: float
    text: str
    drawable: str = ""


def matrix_view_types() -> tuple[str, ...]:
    """The op types with a matrix form (from the op registry)."""
    return tuple(t for t, d in OP_DEFS.items() if d.has_matrix_form)


def matrix_picture(
    op: Any, input_shape: Sequence[int], output_shape: Sequence[int], integers: bool = True
) -> MatrixPicture:
    """The picture of an op with a matrix form, for its input and output shapes (batch first).

    ``integers``: whether every number drawn is an integer (else cells are
    :data:`DECIMAL_CELL` wide).
    """
    cell = 1.0 if integers else DECIMAL_CELL
    definition = op_def(op)
    c, h, w = (int(v) for v in input_shape[1:4])
    o, ho, wo = (int(v) for v in output_shape[1:4])
    n_in, n_out = h * w, ho * wo
    if definition.steps_over_input:
        # Cᵀ (n_out × n_in), y (n_in), x' (n_out); the flip shows C (n_in × n_out) first.
        text = f"C {n_in}×{n_out} -> Cᵀ {n_out}×{n_in} · y {n_in} = x' {n_out}"
        why = ""
        if c != 1 or o != 1:
            why = (
                f"the matrix view draws {definition.type} with one input and one output channel "
                f"(here {c} -> {o})"
            )
        columns = max(n_out * cell, n_in + 2 * cell) + 3
        return MatrixPicture("transposed", max(n_in, n_out), columns, text, why)
    if c == 1 and o == 1:
        text = f"C {n_out}×{n_in} · x {n_in} = y {n_out}"
        return MatrixPicture("dense", max(n_in, n_out), (n_in + 2) * cell + 1, text)
    kh, kw = (int(v) for v in (definition.kernel(op) or (1, 1)))
    taps = c * kh * kw
    text = f"F {o}×{taps} · P {taps}×{n_out} = Y {o}×{n_out}"
    return MatrixPicture("im2col", max(taps, o), (taps + 2 * n_out) * cell + 2, text)


def check_matrix_view(spec: SceneSpec, chain: Sequence[Sequence[int]]) -> None:
    """Refuse ``animation.view: matrix`` for an op without a matrix form or too large to draw.

    Parameters
    ----------
    spec : SceneSpec
        The spec (its ``animation.view`` and the YAML positions).
    chain : sequence of shapes
        The shapes along the chain, input first (see ``validate_chain``).

    Raises
    ------
    SpecError
        Located at ``ops[i].type`` for an op without a matrix form (naming it and the op types
        that have one), at ``animation.view`` for a picture over :data:`MAX_ROWS` x
        :data:`MAX_COLUMNS` cells (naming its size and the limit).
    """
    if spec.animation.view != "matrix":
        return
    for index, op in enumerate(spec.ops):
        if not op_def(op).has_matrix_form:
            allowed = ", ".join(matrix_view_types())
            raise _fail(
                spec,
                ("ops", index, "type"),
                f"animation.view 'matrix' draws ops with a matrix form ({allowed}); "
                f"ops[{index}] is {op.type}, which has none: use animation.view: sliding",
            )
    for index, op in enumerate(spec.ops):
        # Cells one wide (integers): the storyboard checks again with the values it draws.
        picture = matrix_picture(op, chain[index], chain[index + 1])
        if picture.drawable:
            raise _fail(
                spec,
                ("animation", "view"),
                f"ops[{index}]: {picture.drawable}: use animation.view: sliding",
            )
        check_picture_size(spec, index, picture, integers=True)


def check_picture_size(spec: SceneSpec, index: int, picture: MatrixPicture, integers: bool) -> None:
    """Refuse (located at ``animation.view``) a picture over :data:`MAX_ROWS` x
    :data:`MAX_COLUMNS`; ``integers`` says whether its cells hold integers only (else the
    message says that decimals widen them)."""
    op = spec.ops[index]
    if picture.rows > MAX_ROWS or picture.columns > MAX_COLUMNS:
        decimals = (
            ""
            if integers
            else f", numbers with decimals counting {DECIMAL_CELL:g} cells: give the "
            "input values and weights as integers for narrower cells"
        )
        raise _fail(
            spec,
            ("animation", "view"),
            f"the matrix picture of ops[{index}] ({op.type}: {picture.text}) is "
            f"{picture.rows} cells high and {picture.columns:g} wide; the limit for numbers "
            f"readable at 480p is {MAX_ROWS} high and {MAX_COLUMNS} wide{decimals}; "
            "use a smaller input or kernel, or animation.view: sliding",
        )


def _fail(spec: SceneSpec, path: tuple[str | int, ...], message: str) -> SpecError:
    """The located error (``file:line:col: path: message``)."""
    source = spec.source
    if source is not None:
        return source.error(path, message)
    from convanim.spec.models import format_path

    return SpecError(message, path=format_path(path) or None)
