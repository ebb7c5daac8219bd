"""Fuzzing the path from a YAML document to a timeline: strategies and the property checked.

The property: any document, however odd, either gives a valid result (spec loaded, plan
computed, timeline built and within the video limits) or a :class:`SpecError` whose message is
clean (``fuzz.yaml:line:col: path: ...``, one line, no traceback or library internals); never
another exception, never more than a time limit per document.

Used by the bounded run in ``tests/test_reliability.py`` and the long run of
``tools/fuzz_specs.py``.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from convanim.errors import SpecError

__all__ = [
    "FILENAME",
    "Outcome",
    "TimeLimitExceeded",
    "check_document",
    "documents",
    "mutated_scenes",
    "structured_specs",
    "time_limit",
    "yamlish_text",
]

FILENAME = "fuzz.yaml"
SCENES = Path(__file__).resolve().parent.parent / "scenes"

_CLEAN = re.compile(r"^fuzz\.yaml(:\d+:\d+)?: \S")
_INTERNALS = ("Traceback", "pydantic", "object at 0x", "<class '", "errors.pydantic.dev", "\n")


class TimeLimitExceeded(BaseException):
    """A document took longer than its time limit (a BaseException, so no handler hides it)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in the main thread after ``seconds`` of wall time."""

    def expired(signum: int, frame: object) -> None:
        raise TimeLimitExceeded(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class Outcome:
    """What a document gave: ``"valid"`` (with the timeline's duration) or ``"spec_error"``."""

    kind: str
    message: str = ""
    stage: str = ""


def check_document(text: str, *, seconds: float = 20.0) -> Outcome:
    """Load, plan, build and check the video limits of ``text``; assert the fuzz property.

    Parameters
    ----------
    text : str
        A YAML document.
    seconds : float
        Time limit for the whole document.

    Returns
    -------
    Outcome
        ``valid`` or ``spec_error`` (with the message and the stage that refused it).

    Raises
    ------
    AssertionError
        A SpecError message that is not clean, or a timeline that is not sane.
    TimeLimitExceeded
        Over the time limit.
    Exception
        Anything else the code under test raised (a bug).
    """
    from convanim.engine import plan
    from convanim.limits import check_video
    from convanim.output import QUALITIES
    from convanim.spec import loads
    from convanim.storyboard import build

    stage = "load"
    with time_limit(seconds):
        try:
            spec = loads(text, filename=FILENAME, base_dir=SCENES)
            stage = "plan"
            computed = plan(spec)
            stage = "build"
            timeline = build(computed)
            stage = "limits"
            for quality in QUALITIES.values():
                check_video(spec, timeline.duration, quality)
        except SpecError as err:
            message = str(err)
            assert _CLEAN.match(message), f"unclean message at {stage}: {message!r}"
            assert not any(bad in message for bad in _INTERNALS), f"{stage}: {message!r}"
            return Outcome("spec_error", message, stage)
    assert 0.0 < timeline.duration < float("inf"), timeline.duration
    for event in timeline.events:
        assert event.start >= 0.0 and event.duration >= 0.0, event
        assert event.start + event.duration <= timeline.duration + 1e-6, event
    return Outcome("valid", f"{timeline.duration:.1f} s, {len(timeline.events)} events", stage)


# -- strategies ------------------------------------------------------------------------------

_small = st.integers(1, 6)
_odd_int = st.one_of(
    st.integers(-3, 0), st.integers(7, 70), st.sampled_from([10**6, 2**40, -(2**63)])
)
_int = st.one_of(_small, _small, _small, _odd_int)
_pair = st.one_of(_int, st.lists(_int, min_size=1, max_size=4))
_floats = st.floats(allow_nan=True, allow_infinity=True, width=32)
_scalar = st.one_of(
    st.none(),
    st.booleans(),
    _int,
    _floats,
    st.text(max_size=6),
    st.sampled_from(["random", "zeros", "ones", "arange", "same", "valid", "x.npy", "../x.npy",
                     "first", "all", "auto", "dark", "scatter", "direct", "1e-3", "0x10"]),
)  # fmt: skip
_nested = st.recursive(
    st.one_of(_floats, _small, st.none()),
    lambda inner: st.lists(inner, min_size=0, max_size=4),
    max_leaves=30,
)
_value_source = st.one_of(
    st.sampled_from(["random", "zeros", "ones", "arange", "missing.npy", "/etc/passwd.npy"]),
    _nested,
    _scalar,
)

_FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "out_channels": _int,
    "kernel_size": _pair,
    "stride": _pair,
    "padding": st.one_of(_pair, st.sampled_from(["same", "valid", "full"])),
    "output_padding": _pair,
    "dilation": _pair,
    "groups": _int,
    "offset_groups": _int,
    "bias": st.one_of(st.booleans(), _nested, _scalar),
    "weight": _value_source,
    "offset": _value_source,
    "mask": st.one_of(st.none(), _value_source),
    "ceil_mode": st.one_of(st.booleans(), _scalar),
    "count_include_pad": st.one_of(st.booleans(), _scalar),
    "divisor_override": st.one_of(st.none(), _int),
    "reduction": _int,
    "fc1_weight": _value_source,
    "fc1_bias": _value_source,
    "fc2_weight": _value_source,
    "fc2_bias": _value_source,
    "kernal_size": _pair,
}
_OP_FIELDS = {
    "conv2d": ["out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias",
               "weight"],
    "conv_transpose2d": ["out_channels", "kernel_size", "stride", "padding", "output_padding",
                         "dilation", "groups", "bias", "weight"],
    "conv3d": ["out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias",
               "weight"],
    "max_pool2d": ["kernel_size", "stride", "padding", "dilation", "ceil_mode"],
    "avg_pool2d": ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                   "divisor_override"],
    "channel_shuffle": ["groups"],
    "deform_conv2d": ["out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                      "offset_groups", "bias", "weight", "offset", "mask"],
    "squeeze_excitation": ["reduction", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"],
}  # fmt: skip
_REQUIRED = {"out_channels", "kernel_size", "groups"}


@st.composite
def _op(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from([*_OP_FIELDS, "conv", None, 3]))
    fields = _OP_FIELDS.get(kind, ["out_channels", "kernel_size"]) if isinstance(kind, str) else []
    op: dict[str, Any] = {} if kind is None else {"type": kind}
    for name in fields:
        # Required fields are usually present (so many ops get as far as the engine).
        keep = draw(st.integers(0, 9)) < (9 if name in _REQUIRED else 4)
        if keep:
            op[name] = draw(_FIELD_VALUES[name])
    if draw(st.integers(0, 9)) == 0:
        op[draw(st.sampled_from(sorted(_FIELD_VALUES)))] = draw(_scalar)
    return op


_shape = st.one_of(
    st.lists(st.integers(1, 9), min_size=3, max_size=5),
    st.lists(st.integers(1, 12), min_size=3, max_size=3),
    st.lists(_int, min_size=0, max_size=6),
    _scalar,
)
_animation = st.fixed_dictionaries(
    {},
    optional={
        "full_positions": st.one_of(st.integers(0, 6), _odd_int, _scalar),
        "op_duration": st.one_of(st.none(), st.floats(0.01, 20), _floats, _odd_int),
        "channels": st.one_of(
            st.sampled_from(["first", "all"]), st.lists(_int, max_size=4), _scalar
        ),
        "orbit": st.one_of(st.booleans(), _scalar),
        "show_values": st.one_of(st.sampled_from([True, False, "auto"]), _scalar),
        "beams": st.booleans(),
        "transpose_view": st.one_of(st.sampled_from(["scatter", "direct"]), _scalar),
        "receptive_field": st.one_of(st.booleans(), _scalar),
        "speed": _scalar,
    },
)
_sections = st.fixed_dictionaries(
    {},
    optional={
        "title": st.one_of(st.text(max_size=30), st.just("卷积 · Faltung"), _scalar),
        "animation": st.one_of(_animation, _scalar),
        "theme": st.fixed_dictionaries(
            {}, optional={"name": st.sampled_from(["light", "dark", "blue"]), "ground": _scalar}
        ),
        "camera": st.fixed_dictionaries(
            {}, optional={"phi": _floats, "theta": _floats, "zoom": st.one_of(_floats, _int)}
        ),
        "labels": st.dictionaries(
            st.sampled_from(["title", "table", "formula", "counts", "legend", "values"]),
            st.one_of(st.booleans(), _scalar),
            max_size=3,
        ),
    },
)


def _divisor(draw: st.DrawFn, n: int) -> int:
    return draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))


