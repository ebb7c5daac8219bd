"""``convanim check`` on every scene at 480p and 1080p, and on stress specs (a 60-character
Chinese title, a 10-op chain, a 1×1×1 and a 64×224×224 tensor, ``labels.language: zh``): no
text over a text or a block, nothing out of the safe area. Also the framing that keeps it so:
pans that move every point monotonically, blocks hidden while the camera does not show them
whole, cached labels in place."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from convanim.output import QUALITIES
from convanim.renderer import FrameFormat, items_renderer
from convanim.renderer.collisions import check_timeline
from convanim.renderer.layout import Viewport, blend

from .conftest import SCENES

pytestmark = pytest.mark.render

CHAIN = "".join(
    f"  - {{type: conv2d, out_channels: {4 + k % 3}, kernel_size: 3, padding: 1}}\n"
    if k % 2 == 0
    else "  - {type: max_pool2d, kernel_size: 2, stride: 1}\n"
    for k in range(10)
)
ZH_TITLE = ("二维卷积：输入张量与卷积核逐元素相乘再求和，得到输出特征图的每一个值" * 2)[:60]
STRESS = {
    "zh_title": f"title: {ZH_TITLE}\ninput: {{shape: [3, 6, 6]}}\n"
    "ops:\n  - {type: conv2d, out_channels: 2, kernel_size: 3}\n",
    "chain10": f"title: Ten ops\ninput: {{shape: [3, 16, 16]}}\nops:\n{CHAIN}",
    "tiny": "title: One element\ninput: {shape: [1, 1, 1]}\n"
    "ops:\n  - {type: conv2d, out_channels: 1, kernel_size: 1}\n",
    "imagenet": "title: 64×224×224\ninput: {shape: [64, 224, 224]}\n"
    "ops:\n  - {type: conv2d, out_channels: 64, kernel_size: 3, padding: 1}\n",
    # every word in Chinese, typeset formulas with Chinese words in them (stamps, SE, pooling)
    "zh_language": "title: 卷积、池化、转置卷积与挤压激励\nlabels: {language: zh}\n"
    "input: {shape: [1, 4, 4]}\nops:\n"
    "  - {type: conv_transpose2d, out_channels: 2, kernel_size: 3, stride: 2, padding: 1}\n"
    "  - {type: avg_pool2d, kernel_size: 2}\n"
    "  - {type: squeeze_excitation, reduction: 2}\n",
    # batch norm's chart beside a block whose caption is wider than the block (group conv)
    "batch_norm": "input: {shape: [4, 8, 8]}\nops:\n"
    "  - {type: conv2d, out_channels: 4, kernel_size: 3, groups: 2}\n"
    "  - {type: batch_norm2d, weight: random, running_var: random}\n",
    # nine channels (six rows), Chinese words
    "batch_norm_zh": "labels: {language: zh}\ninput: {shape: [3, 8, 8]}\nops:\n"
    "  - {type: conv2d, out_channels: 9, kernel_size: 3}\n"
    "  - {type: batch_norm2d, weight: random, bias: random, running_mean: random,"
    " running_var: random}\n",
}


def _fmt(quality: str) -> FrameFormat:
    q = QUALITIES[quality]
    return FrameFormat(q.width, q.height, q.fps)


def _timeline(path: Path):  # type: ignore[no-untyped-def]
    from convanim.pipeline import build_timeline
    from convanim.spec import load

    return build_timeline(load(path))


@pytest.mark.parametrize("quality", ["l", "h"])
@pytest.mark.parametrize("scene", sorted(p.name for p in SCENES.glob("*.yaml")))
def test_every_scene_is_clean(scene: str, quality: str) -> None:
    findings = check_timeline(_timeline(SCENES / scene), _fmt(quality))
    assert [f.describe() for f in findings] == []


@pytest.mark.parametrize("quality", ["l", "h"])
@pytest.mark.parametrize("name", sorted(STRESS))
def test_stress_specs_are_clean(name: str, quality: str, tmp_path: Path) -> None:
    assert len(ZH_TITLE) == 60
    spec = tmp_path / f"{name}.yaml"
    spec.write_text(STRESS[name], encoding="utf-8")
    timeline = _timeline(spec)
    if name == "chain10":
        assert len([a for a in timeline.actors if a.kind == "block"]) == 11
    findings = check_timeline(timeline, _fmt(quality))
    assert [f.describe() for f in findings] == []


def test_a_pan_moves_every_point_monotonically() -> None:
    a = Viewport((0.0, 0.0), 0.5, (0.0, 1.0))
    b = Viewport((6.0, -1.0), 2.0, (0.0, 1.0))
    points = np.array([[-3.0, 2.0], [1.0, -2.0], [7.5, 0.5], [12.0, 3.0]])
    path = np.stack([blend(a, b, u).apply(points) for u in np.linspace(0, 1, 101)])
    steps = np.diff(path, axis=0)
    for axis in (0, 1):
        for n in range(len(points)):
            s = steps[:, n, axis]
            assert np.all(s >= -1e-12) or np.all(s <= 1e-12)
    assert np.allclose(path[0], a.apply(points)) and np.allclose(path[-1], b.apply(points))


def test_blocks_leave_and_enter_the_stage_faded_out() -> None:
    """The pooling scene pans from (input, max pool) to (max pool, avg pool): the input block
    fades out before it reaches the edge of the stage and stays hidden at rest."""
    timeline = _timeline(SCENES / "pooling.yaml")
    fmt = _fmt("l")
    items_at = items_renderer(timeline, fmt)
    pan = [e for e in timeline.events if e.kind == "camera" and e.duration > 0][0]

    def t0(t: float) -> float:
        found = [i.opacity for i in items_at(t) if i.name == "block t0"]
        return found[0] if found else 0.0

    assert t0(pan.start - 1.0) == pytest.approx(1.0)
    assert t0(pan.end + 0.5) == 0.0
    fading = [t0(pan.start + k * pan.duration / 20) for k in range(21)]
    assert fading == sorted(fading, reverse=True) and fading[-1] == 0.0
    # Where the input block still shows during the pan, it is inside the safe area.
    mx = 0.03 * fmt.width
    for k in range(21):
        t = pan.start + k * pan.duration / 20
        for item in items_at(t):
            if item.name == "block t0" and item.opacity >= 0.05:
                assert mx - 0.5 <= item.box[0] and item.box[2] <= fmt.width - mx + 0.5


def test_cached_blocks_keep_their_labels_in_place() -> None:
    """Labels are one shared text per block: a block drawn at one viewport, then at another,
    then at the first again (from its cache) shows its labels where they were the first time."""
    timeline = _timeline(SCENES / "pooling.yaml")
    items_at = items_renderer(timeline, _fmt("l"))
    pan = [e for e in timeline.events if e.kind == "camera" and e.duration > 0][0]
    after = pan.end + 2.0

    def labels(t: float) -> dict[str, tuple[float, ...]]:
        return {i.name: tuple(round(v, 3) for v in i.box) for i in items_at(t) if "×" in i.name}

    first = labels(after)
    labels(pan.start + pan.duration / 2)  # the same labels drawn mid-pan
    assert labels(after) == first


def test_a_long_title_goes_on_two_lines_instead_of_shrinking(tmp_path: Path) -> None:
    from convanim.renderer.manim.draw_overlay import split_title

    assert split_title("Receptive field of a deep chain") == ("Receptive field", "of a deep chain")
    assert split_title(ZH_TITLE) == (ZH_TITLE[:30], ZH_TITLE[30:])
    spec = tmp_path / "zh.yaml"
    spec.write_text(STRESS["zh_title"], encoding="utf-8")
    fmt = _fmt("l")
    title = next(i for i in items_renderer(_timeline(spec), fmt)(1.0) if i.name == "title")
    line = 0.38 * fmt.height / 8  # pixels of one line of the two-line title
    assert title.box[3] - title.box[1] > 1.8 * line
