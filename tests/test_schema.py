"""``convanim schema``: the JSON Schema generated from the models, the committed copy, and every
scene validated against it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from convanim.cli import main
from convanim.schema import SCHEMA_DIALECT, SCHEMA_FILE, SCHEMA_TITLE, spec_schema

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
