"""Every scene's Timeline (renderer-independent, JSON) equals its stored golden.

A change that alters what moves when shows up here as a readable JSON diff. After checking the
change is intended (and looking at a rendered frame), rewrite with ``--update-goldens``. The
goldens are the summary form (``Timeline.to_json(summary=True)``): arrays as dtype, shape and a
digest of their values, floats to 4 decimals; ``tests/test_timeline_json.py`` checks the exact
form.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from convanim.engine import plan
from convanim.spec import load
from convanim.storyboard import build

from .conftest import GOLDENS, SCENES

SCENE_FILES = sorted(SCENES.glob("*.yaml"))
TIMELINES = GOLDENS / "timelines"


@pytest.mark.parametrize("scene", SCENE_FILES, ids=[p.stem for p in SCENE_FILES])
def test_timeline_matches_golden(scene: Path, update_goldens: bool) -> None:
    timeline = build(plan(load(scene)))
    text = timeline.to_json(summary=True) + "\n"
    golden = TIMELINES / f"{scene.stem}.json"
    if update_goldens or not golden.exists():
        if not update_goldens:
            pytest.fail(f"no golden for {scene.name}: run pytest --update-goldens to create it")
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
        return
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert json.loads(text) == expected


@pytest.mark.parametrize("scene", SCENE_FILES, ids=[p.stem for p in SCENE_FILES])
def test_scene_is_well_paced(scene: Path) -> None:
    """Every scene's video lasts 10-30 s, as README.md promises for default specs."""
    timeline = build(plan(load(scene)))
    assert 10.0 <= timeline.duration <= 30.0, (
        f"{scene.name} lasts {timeline.duration} s, outside the 10-30 s of README.md: "
        "fix the pacing (convanim/storyboard/pacing.py), not this bound"
    )
