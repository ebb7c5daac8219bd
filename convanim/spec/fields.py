"""Field types of the spec models: each parses what a user may write and says what is wrong.

Every parser raises :class:`FieldProblem` (a ``ValueError``) whose message is meant to be shown as
is after the YAML path, e.g. ``ops[0].kernel_size: must be a positive integer, got 0``. A problem
inside a list carries the index (``subpath``) so the error can point at the exact element.

Each constraint is declared once and gives both the check and the JSON Schema that
``convanim schema`` emits for editors (the ``json_schema_input_type`` of each validator): an
:class:`IntBound` holds the smallest integer with its messages, :func:`int_tuple` the number of
values of a pair or triple and the words it also accepts, :data:`ValueKeyword`,
:data:`NPY_SUFFIX` and :data:`MAX_NESTING` the forms of a value source.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Protocol, TypeVar, get_args

from annotated_types import Ge, Gt, Len, MinLen
from pydantic import BeforeValidator, Field, StringConstraints
from typing_extensions import TypeAliasType

__all__ = [
    "FieldProblem",
    "describe",
    "did_you_mean",
    "IntBound",
    "FloatBound",
    "POSITIVE_INT",
    "NON_NEGATIVE_INT",
    "bounded",
    "int_tuple",
    "parse_items",
    "json_list",
    "ValueKeyword",
    "VALUE_KEYWORDS",
    "NPY_SUFFIX",
    "MAX_NESTING",
    "NUMBER_LIST",
    "NESTED_NUMBERS",
    "PadWord",
    "PAD_WORDS",
    "SAME_PADDING_STRIDE",
    "same_padding_schema",
    "NestedValues",
    "ValueSource",
    "PositiveInt",
    "NonNegativeInt",
    "StrictBool",
    "Single",
    "Pair",
    "NonNegativePair",
    "Triple",
    "NonNegativeTriple",
    "Padding1d",
    "Padding2d",
    "Padding3d",
    "BiasSource",
    "PositiveFloat",
    "OptionalPair",
    "OptionalPositiveInt",
    "OptionalPositiveFloat",
    "OptionalValueSource",
    "InputValueSource",
    "PICTURE_SUFFIXES",
    "is_file_source",
    "is_picture",
    "Number",
    "nested_shape",
    "parse_number",
]

#: The keywords a value field (``values``, ``weight``, ...) accepts besides lists and paths.
ValueKeyword = Literal["random", "zeros", "ones", "arange"]
VALUE_KEYWORDS: tuple[str, ...] = get_args(ValueKeyword)

#: The ending (in any case) of a path to a NumPy file in a value field.
NPY_SUFFIX = ".npy"

#: The endings (in any case) of a picture ``input.values`` may name (PNG or JPEG).
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg")


def is_picture(source: Any) -> bool:
    """Whether a value source names a picture file (``.png``, ``.jpg``, ``.jpeg``)."""
    return isinstance(source, str) and source.lower().endswith(PICTURE_SUFFIXES)


def is_file_source(source: Any) -> bool:
    """Whether a value source names a file next to the spec (``.npy`` or a picture)."""
    return isinstance(source, str) and (source.lower().endswith(NPY_SUFFIX) or is_picture(source))


#: A nested list of numbers as stored in a model (tuples all the way down, so models stay hashable).
NestedValues = tuple[Any, ...]

#: Deepest list nesting accepted in a value (5-D tensors need 5).
MAX_NESTING = 6

#: The words ``padding`` accepts besides numbers.
PadWord = Literal["same", "valid"]
PAD_WORDS: tuple[str, ...] = get_args(PadWord)

_T = TypeVar("_T")


class FieldProblem(ValueError):
    """A value a user wrote that a field cannot accept.

    Parameters
    ----------
    message : str
        Plain-words explanation, shown after the YAML path.
    subpath : sequence of str or int, optional
        Where inside the field the problem is (list indices), appended to the field's YAML path.
    """

    def __init__(self, message: str, subpath: Sequence[str | int] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.subpath = tuple(subpath)


def describe(value: Any) -> str:
    """Describe a user value in a message: strings quoted, YAML spellings for booleans and null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest choice, or ``""`` when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def parse_items(values: Sequence[Any], element: Callable[[Any], _T]) -> tuple[_T, ...]:
    """Each item of ``values`` through ``element``; a problem gets the item's index as subpath."""
    out = []
    for i, item in enumerate(values):
        try:
            out.append(element(item))
        except FieldProblem as exc:
            raise FieldProblem(exc.message, (i, *exc.subpath)) from None
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# scalars
# ---------------------------------------------------------------------------------------------


