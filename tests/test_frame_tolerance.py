"""The frame-golden comparison notices a missing label or one changed number.

Each case renders the standard conv's golden frames from a timeline with one thing taken away or
changed, and checks that ``compare_with_golden`` fails, with a margin: the frames differ in more
than twice the pixels the tolerance lets through (see ``MAX_MISMATCHED_PIXELS``). The changed
digits are the least visible ones measured: of all 243 single-digit changes to the shape table,
the formula results and the counts, "3 -> 2" in the table and "5 -> 3" in a formula result change
the fewest pixels (12). The formulas and step equations are now typeset (their ``tex``), so those
cases edit the typeset form: "5 -> 3" in a typeset formula result changes 12 pixels per frame.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from convanim.storyboard.timeline import Timeline

from .conftest import SCENES
from .frame_harness import (
    MAX_MISMATCHED_PIXELS,
    compare_with_golden,
    golden_path,
    load_frames,
    mismatched_pixels,
    render_scene_frames,
)
from .test_frame_goldens import CASES

pytestmark = pytest.mark.render

SCENE = "standard_conv"
Edit = Callable[[Timeline], Timeline]


def _drop(actor_id: str) -> Edit:
    """Remove an actor and its events."""

    def edit(tl: Timeline) -> Timeline:
        assert any(a.id == actor_id for a in tl.actors), actor_id
        return dataclasses.replace(
            tl,
            actors=tuple(a for a in tl.actors if a.id != actor_id),
            events=tuple(e for e in tl.events if e.target != actor_id),
        )

    return edit


def _overlay_line(actor_id: str, old: str, new: str, field: str = "lines") -> Edit:
    """Replace one line of an overlay (table, formula, counts) by another; ``field="tex"``
    edits the typeset form (what is drawn when an overlay has one)."""

    def edit(tl: Timeline) -> Timeline:
        actors = []
        for actor in tl.actors:
            if actor.id == actor_id:
                lines = getattr(actor, field)
                assert old in lines, (old, lines)
                actor = dataclasses.replace(  # type: ignore[type-var]
                    actor, **{field: tuple(new if line == old else line for line in lines)}
                )
            actors.append(actor)
        return dataclasses.replace(tl, actors=tuple(actors))

    return edit


def _captions(change: Callable[[str], str]) -> Edit:
    """Rewrite the text of every caption event, and its typeset form (``tex``) if it has one."""

    def rewrite(data: dict[str, object]) -> dict[str, object]:
        out = {**data, "text": change(str(data["text"]))}
        if data.get("tex"):
            out["tex"] = change(str(data["tex"])) or ""
        return out

    def edit(tl: Timeline) -> Timeline:
        events = tuple(
            dataclasses.replace(e, data=rewrite(e.data)) if e.kind == "caption" else e
            for e in tl.events
        )
        assert events != tl.events
        return dataclasses.replace(tl, events=events)

    return edit


def _last_digit_plus_one(text: str) -> str:
    """``... = 0.45`` -> ``... = 0.46``; also in TeX, where the number is braced: ``{0.45}``."""
    closing = "}" if text.endswith("}") else ""
    body = text[: len(text) - len(closing)]
    if not body or not body[-1].isdigit():
        return text
    return body[:-1] + str((int(body[-1]) + 1) % 10) + closing


_W_FORMULA = (
    r"W_{\mathrm{out}} = \left\lfloor \frac{W_{\mathrm{in}} + 2p - d(k-1) - 1}{s} \right\rfloor"
    r" + 1 = \left\lfloor (7 + 0 - 2 - 1) / 1 \right\rfloor + 1"
)

EDITS: dict[str, Edit] = {
    "counts overlay removed": _drop("counts0"),
    "step captions blanked": _captions(lambda text: ""),
    "table digit 3 -> 2 (kernel height)": _overlay_line(
        "table0", "Kernel\t-\t3\t3\t8\t8", "Kernel\t-\t2\t3\t8\t8"
    ),
    "formula result 5 -> 3": _overlay_line(
        "formula0",
        _W_FORMULA + " = 5",
        _W_FORMULA + " = 3",
        field="tex",
    ),
    "caption value, last digit + 1": _captions(_last_digit_plus_one),
}


@pytest.mark.parametrize("case", sorted(EDITS))
def test_golden_comparison_catches(case: str) -> None:
    fractions = CASES[SCENE]
    frames = render_scene_frames(SCENES / f"{SCENE}.yaml", fractions, EDITS[case])
    with pytest.raises(AssertionError, match="pixels differ by more than"):
        compare_with_golden(SCENE, frames, update=False, keep_failed=False)
    worst = max(mismatched_pixels(load_frames(golden_path(SCENE)), frames))
    assert worst > 2 * MAX_MISMATCHED_PIXELS, f"{case}: only {worst} pixels differ"
