"""``convanim check``: the layout checker's rules on hand-made items, the drawn items of a real
timeline, a deliberately bad frame format, and the command's output and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from convanim.cli import main
from convanim.renderer import FrameFormat, drawn_items, items_renderer
from convanim.renderer.collisions import Finding, check_items, check_timeline, sample_times
from convanim.renderer.items import DrawnItem, convex_hull

FMT = FrameFormat(854, 480, 15)
SPEC = (
    "title: Check\ninput: {shape: [1, 4, 4]}\n"
    "ops:\n  - {type: conv2d, out_channels: 1, kernel_size: 3}\n"
)

CHECK_HELP = """\
Usage: convanim check [OPTIONS] SPECS...

  Check the layout of every spec in SPECS (files, or folders of *.yaml) at one
  quality.

  Reports each text that overlaps another text or a block, and each text or
  block that leaves the safe area (3 % of the frame from each edge) while
  visible, with the time and the items, sampling every event boundary and at
  least 30 more times. Exit 0 when all are clean, 1 when collisions were found,
  2 when a spec is bad.

Options:
  -q, --quality [l|m|h|k]  l 854×480@15, m 1280×720@30, h 1920×1080@60, k
                           3840×2160@60.  [default: l]
  --no-cache               Do not read or write the cache of text outlines (see
                           `convanim cache info`).
  -h, --help               Show this message and exit.
