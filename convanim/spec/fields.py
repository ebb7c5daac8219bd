"""Field types of the spec models: each parses what a user may write and says what is wrong.

Every parser raises :class:`FieldProblem` (a ``ValueError``) whose message is meant to be shown as
is after the YAML path, e.g. ``ops[0].kernel_size: must be a positive integer, got 0``. A problem
inside a list carries the index (``subpath``) so the error can point at the exact element.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator

__all__ = [
    "FieldProblem",
    "describe",
    "did_you_mean",
    "VALUE_KEYWORDS",
    "NestedValues",
    "ValueSource",
    "PositiveInt",
    "NonNegativeInt",
    "StrictBool",
    "Pair",
    "NonNegativePair",
    "Triple",
    "NonNegativeTriple",
    "Padding2d",
    "Padding3d",
    "BiasSource",
    "PositiveFloat",
    "OptionalPair",
    "OptionalPositiveInt",
    "OptionalPositiveFloat",
    "OptionalValueSource",
    "Number",
    "nested_shape",
]

#: Keywords a value field (``values``, ``weight``, ...) accepts besides lists and paths.
VALUE_KEYWORDS: tuple[str, ...] = ("random", "zeros", "ones", "arange")

#: A nested list of numbers as stored in a model (tuples all the way down, so models stay hashable).
NestedValues = tuple[Any, ...]

#: Deepest list nesting accepted in a value (5-D tensors need 5).
MAX_NESTING = 6


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


# ---------------------------------------------------------------------------------------------
# scalars
# ---------------------------------------------------------------------------------------------


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldProblem(f"expected an integer, got {describe(value)}")
    return value


def _positive_int(value: Any) -> int:
    v = _int(value)
    if v < 1:
        raise FieldProblem(f"must be a positive integer, got {v}")
    return v


def _non_negative_int(value: Any) -> int:
    v = _int(value)
    if v < 0:
        raise FieldProblem(f"must be 0 or a positive integer, got {v}")
    return v


def _strict_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldProblem(f"expected true or false, got {describe(value)}")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldProblem(f"expected a number, got {describe(value)}")
    v = float(value)
    if not math.isfinite(v):
        raise FieldProblem(f"{_bad_float_name(v)} is not allowed; use a finite number")
    return v


def _positive_float(value: Any) -> float:
    v = _number(value)
    if v <= 0:
        raise FieldProblem(f"must be a positive number, got {value!r}")
    return v


def _bad_float_name(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    return "inf" if v > 0 else "-inf"


PositiveInt = Annotated[int, BeforeValidator(_positive_int, json_schema_input_type=int)]
NonNegativeInt = Annotated[int, BeforeValidator(_non_negative_int, json_schema_input_type=int)]
StrictBool = Annotated[bool, BeforeValidator(_strict_bool, json_schema_input_type=bool)]
Number = Annotated[float, BeforeValidator(_number, json_schema_input_type=float)]
PositiveFloat = Annotated[float, BeforeValidator(_positive_float, json_schema_input_type=float)]


# ---------------------------------------------------------------------------------------------
# pairs and triples
# ---------------------------------------------------------------------------------------------

_AXES = {2: "[height, width]", 3: "[depth, height, width]"}


def _tuple_of(n: int, element: Callable[[Any], int], extra: str = "") -> Callable[[Any], Any]:
    """Parser for ``int | list of n ints`` -> tuple of n ints; ``extra`` names other words."""
    what = f"an integer{extra} or a list of {n} integers {_AXES[n]}"

    def parse(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return (element(value),) * n
        if isinstance(value, list | tuple):
            if len(value) != n:
                raise FieldProblem(f"expected {n} values {_AXES[n]}, got {len(value)}")
            out = []
            for i, item in enumerate(value):
                try:
                    out.append(element(item))
                except FieldProblem as exc:
                    raise FieldProblem(exc.message, (i,)) from None
            return tuple(out)
        raise FieldProblem(f"expected {what}, got {describe(value)}")

    return parse


Pair = Annotated[
    tuple[int, int],
    BeforeValidator(_tuple_of(2, _positive_int), json_schema_input_type=int | tuple[int, int]),
]
NonNegativePair = Annotated[
    tuple[int, int],
    BeforeValidator(_tuple_of(2, _non_negative_int), json_schema_input_type=int | tuple[int, int]),
]
Triple = Annotated[
    tuple[int, int, int],
    BeforeValidator(_tuple_of(3, _positive_int), json_schema_input_type=int | tuple[int, int, int]),
]
NonNegativeTriple = Annotated[
    tuple[int, int, int],
    BeforeValidator(
        _tuple_of(3, _non_negative_int), json_schema_input_type=int | tuple[int, int, int]
    ),
]


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``null`` or whatever ``parse`` accepts."""

    def parse_optional(value: Any) -> Any:
        return None if value is None else parse(value)

    return parse_optional


