"""Every registered op has every part, and code asks the registry instead of comparing names.

The parts of an op (docs/design.md §3): its model and definition (spec), its runner (engine),
its visual (storyboard), drawers for every actor its visual creates (renderer), its entry in the
JSON Schema and a scene in scenes/ that shows it.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import get_args

import pytest
import yaml

from convanim.engine import plan
from convanim.engine.ops import RUNNERS
from convanim.schema import spec_schema
from convanim.spec import load
from convanim.spec.ops import OP_DEFS, OpSpec, WindowedOpDef, op_def
from convanim.storyboard import build
from convanim.storyboard.ops import VISUALS

from .conftest import ROOT, SCENES


def _scene_ops() -> dict[str, Path]:
    """Op type -> the scene with the smallest input that uses it."""
    found: dict[str, Path] = {}
    scenes = [(yaml.safe_load(p.read_text()), p) for p in sorted(SCENES.glob("*.yaml"))]
    for data, path in sorted(scenes, key=lambda item: math.prod(item[0]["input"]["shape"])):
        for op in data["ops"]:
            found.setdefault(op["type"], path)
    return found


def _schema_op_types() -> set[str]:
    schema = spec_schema()
    return {
        definition["properties"]["type"]["const"]
        for definition in schema.get("$defs", {}).values()
        if "const" in definition.get("properties", {}).get("type", {})
    }


def missing_parts(drawer_kinds: set[str] | None = None) -> list[str]:
    """What some registered op lacks, one line each (empty when every op is complete)."""
    union = {model.__name__ for model in get_args(get_args(OpSpec)[0])}
    scenes = _scene_ops()
    schema_types = _schema_op_types()
    problems = []
    for name, definition in OP_DEFS.items():
        fields = definition.model.model_fields
        if get_args(fields["type"].annotation) != (name,):
            problems.append(f"{name}: its model's type literal is not {name!r}")
        if definition.model.__name__ not in union:
            problems.append(f"{name}: its model is not in OpSpec")
        if name not in RUNNERS:
            problems.append(f"{name}: no engine runner (convanim/engine/ops/)")
        if name not in VISUALS:
            problems.append(f"{name}: no storyboard visual (convanim/storyboard/ops/)")
        if name not in schema_types:
            problems.append(f"{name}: not in the JSON Schema")
        if name not in scenes:
            problems.append(f"{name}: no scene in scenes/ uses it")
        elif drawer_kinds is not None and name in VISUALS and name in RUNNERS:
            timeline = build(plan(load(scenes[name])))
            for kind in sorted({actor.kind for actor in timeline.actors} - drawer_kinds):
                problems.append(f"{name}: no drawer for its {kind!r} actors ({scenes[name].name})")
    extra = sorted((set(RUNNERS) | set(VISUALS)) - set(OP_DEFS))
    problems += [f"{name}: has an engine runner or a visual but no OpDef" for name in extra]
    return problems


def test_every_op_has_every_part_but_its_drawers() -> None:
    assert missing_parts() == []


@pytest.mark.render
def test_every_actor_of_every_op_has_a_drawer() -> None:
    from convanim.renderer.manim.registry import DRAWERS

    assert missing_parts(set(DRAWERS)) == []


def test_a_missing_part_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(RUNNERS, "conv3d")
    monkeypatch.delitem(VISUALS, "max_pool2d")
    assert missing_parts() == [
        "conv3d: no engine runner (convanim/engine/ops/)",
        "max_pool2d: no storyboard visual (convanim/storyboard/ops/)",
    ]


def test_a_missing_drawer_is_reported() -> None:
    problems = missing_parts({"block", "overlay"})
    assert "max_pool2d: no drawer for its 'kernel' actors (pooling.yaml)" in problems
    assert "conv2d: no drawer for its 'matrix' actors (matrix_conv.yaml)" in problems


@pytest.mark.parametrize("name", sorted(OP_DEFS))
def test_a_definition_answers_for_a_real_input(name: str) -> None:
    """Every definition gives a shape, formulas, a table, counts and a field for its scene."""
    spec = load(_scene_ops()[name])
    chain = plan(spec)
    for result in chain.ops:
        if result.type != name:
            continue
        definition = op_def(result.spec)
        shape = result.input_shape
        assert definition.output_shape(result.spec, shape) == result.output_shape
        assert len(definition.formulas(result.spec, shape)) >= 1
        table = definition.shape_table(result.spec, shape)
        assert table.row("Output").cells[-1] == result.output_shape[1]
        assert definition.cost(result.spec, shape) == result.cost
        if isinstance(definition, WindowedOpDef):
            kernel = definition.kernel(result.spec)
            assert len(kernel) == definition.spatial_rank
            assert len(definition.padding(result.spec)) == 2 * definition.spatial_rank
        return
    raise AssertionError(f"{name} not found in its scene")


#: Where comparing an op's type name is the job: the registries themselves.
_NAME_CHECKS = re.compile(r"\.type\s*(==|!=|in\b|not in\b)|\btype\s*==\s*\"")


def test_no_code_compares_op_type_names() -> None:
    found = []
    for path in sorted((ROOT / "convanim").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if _NAME_CHECKS.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == [], "ask the registry (op_def(op).windowed ...) instead:\n" + "\n".join(found)