@st.composite
def _valid_op(draw: st.DrawFn, channels: int, volume: bool) -> tuple[dict[str, Any], int]:
    """An op that usually fits an input of ``channels`` channels, and its output channels."""
    small = st.integers(1, 3)
    op: dict[str, Any]
    if volume:
        groups = _divisor(draw, channels)
        out = groups * draw(small)
        op = {"type": "conv3d", "out_channels": out, "kernel_size": draw(st.integers(1, 2)),
              "groups": groups, "padding": draw(st.sampled_from([0, 1, "same"]))}  # fmt: skip
        return op, out
    kind = draw(st.sampled_from(sorted(_OP_FIELDS.keys() - {"conv3d"})))
    if kind in ("conv2d", "conv_transpose2d", "deform_conv2d"):
        groups = _divisor(draw, channels)
        out = groups * draw(small)
        kernel = draw(st.one_of(small, st.lists(small, min_size=2, max_size=2)))
        op = {"type": kind, "out_channels": out, "groups": groups, "kernel_size": kernel}
        stride = draw(st.sampled_from([1, 1, 2]))
        if stride != 1:
            op["stride"] = stride
        if draw(st.booleans()):
            op["padding"] = draw(st.sampled_from([0, 1, [1, 0], "same", "valid"]))
        if kind == "conv_transpose2d" and stride == 2 and draw(st.booleans()):
            op["output_padding"] = 1
        if draw(st.integers(0, 3)) == 0:
            op["dilation"] = 2
        if draw(st.integers(0, 3)) == 0:
            op["bias"] = False
        if kind == "deform_conv2d" and draw(st.booleans()):
            op["mask"] = "random"
        return op, out
    if kind in ("max_pool2d", "avg_pool2d"):
        op = {"type": kind, "kernel_size": draw(st.integers(1, 3))}
        if draw(st.booleans()):
            op["stride"] = draw(st.integers(1, 3))
        if draw(st.booleans()):
            op["ceil_mode"] = True
        return op, channels
    if kind == "channel_shuffle":
        return {"type": kind, "groups": _divisor(draw, channels)}, channels
    return {"type": kind, "reduction": draw(st.integers(1, 4))}, channels