OptionalPair = Annotated[
    tuple[int, int] | None,
    BeforeValidator(
        _optional(_tuple_of(2, _positive_int)),
        json_schema_input_type=int | tuple[int, int] | None,
    ),
]
OptionalPositiveInt = Annotated[
    int | None, BeforeValidator(_optional(_positive_int), json_schema_input_type=int | None)
]
OptionalPositiveFloat = Annotated[
    float | None,
    BeforeValidator(_optional(_positive_float), json_schema_input_type=float | None),
]

_PAD_WORDS = ("same", "valid")


def _padding(n: int) -> Callable[[Any], Any]:
    pairs = _tuple_of(n, _non_negative_int, ", 'same', 'valid'")

    def parse(value: Any) -> Any:
        if isinstance(value, str):
            if value in _PAD_WORDS:
                return value
            raise FieldProblem(
                f"expected an integer, a list of {n} integers {_AXES[n]}, 'same' or 'valid', "
                f"got {describe(value)}{did_you_mean(value, _PAD_WORDS)}"
            )
        return pairs(value)

    return parse


Padding2d = Annotated[
    tuple[int, int] | Literal["same", "valid"],
    BeforeValidator(
        _padding(2), json_schema_input_type=int | tuple[int, int] | Literal["same", "valid"]
    ),
]
Padding3d = Annotated[
    tuple[int, int, int] | Literal["same", "valid"],
    BeforeValidator(
        _padding(3),
        json_schema_input_type=int | tuple[int, int, int] | Literal["same", "valid"],
    ),
]


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
        if not value:
            raise FieldProblem("an empty list holds no values")
        shape = _shape_of(value, (), 1)
        return shape
    return ()


def _shape_of(value: Sequence[Any], where: tuple[int, ...], depth: int) -> tuple[int, ...]:
    if depth > MAX_NESTING:
        raise FieldProblem(f"lists nested deeper than {MAX_NESTING} levels", where)
    first = value[0]
    if isinstance(first, list | tuple):
        if not first:
            raise FieldProblem("an empty list holds no values", (*where, 0))
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


_VALUE_WHAT = (
    "expected random, zeros, ones, arange, a nested list of numbers or a path to a .npy file"
)


def _value_source(value: Any) -> Any:
    if isinstance(value, str):
        if value in VALUE_KEYWORDS:
            return value
        if value.lower().endswith(".npy"):
            return value
        raise FieldProblem(
            f"{_VALUE_WHAT}, got {describe(value)}{did_you_mean(value, VALUE_KEYWORDS)}"
        )
    if isinstance(value, list | tuple):
        return _check_nested(value)
    raise FieldProblem(f"{_VALUE_WHAT}, got {describe(value)}")


#: ``random | zeros | ones | arange | nested list | "path/to/file.npy"`` (relative to the spec).
ValueSource = Annotated[
    str | NestedValues,
    BeforeValidator(
        _value_source,
        json_schema_input_type=Literal["random", "zeros", "ones", "arange"] | str | list[Any],
    ),
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


OptionalValueSource = Annotated[
    str | NestedValues | None,
    BeforeValidator(
        _optional(_value_source),
        json_schema_input_type=Literal["random", "zeros", "ones", "arange"]
        | str
        | list[Any]
        | None,
    ),
]


#: ``true`` (random, seeded), ``false`` (no bias) or one number per output channel.
BiasSource = Annotated[
    bool | tuple[float, ...],
    BeforeValidator(_bias, json_schema_input_type=bool | list[float]),
]