class _Rule(Protocol):
    """A parser that also knows the JSON Schema of what it accepts."""

    def __call__(self, value: Any) -> Any: ...  # pragma: no cover - protocol

    @property
    def json_type(self) -> Any: ...  # pragma: no cover - protocol


@dataclass(frozen=True)
class IntBound:
    """Integers from ``minimum`` up: the check, its messages and the JSON Schema, from one number.

    Attributes
    ----------
    minimum : int
        Smallest integer accepted (JSON Schema ``minimum``).
    too_small : str
        Message for a smaller integer; ``{value}`` is replaced by it.
    not_int : str
        Message for anything but an integer (booleans included); ``{value}`` is replaced by
        :func:`describe` of it.
    """

    minimum: int
    too_small: str
    not_int: str = "expected an integer, got {value}"

    def __call__(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldProblem(self.not_int.format(value=describe(value)))
        if value < self.minimum:
            raise FieldProblem(self.too_small.format(value=value))
        return value

    @property
    def json_type(self) -> Any:
        """What the JSON Schema says: ``{"type": "integer", "minimum": minimum}``."""
        return Annotated[int, Ge(self.minimum)]


#: 1, 2, 3, ... (sizes, channels, strides, groups).
POSITIVE_INT = IntBound(1, "must be a positive integer, got {value}")
#: 0, 1, 2, ... (paddings, seeds, counts).
NON_NEGATIVE_INT = IntBound(0, "must be 0 or a positive integer, got {value}")


def json_list(item: Any, length: Any) -> Any:
    """JSON Schema type of a list of ``item`` with a ``Len`` or ``MinLen`` on its length."""
    return Annotated[list[item], length]


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldProblem(f"expected a number, got {describe(value)}")
    v = float(value)
    if not math.isfinite(v):
        raise FieldProblem(f"{_bad_float_name(v)} is not allowed; use a finite number")
    return v


def parse_number(value: Any) -> float:
    """A finite number (ints become floats); :class:`FieldProblem` for anything else."""
    return _number(value)


@dataclass(frozen=True)
class FloatBound:
    """Finite numbers above ``above``: the check, its message and the JSON Schema, from one number.

    Attributes
    ----------
    above : float
        The numbers accepted are greater than this (JSON Schema ``exclusiveMinimum``).
    too_small : str
        Message for a number not above it; ``{value!r}`` is replaced by the number as written.
    """

    above: float
    too_small: str

    def __call__(self, value: Any) -> float:
        v = _number(value)
        if v <= self.above:
            raise FieldProblem(self.too_small.format(value=value))
        return v

    @property
    def json_type(self) -> Any:
        """What the JSON Schema says: ``{"type": "number", "exclusiveMinimum": above}``."""
        return Annotated[float, Gt(self.above)]


def _strict_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldProblem(f"expected true or false, got {describe(value)}")
    return value


def _bad_float_name(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    return "inf" if v > 0 else "-inf"


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``null`` or whatever ``parse`` accepts."""

    def parse_optional(value: Any) -> Any:
        return None if value is None else parse(value)

    return parse_optional


def bounded(rule: _Rule, *, optional: bool = False) -> BeforeValidator:
    """The validator of a scalar field (``null`` too if ``optional``), with its JSON Schema."""
    if optional:
        return BeforeValidator(_optional(rule), json_schema_input_type=rule.json_type | None)
    return BeforeValidator(rule, json_schema_input_type=rule.json_type)


_POSITIVE_FLOAT = FloatBound(0.0, "must be a positive number, got {value!r}")

PositiveInt = Annotated[int, bounded(POSITIVE_INT)]
NonNegativeInt = Annotated[int, bounded(NON_NEGATIVE_INT)]
OptionalPositiveInt = Annotated[int | None, bounded(POSITIVE_INT, optional=True)]
PositiveFloat = Annotated[float, bounded(_POSITIVE_FLOAT)]
OptionalPositiveFloat = Annotated[float | None, bounded(_POSITIVE_FLOAT, optional=True)]
StrictBool = Annotated[bool, BeforeValidator(_strict_bool, json_schema_input_type=bool)]
#: Any finite number (JSON has no NaN or infinity, so the schema says ``number``).
Number = Annotated[float, BeforeValidator(_number, json_schema_input_type=float)]


# ---------------------------------------------------------------------------------------------
# pairs and triples
# ---------------------------------------------------------------------------------------------

_AXES = {1: "[length]", 2: "[height, width]", 3: "[depth, height, width]"}


def _or(words: Sequence[str]) -> str:
    quoted = [repr(w) for w in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _tuple_of(n: int, element: IntBound, words: Sequence[str] = ()) -> Callable[[Any], Any]:
    """Parser for ``int | list of n ints`` (or one of ``words``) -> n ints (or the word)."""
    integers = f"{n} integers" if n > 1 else "one integer"
    what = f"an integer{''.join(f', {w!r}' for w in words)} or a list of {integers} {_AXES[n]}"

    def parse(value: Any) -> Any:
        if words and isinstance(value, str):
            if value in words:
                return value
            raise FieldProblem(
                f"expected an integer, a list of {integers} {_AXES[n]}, {_or(words)}, "
                f"got {describe(value)}{did_you_mean(value, words)}"
            )
        if isinstance(value, int) and not isinstance(value, bool):
            return (element(value),) * n
        if isinstance(value, list | tuple):
            if len(value) != n:
                values = f"{n} values" if n > 1 else "one value"
                raise FieldProblem(f"expected {values} {_AXES[n]}, got {len(value)}")
            return parse_items(value, element)
        raise FieldProblem(f"expected {what}, got {describe(value)}")

    return parse


def int_tuple(
    n: int, element: IntBound, words: Sequence[str] = (), *, optional: bool = False
) -> BeforeValidator:
    """The validator of a pair or triple field, with its JSON Schema.

    Accepts one integer (used for every axis), a list of ``n`` integers, one of ``words``, and
    ``null`` if ``optional``; the schema is ``anyOf`` the same forms: ``{integer, minimum}``,
    ``{array of n such, minItems n, maxItems n}``, ``{enum: words}``, ``{null}``.
    """
    parse = _tuple_of(n, element, words)
    json_type: Any = element.json_type | json_list(element.json_type, Len(n, n))
    if words:
        json_type = json_type | Literal[tuple(words)]
    if optional:
        return BeforeValidator(_optional(parse), json_schema_input_type=json_type | None)
    return BeforeValidator(parse, json_schema_input_type=json_type)


Single = Annotated[tuple[int], int_tuple(1, POSITIVE_INT)]
Pair = Annotated[tuple[int, int], int_tuple(2, POSITIVE_INT)]
NonNegativePair = Annotated[tuple[int, int], int_tuple(2, NON_NEGATIVE_INT)]
Triple = Annotated[tuple[int, int, int], int_tuple(3, POSITIVE_INT)]
NonNegativeTriple = Annotated[tuple[int, int, int], int_tuple(3, NON_NEGATIVE_INT)]
OptionalPair = Annotated[tuple[int, int] | None, int_tuple(2, POSITIVE_INT, optional=True)]
Padding1d = Annotated[tuple[int] | PadWord, int_tuple(1, NON_NEGATIVE_INT, PAD_WORDS)]
Padding2d = Annotated[tuple[int, int] | PadWord, int_tuple(2, NON_NEGATIVE_INT, PAD_WORDS)]
Padding3d = Annotated[tuple[int, int, int] | PadWord, int_tuple(3, NON_NEGATIVE_INT, PAD_WORDS)]

#: The only stride ``padding: same`` works with, in every axis (as in PyTorch).
SAME_PADDING_STRIDE = 1


def same_padding_schema() -> dict[str, Any]:
    """JSON Schema rule of an op with ``padding`` and ``stride``: 'same' needs stride 1.

    For the op model's ``json_schema_extra``; :mod:`convanim.spec.chain` checks the rule with
    :data:`SAME_PADDING_STRIDE`.
    """
    one = {"const": SAME_PADDING_STRIDE}
    return {
        "if": {"properties": {"padding": {"const": "same"}}, "required": ["padding"]},
        "then": {"properties": {"stride": {"anyOf": [one, {"type": "array", "items": one}]}}},
    }


# ---------------------------------------------------------------------------------------------
# values: keywords, nested lists, .npy paths
# ---------------------------------------------------------------------------------------------


def nested_shape(value: Any) -> tuple[int, ...]:
    """Shape of a rectangular nested list/tuple of numbers (``()`` for a bare number).

    Raises
    ------
    FieldProblem
        When the list is empty, ragged, too deep, or holds something other than numbers.
    """
    if isinstance(value, list | tuple):
        return _shape_of(value, (), 1)
    return ()


def _shape_of(value: Sequence[Any], where: tuple[int, ...], depth: int) -> tuple[int, ...]:
    if not value:
        raise FieldProblem("an empty list holds no values", where)
    if depth > MAX_NESTING:
        raise FieldProblem(f"lists nested deeper than {MAX_NESTING} levels", where)
    first = value[0]
    if isinstance(first, list | tuple):
        inner = _shape_of(first, (*where, 0), depth + 1)
        for i, item in enumerate(value[1:], start=1):
            if not isinstance(item, list | tuple):
                raise FieldProblem(
                    f"expected a list of {inner[0]} numbers like its neighbours, "
                    f"got {describe(item)} (the nested list must be rectangular)",
                    (*where, i),
                )
            got = _shape_of(item, (*where, i), depth + 1)
            if got != inner:
                raise FieldProblem(
                    f"has shape {_fmt(got)} but {_index(where + (0,))} has shape {_fmt(inner)} "
                    "(the nested list must be rectangular)",
                    (*where, i),
                )
        return (len(value), *inner)
    for i, item in enumerate(value):
        if isinstance(item, list | tuple):
            raise FieldProblem(
                "expected a number like its neighbours, got a list "
                "(the nested list must be rectangular)",
                (*where, i),
            )
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise FieldProblem(f"expected a number, got {describe(item)}", (*where, i))
    return (len(value),)


def _fmt(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + (",)" if len(shape) == 1 else ")")


def _index(where: tuple[int, ...]) -> str:
    return "".join(f"[{i}]" for i in where)


def _first_non_finite(
    value: Any, where: tuple[int, ...] = ()
) -> tuple[tuple[int, ...], float] | None:
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = _first_non_finite(item, (*where, i))
            if found is not None:
                return found
        return None
    v = float(value)
    return None if math.isfinite(v) else (where, v)


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return float(value)


def _check_nested(value: Any) -> NestedValues:
    nested_shape(value)
    bad = _first_non_finite(value)
    if bad is not None:
        where, v = bad
        raise FieldProblem(
            f"{_bad_float_name(v)} is not allowed (first bad element at index "
            f"{list(where)}); values must be finite numbers",
            where,
        )
    frozen = _freeze(value)
    assert isinstance(frozen, tuple)
    return frozen


def _nested_numbers(depth: int) -> tuple[Any, Any]:
    """JSON Schema types of a list of numbers and of a nested one at most ``depth`` lists deep.

    Each level is a non-empty list holding only numbers or only lists, as :func:`nested_shape`
    wants (that the lists are rectangular, JSON Schema cannot say). The levels become named
    ``$defs`` in the schema: ``NumberList``, ``NestedNumbers2`` ... ``NestedNumbers<depth>``.
    """
    flat: Any = TypeAliasType(
        "NumberList",
        Annotated[list[float], MinLen(1), Field(description="A non-empty list of numbers.")],
    )
    level = flat
    for d in range(2, depth + 1):
        # mypy wants a literal name; these are numbered
        level = TypeAliasType(  # type: ignore[misc]
            f"NestedNumbers{d}",
            Annotated[
                flat | json_list(level, MinLen(1)),
                Field(description=f"A nested list of numbers, at most {d} lists deep."),
            ],
        )
    return flat, level


#: JSON Schema type of a flat list of numbers (a bias) and of a nested list (a tensor).
NUMBER_LIST, NESTED_NUMBERS = _nested_numbers(MAX_NESTING)


def _pattern_ending(suffix: str) -> str:
    """A regular expression (JSON Schema ``pattern``) for text ending in ``suffix``, any case."""
    return (
        "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in suffix) + "$"
    )


_NPY_PATH = Annotated[str, StringConstraints(pattern=_pattern_ending(NPY_SUFFIX))]
_VALUE_SOURCE_JSON: Any = ValueKeyword | _NPY_PATH | NESTED_NUMBERS

_VALUE_WHAT = (
    "expected random, zeros, ones, arange, a nested list of numbers or a path to a .npy file"
)


def _value_source(value: Any) -> Any:
    if isinstance(value, str):
        if value in VALUE_KEYWORDS:
            return value
        if value.lower().endswith(NPY_SUFFIX):
            return value
        raise FieldProblem(
            f"{_VALUE_WHAT}, got {describe(value)}{did_you_mean(value, VALUE_KEYWORDS)}"
        )
    if isinstance(value, list | tuple):
        return _check_nested(value)
    raise FieldProblem(f"{_VALUE_WHAT}, got {describe(value)}")


_PICTURE_PATH = Annotated[
    str, StringConstraints(pattern="(" + "|".join(map(_pattern_ending, PICTURE_SUFFIXES)) + ")")
]
_INPUT_SOURCE_JSON: Any = ValueKeyword | _NPY_PATH | _PICTURE_PATH | NESTED_NUMBERS


def _input_source(value: Any) -> Any:
    if is_picture(value):
        return value
    if isinstance(value, str) and value not in VALUE_KEYWORDS and not is_file_source(value):
        raise FieldProblem(
            "expected random, zeros, ones, arange, a nested list of numbers, a path to a .npy "
            f"file or a PNG/JPEG picture, got {describe(value)}"
            f"{did_you_mean(value, VALUE_KEYWORDS)}"
        )
    return _value_source(value)


#: ``input.values``: a value source, or a PNG/JPEG picture (relative to the spec).
InputValueSource = Annotated[
    str | NestedValues,
    BeforeValidator(_input_source, json_schema_input_type=_INPUT_SOURCE_JSON),
]

#: ``random | zeros | ones | arange | nested list | "path/to/file.npy"`` (relative to the spec).
ValueSource = Annotated[
    str | NestedValues,
    BeforeValidator(_value_source, json_schema_input_type=_VALUE_SOURCE_JSON),
]

OptionalValueSource = Annotated[
    str | NestedValues | None,
    BeforeValidator(_optional(_value_source), json_schema_input_type=_VALUE_SOURCE_JSON | None),
]


def _bias(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, list | tuple):
        shape = nested_shape(value)
        if len(shape) != 1:
            raise FieldProblem(
                f"expected a flat list of numbers (one per output channel), got a nested list "
                f"of shape {_fmt(shape)}"
            )
        return _check_nested(value)
    raise FieldProblem(f"expected true, false or a list of numbers, got {describe(value)}")


#: ``true`` (random, seeded), ``false`` (no bias) or one number per output channel.
BiasSource = Annotated[
    bool | tuple[float, ...],
    BeforeValidator(_bias, json_schema_input_type=bool | NUMBER_LIST),
]
