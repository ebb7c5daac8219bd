"""``convanim schema``: the JSON Schema generated from the models, the committed copy, every
scene validated against it, and every bad spec of tests/test_spec_errors.py fed to it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import hypothesis
import jsonschema
import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import strategies as st
from pydantic import ValidationError

from convanim.cli import main
from convanim.errors import SpecError
from convanim.schema import SCHEMA_DIALECT, SCHEMA_FILE, SCHEMA_TITLE, spec_schema
from convanim.spec import OP_MODELS, SceneSpec, loads
from convanim.spec.yaml_loader import load_yaml

from .bad_specs import CASES, OTHER_BAD_SPECS
from .conftest import ROOT, SCENES

SCHEMA_HELP = """\
Usage: convanim schema [OPTIONS]

  Print the JSON Schema of a spec (for editors with the YAML language server).

  The scenes point their editors at the committed copy, convanim-schema.json,
  with a yaml-language-server modeline on their first line.

Options:
  -h, --help  Show this message and exit.
"""


def _schema_output() -> str:
    result = CliRunner().invoke(main, ["schema"], prog_name="convanim")
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(_schema_output())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_committed_schema_equals_the_command_output() -> None:
    committed = (ROOT / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == _schema_output(), (
        f"{SCHEMA_FILE} is stale: run `convanim schema > {SCHEMA_FILE}` and commit it"
    )


def test_schema_head_and_dialect() -> None:
    schema = spec_schema()
    assert list(schema)[:3] == ["$schema", "title", "description"]
    assert schema["$schema"] == SCHEMA_DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == SCHEMA_TITLE
    assert schema["required"] == ["input", "ops"]
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("scene", sorted(SCENES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_scene_validates_and_carries_the_modeline(
    scene: Path, validator: jsonschema.protocols.Validator
) -> None:
    text = scene.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../convanim-schema.json"
    errors = [e.message for e in validator.iter_errors(yaml.safe_load(text))]
    assert errors == []


BASE: dict[str, Any] = {
    "input": {"shape": [8, 7, 7]},
    "ops": [{"type": "conv2d", "out_channels": 8, "kernel_size": 3}],
}


@pytest.mark.parametrize(
    "change",
    [
        {"inputs": {"shape": [1]}},  # unknown top-level key
        {"ops": [{"type": "conv2d", "out_channels": 8, "kernel_size": 3, "group": 2}]},
        {"ops": [{"type": "conv4d", "out_channels": 8, "kernel_size": 3}]},
        {"ops": [{"type": "conv2d", "kernel_size": 3}]},  # out_channels missing
        {"ops": [{"type": "conv2d", "out_channels": "eight", "kernel_size": 3}]},
        {"ops": [{"type": "conv2d", "out_channels": 8, "kernel_size": [3, 3, 3]}]},
        {"theme": {"name": "sepia"}},
        {"input": {"shape": [8, 7, 7], "values": 3}},
    ],
)
def test_the_schema_rejects_what_the_models_reject(
    change: dict[str, Any], validator: jsonschema.protocols.Validator
) -> None:
    from convanim.errors import SpecError
    from convanim.spec import loads

    document = {**BASE, **change}
    assert not validator.is_valid(document)
    with pytest.raises(SpecError):
        loads(yaml.safe_dump(document))


def test_the_schema_accepts_every_input_form(validator: jsonschema.protocols.Validator) -> None:
    document = {
        "title": "卷积",
        "input": {"shape": [1, 2, 4, 4], "values": [[[[0.5] * 4] * 4] * 2], "seed": 3},
        "ops": [
            {"type": "conv2d", "out_channels": 2, "kernel_size": [1, 3], "padding": "same"},
            {"type": "max_pool2d", "kernel_size": 2, "ceil_mode": True},
            {"type": "squeeze_excitation", "reduction": 2},
        ],
        "animation": {"channels": [0, 1], "show_values": "auto"},
        "camera": {"phi": 60, "theta": -30.5},
    }
    assert validator.is_valid(document)


def test_schema_help_text() -> None:
    result = CliRunner().invoke(main, ["schema", "--help"], prog_name="convanim", terminal_width=80)
    assert result.exit_code == 0 and result.stdout == SCHEMA_HELP


# ---------------------------------------------------------------------------------------------
# every bad spec of tests/test_spec_errors.py: rejected by the models, and by the schema unless
# listed below with the reason
# ---------------------------------------------------------------------------------------------

BAD_SPECS: dict[str, str] = {**{case[0]: case[1] for case in CASES}, **OTHER_BAD_SPECS}

#: Refused while reading the YAML (convanim/spec/yaml_loader.py): no document reaches a schema.
YAML = "yaml"
#: The models accept every key; the chain check (convanim/spec/chain.py, values.py) refuses it.
CHAIN = "chain"
#: The models refuse a key's value, but JSON Schema has no keyword for the rule.
FIELD = "field"

#: The bad specs the JSON Schema does not reject: (where they are caught, why the schema cannot
#: say it). Every other bad spec must be rejected by the schema as well as by the models.
NOT_IN_SCHEMA: dict[str, tuple[str, str]] = {
    "yaml-syntax": (YAML, "a YAML syntax error: there is no document"),
    "yaml-bad-indent": (YAML, "a YAML syntax error: there is no document"),
    "yaml-tab": (YAML, "a YAML syntax error: there is no document"),
    "python-tag": (YAML, "YAML tags are gone once the YAML is read as data"),
    "custom-tag": (YAML, "YAML tags are gone once the YAML is read as data"),
    "recursive-alias": (YAML, "a recursive alias is not a tree: JSON cannot hold it"),
    "empty-file": (YAML, "an empty file holds no document"),
    "only-comments": (YAML, "comments only: no document"),
    "two-documents": (YAML, "a schema validates one document at a time"),
    "duplicate-key": (YAML, "a mapping read as data keeps one value per key"),
    "control-character": (YAML, "characters YAML refuses never reach the data"),
    "alias-bomb": (YAML, "alias expansion is limited while reading, before any data exists"),
    "over-size-limit": (YAML, "the size of the file is not part of the data"),
    "deep-nesting": (YAML, "the nesting limit is checked while reading, before any data exists"),
    "groups-do-not-divide": (CHAIN, "groups must divide the channels of the op's input"),
    "groups-do-not-divide-out": (
        CHAIN,
        "out_channels % groups == 0 relates two keys; JSON Schema's multipleOf takes a constant",
    ),
    "kernel-larger-than-padded-input": (CHAIN, "needs the input size: shape arithmetic"),
    "dilated-kernel-too-large": (CHAIN, "needs the input size: shape arithmetic"),
    "invalid-output-padding": (
        CHAIN,
        "output_padding < stride or dilation compares two keys; JSON Schema bounds are constants",
    ),
    "pool-padding-over-half-the-window": (
        CHAIN,
        "padding <= ((kernel_size - 1) * dilation + 1) // 2 is arithmetic on two keys",
    ),
    "channel-shuffle-groups": (CHAIN, "groups must divide the channels of the op's input"),
    "conv3d-on-2d-input": (
        CHAIN,
        "couples len(input.shape) with the rank ops[0] needs, which is op logic "
        "(the op registry, convanim/spec/ops/) applied along the chain",
    ),
    "linear-in-features-mismatch": (
        CHAIN,
        "in_features must equal the features of the op's input: the output shape of the ops "
        "before it",
    ),
    "flatten-start-dim": (
        CHAIN,
        "only start_dim 1 is supported: a check of the op's definition, the field takes any int",
    ),
    "batch-norm-negative-variance": (
        CHAIN,
        "a value source holds any numbers; the variance's sign is the op's rule on the values",
    ),
    "linear-on-a-picture-shape": (
        CHAIN,
        "couples len(input.shape) with the rank ops[0] needs, which is op logic "
        "(the op registry, convanim/spec/ops/) applied along the chain",
    ),
    "shape-one-size": (
        CHAIN,
        "couples len(input.shape) with the rank ops[0] needs, which is op logic "
        "(the op registry, convanim/spec/ops/) applied along the chain",
    ),
    "2d-op-on-5d-input": (CHAIN, "the rank an op gets is the output rank of the op before it"),
    "5d-shape-for-2d-op": (
        CHAIN,
        "couples len(input.shape) with the rank ops[0] needs, which is op logic "
        "(the op registry, convanim/spec/ops/) applied along the chain",
    ),
    "shape-two-sizes": (
        CHAIN,
        "two sizes are a conv1d input [C, L]; whether they fit depends on the rank ops[0] needs",
    ),
    "conv3d-after-a-2d-op": (CHAIN, "the rank an op gets is the output rank of the op before it"),
    "values-wrong-shape": (CHAIN, "the shape of the values must equal input.shape"),
    "weight-wrong-shape": (CHAIN, "the weight's shape follows from the input channels"),
    "offset-wrong-shape": (CHAIN, "the mask's shape follows from the op's output size"),
    "se-weight-wrong-shape": (CHAIN, "the FC weight's shape follows from the input channels"),
    "bias-wrong-length": (
        CHAIN,
        "len(bias) == out_channels relates two keys; JSON Schema's maxItems takes a constant",
    ),
    "output-too-large": (CHAIN, "a size limit on a product of shapes along the chain"),
    "too-many-macs": (CHAIN, "a work limit on a product of shapes"),
    "unfolded-windows-too-large": (CHAIN, "a size limit on a product of shapes"),
    "input-too-large": (CHAIN, "a limit on the product of the sizes in input.shape"),
    "npy-file-problems": (
        CHAIN,
        "whether the file exists, stays in the spec's folder once links are followed, and holds "
        "finite numbers of the right shape is a question for the file system",
    ),
    "npy-absolute": (
        CHAIN,
        "what is absolute depends on the system reading the spec (C:\\ on Windows); checked "
        "with the file",
    ),
    "values-ragged": (
        FIELD,
        "sibling lists must have equal lengths: JSON Schema cannot compare parts of a document",
    ),
    "nan-in-values": (FIELD, "JSON numbers have no NaN, so JSON Schema has no keyword against it"),
    "inf-in-bias": (
        FIELD,
        "JSON numbers have no infinity; bounds of +-1.8e308 would catch it, but not NaN",
    ),
    "float-kernel-size": (FIELD, "to JSON Schema 3.0 is an integer: JSON has one number type"),
}


def _document(text: str) -> Any:
    """The data a schema validates: the YAML as convanim reads it, ``None`` when it is refused."""
    try:
        return load_yaml(text, "bad.yaml").data
    except SpecError:
        return None


def _fields_accept(document: Any) -> bool:
    try:
        SceneSpec.model_validate(document)
    except ValidationError:
        return False
    return True


def test_the_list_of_bad_specs_not_in_the_schema_names_real_cases() -> None:
    assert set(NOT_IN_SCHEMA) <= set(BAD_SPECS)
    assert len(BAD_SPECS) == len(CASES) + len(OTHER_BAD_SPECS)
    assert all(kind in (YAML, CHAIN, FIELD) and reason for kind, reason in NOT_IN_SCHEMA.values())


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_every_bad_spec_is_rejected_by_the_models_and_the_schema(
    case: str, validator: jsonschema.protocols.Validator, tmp_path: Path
) -> None:
    text = BAD_SPECS[case]
    with pytest.raises(SpecError):
        loads(text, filename="bad.yaml", base_dir=tmp_path)
    document = _document(text)
    kind = NOT_IN_SCHEMA.get(case, ("schema", ""))[0]
    if kind == YAML:
        assert document is None, f"{case}: the YAML reads now; take it off NOT_IN_SCHEMA"
        return
    assert document is not None, f"{case}: convanim refuses the YAML; list it as {YAML!r}"
    errors = [e.message for e in validator.iter_errors(document)]
    if kind == "schema":
        assert errors, f"the JSON Schema accepts the bad spec {case!r}"
        return
    assert errors == [], f"{case}: the schema rejects it now; take it off NOT_IN_SCHEMA"
    # the reason holds: CHAIN cases pass the models' fields, FIELD cases do not
    assert _fields_accept(document) is (kind == CHAIN)


# ---------------------------------------------------------------------------------------------
# good specs at the edges: accepted by both
# ---------------------------------------------------------------------------------------------

EDGE_SPECS: dict[str, dict[str, Any]] = {
    "smallest-numbers": {
        "title": None,
        "input": {"shape": [1, 1, 1], "seed": 0},
        "ops": [
            {"type": "conv2d", "out_channels": 1, "kernel_size": [1, 1], "padding": 0},
            {"type": "max_pool2d", "kernel_size": 1, "stride": None, "padding": [0, 0]},
            {"type": "avg_pool2d", "kernel_size": 1, "divisor_override": None},
        ],
        "animation": {"full_positions": 0, "channels": [0], "op_duration": 0.001},
        "camera": {"zoom": 0.01, "phi": -90, "theta": 0},
    },
    "words": {
        "input": {"shape": [2, 5, 5], "values": "arange"},
        "ops": [
            {"type": "conv2d", "out_channels": 2, "kernel_size": 3, "padding": "same"},
            {
                "type": "conv2d",
                "out_channels": 2,
                "kernel_size": 3,
                "padding": "same",
                "stride": [1, 1],
            },
            {
                "type": "conv2d",
                "out_channels": 2,
                "kernel_size": 3,
                "stride": 2,
                "padding": "valid",
                "weight": "ones",
                "bias": False,
            },
        ],
        "animation": {"channels": "all", "show_values": False, "transpose_view": "direct"},
        "theme": {"name": "dark"},
    },
    "nested-values": {
        "input": {"shape": [1, 1, 2, 2, 2], "values": [[[[[0.5, -1], [2, 3]], [[0, 0], [1, 1]]]]]},
        "ops": [
            {
                "type": "conv3d",
                "out_channels": 1,
                "kernel_size": 1,
                "padding": [0, 0, 0],
                "weight": [[[[[2.5]]]]],
                "bias": [0.25],
            },
        ],
    },
    "npy-path-in-capitals": {
        "input": {"shape": [1, 2, 2], "values": "Values.NPY"},
        "ops": [
            {"type": "deform_conv2d", "out_channels": 1, "kernel_size": 1, "mask": None},
            {"type": "squeeze_excitation", "reduction": 1, "fc1_bias": "zeros"},
        ],
    },
}


@pytest.mark.parametrize("name", sorted(EDGE_SPECS))
def test_good_specs_at_the_edges_pass_both(
    name: str, validator: jsonschema.protocols.Validator, tmp_path: Path
) -> None:
    document = EDGE_SPECS[name]
    with (tmp_path / "Values.NPY").open("wb") as fh:
        np.save(fh, np.ones((1, 2, 2)))
    loads(yaml.safe_dump(document), base_dir=tmp_path)
    assert [e.message for e in validator.iter_errors(document)] == []


# ---------------------------------------------------------------------------------------------
# random values, one key at a time: the schema and the models' fields agree
# ---------------------------------------------------------------------------------------------

#: Values tried in a key. No NaN, infinity or integral floats (3.0): JSON Schema cannot tell them
#: apart (see NOT_IN_SCHEMA).
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 4),
    st.sampled_from([0.5, -1.5, 2.25]),
    st.sampled_from(["random", "zeros", "ones", "arange", "randn", "x.npy", "X.NPY", "x.npz",
                     "same", "valid", "auto", "first", "all", "dark", "scatter", "light", ""]),
)  # fmt: skip
_NUMBERS = st.one_of(st.integers(-2, 4), st.sampled_from([0.5, -1.5]))
_VALUES = st.one_of(
    _SCALARS,
    st.integers(0, 3),
    st.booleans(),
    st.lists(st.integers(0, 3), min_size=1, max_size=3),
    st.lists(st.integers(-1, 3), max_size=4),
    st.lists(_SCALARS, max_size=3),
    st.recursive(  # nested lists of numbers, sometimes ragged
        st.lists(_NUMBERS, max_size=3), lambda inner: st.lists(inner, max_size=3), max_leaves=12
    ),
    st.dictionaries(st.just("a"), _SCALARS, max_size=1),
)
_SECTIONS = ("input", "animation", "theme", "camera", "labels")


def _minimal_op(name: str) -> dict[str, Any]:
    """An op of type ``name`` with 1 in every other required key (fine for the fields)."""
    model = OP_MODELS[name]
    required = [key for key, info in model.model_fields.items() if info.is_required()]
    return {key: name if key == "type" else 1 for key in required}


def _model_of(section: str) -> Any:
    return SceneSpec.model_fields[section].annotation


@st.composite
def _one_key_changed(draw: st.DrawFn) -> dict[str, Any]:
    """A good document with one key of one section or op set to a random value."""
    name = draw(st.sampled_from(sorted(OP_MODELS)))
    op = _minimal_op(name)
    document: dict[str, Any] = {"input": {"shape": [2, 5, 5]}, "ops": [op]}
    value = draw(_VALUES)
    where = draw(st.sampled_from(["op", "title", *_SECTIONS]))
    if where == "op":
        keys = [key for key in OP_MODELS[name].model_fields if key != "type"]
        op[draw(st.sampled_from([*keys, "kernal_size"]))] = value
    elif where == "title":
        document["title"] = value
    else:
        section = document.setdefault(where, {})
        section[draw(st.sampled_from([*_model_of(where).model_fields, "colour"]))] = value
    return document


def _outline(value: Any) -> Any:
    """The nesting of lists in ``value``, with their lengths (a number is ``0``)."""
    return tuple(_outline(item) for item in value) if isinstance(value, list) else 0


def _ragged(value: Any) -> bool:
    """True when some list in ``value`` holds lists of different lengths or depths."""
    if isinstance(value, dict):
        return any(_ragged(item) for item in value.values())
    if not isinstance(value, list):
        return False
    inner = {_outline(item) for item in value if isinstance(item, list)}
    return len(inner) > 1 or any(_ragged(item) for item in value)


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(document=_one_key_changed())
def test_the_schema_and_the_models_agree_on_every_key(
    document: dict[str, Any], validator: jsonschema.protocols.Validator
) -> None:
    if _ragged(document):  # the one rule of the fields JSON Schema cannot say
        assert not _fields_accept(document), document
    else:
        assert validator.is_valid(document) is _fields_accept(document), document