"""


def _text(name: str, x0: float, y0: float, x1: float, y1: float, **kw: object) -> DrawnItem:
    fields: dict[str, object] = {"actor": name, "opacity": 1.0}
    fields.update(kw)
    return DrawnItem(name, "text", box=(x0, y0, x1, y1), **fields)  # type: ignore[arg-type]


def _block(name: str, poly: list[tuple[float, float]]) -> DrawnItem:
    xs, ys = [p[0] for p in poly], [p[1] for p in poly]
    return DrawnItem(name, "block", name, (min(xs), min(ys), max(xs), max(ys)), 1.0, tuple(poly))


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), prog_name="convanim", terminal_width=80)
    return result.exit_code, result.stdout, result.stderr


def test_overlapping_texts_and_text_outside_are_found() -> None:
    items = [
        _text("title", 100, 20, 400, 50),
        _text("text 'a'", 380, 40, 450, 60),  # overlaps the title
        _text("text 'b'", 840, 200, 900, 220),  # beyond the right edge
        _text("text 'c'", 100, 300, 200, 320),
    ]
    found = {(f.first, f.second) for f in check_items(items, FMT)}
    assert found == {("title", "text 'a'"), ("text 'b'", "")}


def test_clean_items_pass_and_touching_is_not_overlapping() -> None:
    items = [
        _text("title", 100, 20, 400, 50),
        _text("text 'a'", 400, 50, 450, 70),  # shares one corner only
        _block("block t0", [(100, 100), (300, 100), (300, 250), (100, 250)]),
        _block("block t1", [(300, 100), (400, 100), (400, 250), (300, 250)]),  # blocks may touch
    ]
    assert check_items(items, FMT) == []


def test_text_over_block_faces_uses_the_polygon() -> None:
    diamond = [(200, 100), (300, 200), (200, 300), (100, 200)]
    corner = _text("text 'x'", 105, 105, 140, 125)  # in the block's box, outside its faces
    over = _text("text 'y'", 230, 190, 330, 210)  # crosses the right-hand edge of the faces
    inside = _text("text '0.5'", 190, 190, 210, 205)  # a number on the cells
    found = check_items([_block("block t0", diamond), corner, over, inside], FMT)
    assert [(f.first, f.second) for f in found] == [("text 'y'", "block t0")]


def test_faint_and_crossfading_items_are_not_checked() -> None:
    faint = [_text("a", 30, 20, 100, 40, opacity=0.01), _text("b", 50, 20, 120, 50)]
    assert check_items(faint, FMT) == []
    cross = [
        _text("table0", 30, 300, 300, 400, opacity=0.5),
        _text("table1", 30, 300, 300, 400, opacity=0.5),
    ]
    assert check_items(cross, FMT) == []
    solid = [_text("table0", 30, 300, 300, 400), _text("table1", 30, 300, 300, 400, opacity=0.5)]
    assert [(f.first, f.second) for f in check_items(solid, FMT)] == [("table0", "table1")]


def test_a_block_out_of_view_is_not_a_finding_but_one_cut_by_the_edge_is() -> None:
    gone = _block("block t0", [(-300, 100), (-100, 100), (-100, 250), (-300, 250)])
    cut = _block("block t1", [(-50, 100), (100, 100), (100, 250), (-50, 250)])
    assert [f.first for f in check_items([gone, cut], FMT)] == ["block t1"]


def test_convex_hull_of_a_square_and_its_centre() -> None:
    pts = [(0, 0), (2, 0), (2, 2), (0, 2), (1, 1), (1, 0)]
    hull = convex_hull(__import__("numpy").array(pts))
    assert sorted(map(tuple, hull.tolist())) == [(0, 0), (0, 2), (2, 0), (2, 2)]


def test_repeated_findings_are_reported_once_per_run(tmp_path: Path) -> None:
    from convanim.pipeline import build_timeline
    from convanim.spec import load

    spec = tmp_path / "s.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    timeline = build_timeline(load(spec))
    times = sample_times(timeline)
    assert len(times) >= 30 and times == sorted(times) and times[-1] < timeline.duration
    starts = {round(e.start, 6) for e in timeline.events}
    assert starts <= set(times) | {round(timeline.duration, 6)}
    middle = times[len(times) // 2]

    def items_at(t: float) -> list[DrawnItem]:
        clash = [_text("a", 60, 100, 150, 120), _text("b", 100, 110, 200, 130)]
        return clash if t <= middle else []

    found = check_timeline(timeline, FMT, items_at=items_at)
    assert found == [Finding(times[0], "a", "b")]


def test_drawn_items_of_a_real_frame(tmp_path: Path) -> None:
    from convanim.pipeline import build_timeline
    from convanim.spec import load

    spec = tmp_path / "s.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    timeline = build_timeline(load(spec))
    t = timeline.duration - 0.5
    items = drawn_items(timeline, FMT, t)
    names = {i.name for i in items}
    assert {"title", "block t0", "block t1", "table0", "text '1×4×4'", "text 'input'"} <= names
    title = next(i for i in items if i.name == "title")
    x0, y0, x1, y1 = title.box
    assert 0 < x0 < x1 < FMT.width and 0 < y0 < y1 < FMT.height / 5
    t0 = next(i for i in items if i.name == "block t0")
    assert len(t0.polygon) >= 4
    label = next(i for i in items if i.name == "text '1×4×4'")
    assert label.box[1] > t0.box[3]  # the shape label sits under its block
    assert check_timeline(timeline, FMT) == []


def test_a_deliberately_bad_timeline_is_found(tmp_path: Path) -> None:
    from dataclasses import replace

    from convanim.pipeline import build_timeline
    from convanim.spec import load
    from convanim.storyboard.timeline import OverlayActor

    spec = tmp_path / "s.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    timeline = build_timeline(load(spec))
    table = next(a for a in timeline.actors if a.id == "table0")
    assert isinstance(table, OverlayActor)
    # The counts drawn as a second table: two texts in the same place.
    actors = tuple(
        OverlayActor("counts0", "table", table.lines) if a.id == "counts0" else a
        for a in timeline.actors
    )
    found = check_timeline(replace(timeline, actors=actors), FMT)
    assert {(f.first, f.second) for f in found} == {("table0", "counts0")}
    # The same frames drawn a third of the frame to the right: what was on the right half
    # leaves the safe area (the blocks themselves are framed inside it, see the test above).
    real = items_renderer(timeline, FMT)

    def shifted(t: float) -> list[DrawnItem]:
        dx = FMT.width / 3
        return [
            replace(
                i,
                box=(i.box[0] + dx, i.box[1], i.box[2] + dx, i.box[3]),
                polygon=tuple((x + dx, y) for x, y in i.polygon),
            )
            for i in real(t)
        ]

    gone = {f.first for f in check_timeline(timeline, FMT, items_at=shifted) if not f.second}
    assert {"block t1", "text '1×2×2'", "counts0", "legend"} <= gone
    assert "block t0" not in gone


def test_help_text() -> None:
    code, out, _ = _run("check", "--help")
    assert code == 0 and out == CHECK_HELP


def test_bad_spec_exits_2_and_others_are_still_checked(tmp_path: Path) -> None:
    (tmp_path / "a_bad.yaml").write_text("input: {shape: [1, 4]}\nops: []\n", encoding="utf-8")
    (tmp_path / "b_good.yaml").write_text(SPEC, encoding="utf-8")
    code, out, err = _run("check", str(tmp_path))
    assert code == 2
    assert "a_bad.yaml" in err and "convanim: error:" in err
    assert out.strip().splitlines()[-1] == (
        "checked 1 of 2 specs at 854×480: 0 findings in 0 specs, 1 bad specs"
    )


def test_findings_are_printed_one_per_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import convanim.renderer.collisions as collisions

    spec = tmp_path / "x.yaml"
    spec.write_text(SPEC, encoding="utf-8")

    def fake(timeline: object, fmt: FrameFormat, evenly: int = 30) -> list[Finding]:
        assert (fmt.width, fmt.height) == (1920, 1080)
        return [Finding(12.4, "text 'channel shuffle (g=3)'", "title"), Finding(13.0, "block t0")]

    monkeypatch.setattr(collisions, "check_timeline", fake)
    code, out, _ = _run("check", str(spec), "-q", "h")
    assert code == 1
    assert out.splitlines() == [
        f"{spec}: 12.40 s: text 'channel shuffle (g=3)' overlaps title",
        f"{spec}: 13.00 s: block t0 leaves the safe area",
        "checked 1 of 1 specs at 1920×1080: 2 findings in 1 specs",
    ]


def test_a_short_output_column_numbers_its_rows(tmp_path: Path) -> None:
    """A linear layer's short output column (class scores) has each row's number and value on
    its right, inside the safe area and clear of everything; a long one has none."""
    from convanim.engine import plan
    from convanim.pipeline import build_timeline
    from convanim.spec import load
    from convanim.storyboard.common import fmt_value

    spec = tmp_path / "s.yaml"
    spec.write_text(
        "title: Scores\ninput: {shape: [1, 4, 4]}\n"
        "ops:\n  - {type: flatten}\n  - {type: linear, out_features: 5}\n",
        encoding="utf-8",
    )
    timeline = build_timeline(load(spec))
    scores = plan(load(spec)).ops[-1].output[0]
    items = drawn_items(timeline, FMT, timeline.duration - 0.1)
    column = next(i for i in items if i.name == "block t2")
    for r, value in enumerate(scores):
        number = next(i for i in items if i.name == f"text '{r}'" and i.actor == "t2")
        shown = next(i for i in items if i.name == f"text '{fmt_value(float(value))}'")
        assert column.box[2] < number.box[0] < number.box[2] < shown.box[0]
        row_top, row_bottom = number.box[1], number.box[3]
        assert row_top < (shown.box[1] + shown.box[3]) / 2 < row_bottom  # on the same row
    assert check_timeline(timeline, FMT) == []
    spec.write_text(spec.read_text().replace("out_features: 5", "out_features: 20"))
    long = build_timeline(load(spec))
    names = {i.name for i in drawn_items(long, FMT, long.duration - 0.1) if i.actor == "t2"}
    assert "text '0'" not in names