@st.composite
def _valid_spec(draw: st.DrawFn) -> dict[str, Any]:
    volume = draw(st.integers(0, 7)) == 0
    channels = draw(st.integers(1, 8))
    spatial = draw(st.lists(st.integers(3, 9), min_size=3 if volume else 2,
                            max_size=3 if volume else 2))  # fmt: skip
    shape = [channels, *spatial]
    if draw(st.booleans()):
        shape = [draw(st.integers(1, 2)), *shape]
    document: dict[str, Any] = {"input": {"shape": shape}}
    if draw(st.integers(0, 3)) == 0:
        document["input"]["values"] = draw(st.sampled_from(["zeros", "ones", "arange"]))
    ops = []
    for _ in range(draw(st.integers(1, 4))):
        op, channels = draw(_valid_op(channels, volume))
        ops.append(op)
    document["ops"] = ops
    animation = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "full_positions": st.integers(0, 30),
                "op_duration": st.one_of(st.none(), st.floats(0.05, 30)),
                "channels": st.one_of(st.sampled_from(["first", "all"]),
                                      st.lists(st.integers(0, 4), max_size=3)),
                "orbit": st.booleans(),
                "show_values": st.sampled_from([True, False, "auto"]),
                "beams": st.booleans(),
                "transpose_view": st.sampled_from(["scatter", "direct"]),
                "receptive_field": st.booleans(),
            },
        )
    )  # fmt: skip
    if animation:
        document["animation"] = animation
    if draw(st.booleans()):
        document["title"] = draw(st.one_of(st.text(max_size=20), st.just("卷积 · Faltung")))
    return document


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def _corrupted(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with one to three values replaced, keys dropped or unknown keys added."""
    import copy

    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(document)))
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "drop", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(st.one_of(_scalar, _odd_int, _nested, _pair))
        elif action == "drop" and isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from([*sorted(_FIELD_VALUES), "speed", "Type"]))] = draw(_scalar)
    return document


@st.composite
def structured_specs(draw: st.DrawFn) -> str:
    """YAML text of a spec-shaped document: a valid spec, or one with a few values broken."""
    tier = draw(st.integers(0, 9))
    if tier < 5:
        document = draw(_valid_spec())
    elif tier < 9:
        document = draw(_valid_spec().flatmap(_corrupted))
    else:
        document = {"input": draw(st.fixed_dictionaries(
            {"shape": _shape}, optional={"values": _value_source, "seed": _scalar}))}  # fmt: skip
        document["ops"] = draw(st.one_of(st.lists(_op(), min_size=1, max_size=4), _scalar))
        document.update(draw(_sections))
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=draw(st.booleans()))


def _scene_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(SCENES.glob("*.yaml"))]


_YAML_BITS = "abcdeflnoprstuxyz_0123456789-.:[]{},!&*#|>'\"% \n\t\\"
_YAML_TOKENS = [
    "!!python/object/apply:os.system [ls]", "&a [1, 2]", "*a", "<<: *a", "!!binary aGk=",
    "? ", "--- ", "...", "%YAML 1.1\n", "!!set {a, b}", "!!float nan", ".inf", "-.inf", "1e999",
    "0o17", "0x1F", "~", "yes", "on", "2024-01-01", "\ufeff", "\x00", "\u202e", "'", '"\\u00e9"',
    "    ", "\n  - ", ": ", "{", "[", "]]", "}}",
]  # fmt: skip


@st.composite
def mutated_scenes(draw: st.DrawFn) -> str:
    """A scene file of ``scenes/`` with a few characters or YAML tokens inserted or cut."""
    text = draw(st.sampled_from(_scene_texts()))
    for _ in range(draw(st.integers(1, 5))):
        position = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 8))
        insert = draw(st.one_of(st.text(_YAML_BITS, max_size=6), st.sampled_from(_YAML_TOKENS)))
        text = text[:position] + insert + text[position + cut :]
    return text


yamlish_text = st.lists(
    st.one_of(st.text(_YAML_BITS, max_size=8), st.sampled_from(_YAML_TOKENS), st.text(max_size=3)),
    max_size=30,
).map("".join)
"""Short texts made of YAML's punctuation, tags, anchors and odd characters."""

documents = st.one_of(structured_specs(), structured_specs(), mutated_scenes(), yamlish_text)
"""The mix used by the long run: mostly spec-shaped documents."""
