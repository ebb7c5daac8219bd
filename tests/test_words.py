"""labels.language: every word on screen comes from the catalogue of the chosen language.

The Chinese build of every scene is checked without drawing: every string the Timeline gives
the renderer (actor texts, caption events, block labels) and every string the renderer composes
itself (what a large block leaves out) is collected, and no English word may remain in it.
What may stay is what Chinese course material writes in Latin letters too:

* op names (``conv2d``, ``max_pool2d``...: the registry's op types);
* symbols: single letters (``b``, ``k``, ``C``), identifiers with a digit or an underscore
  (``H_out``, ``FC1``, ``Δp_k``, ``output_padding``: a PyTorch parameter name), and any name
  written straight before ``[`` or ``(`` (indexing and function application: ``out[0,0,1]``,
  ``in[perm[j]]``, ``floor(...)``, ``max(...)``, ``sigmoid(...)``), anywhere in the same text
  (``perm = [0, 4, ...]`` defines the ``perm`` of ``in[perm[j]]``);
* the activation names ReLU and sigmoid, and the units MACs and FLOPs (each after its
  Chinese term: 乘加次数 (MACs)).

The scene title is the author's text, in whatever language they wrote it, and is not checked.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from convanim.pipeline import build_timeline
from convanim.renderer.lod import BlockLOD
from convanim.renderer.volumes import display_of
from convanim.spec import load
from convanim.spec.ops import OP_TYPES
from convanim.storyboard.timeline import BlockActor, OverlayActor, Timeline
from convanim.storyboard.words import EN, LANGUAGES, ZH, Words, words_for

ROOT = Path(__file__).resolve().parents[1]
SCENES = sorted((ROOT / "scenes").glob("*.yaml"))

#: Latin words that stay in Chinese (see the module docstring).
ALLOWED = frozenset(OP_TYPES) | {"ReLU", "sigmoid", "MACs", "FLOPs"}

#: Actor fields and event data keys that name things for the renderer and are never drawn.
NOT_TEXT = frozenset(
    {
        "id", "kind", "tensor", "role", "block", "input", "output", "initially", "mode",
        "values_on_cells", "phase", "target", "hue", "hues", "group_hues", "picture",
    }
)  # fmt: skip

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def english_words(text: str) -> list[str]:
    """The English words of ``text`` outside the allowed op names, symbols and units."""
    symbols = {m.group(1) for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)[\[(]", text)}
    found = []
    for match in _NAME.finditer(text):
        name = match.group()
        if len(name) == 1 or re.search(r"[0-9_]", name) or name in ALLOWED | symbols:
            continue
        found.append(name)
    return found


def drawn_text(tex: str) -> str:
    r"""What a LaTeX formula writes on screen, as text: commands (``\mathrm``, ``\sum``) and the
    colour a ``\color{gray}`` names are not drawn; ``H_{\mathrm{out}}`` reads ``H_out``,
    ``\text{窗口}`` reads ``窗口``, a fraction's two parts are apart."""
    text = re.sub(r"\\color\{[^}]*\}", "", tex)
    text = re.sub(r"\\[A-Za-z]+", "", text)
    text = re.sub(r"\\.", " ", text)
    return text.replace("}{", " ").replace("{", "").replace("}", "")


def _strings(value: Any, key: str = "") -> Iterator[str]:
    """Every string of an actor or of event data, except the fields that are never drawn."""
    if key in NOT_TEXT:
        return
    if key == "words" and isinstance(value, tuple):  # a panel's (key, word) pairs: the words
        for pair in value:
            yield from _strings(pair[1], "word")
        return
    if isinstance(value, str) and key == "tex":
        yield drawn_text(value)
    elif isinstance(value, str):
        yield from value.split("\t")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name), f.name)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, str(k))
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v, key)


def screen_texts(timeline: Timeline) -> set[str]:
    """Every text a render of ``timeline`` draws, except the title (the author's words)."""
    words = words_for(timeline.view.language)
    texts: set[str] = set()
    for actor in timeline.actors:
        if isinstance(actor, OverlayActor) and actor.role == "title":
            continue
        texts.update(_strings(actor))
        if isinstance(actor, BlockActor):
            texts.add(display_of(actor.shape).note(words))
    for event in timeline.events:
        if event.kind == "chapter" and event.data["title"] == timeline.title:
            continue  # the spec's own title, as written (like the title overlay)
        texts.update(_strings(event.data))
    return {t for t in texts if t and t != timeline.title}


@pytest.fixture(scope="module")
def zh_timelines() -> dict[str, Timeline]:
    out = {}
    for path in SCENES:
        spec = load(path)
        out[path.stem] = build_timeline(spec.with_language("zh"))
        if spec.animation.receptive_field is False and path.stem == "receptive_field":
            raise AssertionError("the receptive-field scene lost its mode")
    return out


def test_every_scene_in_chinese_has_no_english_word(zh_timelines: dict[str, Timeline]) -> None:
    problems = {
        f"{name}: {text!r}": english_words(text)
        for name, timeline in zh_timelines.items()
        for text in sorted(screen_texts(timeline))
        if english_words(text)
    }
    assert not problems


def test_the_chinese_build_is_in_chinese(zh_timelines: dict[str, Timeline]) -> None:
    """Not vacuous: the texts checked above are there, and in Chinese."""
    assert len(zh_timelines) == len(SCENES) >= 25
    for name, timeline in zh_timelines.items():
        texts = screen_texts(timeline)
        assert timeline.view.language == "zh"
        assert any(re.search("[\u4e00-\u9fff]", t) for t in texts), name
        blocks = [a for a in timeline.actors if isinstance(a, BlockActor)]
        assert blocks[0].caption in ("输入", "输入图片"), name  # a picture is an 输入图片
        if any(getattr(a, "role", "") == "table" for a in timeline.actors):  # not the matrix view
            assert {"卷积核", "池化窗口"} & texts, name
    standard = screen_texts(zh_timelines["standard_conv"])
    assert {"批量", "高度", "宽度", "输入通道", "输出通道", "输入", "输出"} <= standard
    assert {"输出值", "参数量 584", "二维卷积 3×3"} <= standard
    assert any(t.startswith("乘加次数 (MACs) ") for t in standard)
    assert any(t.startswith("浮点运算 (FLOPs) ") for t in standard)


def test_the_checker_finds_english_words() -> None:
    """The checker itself: English is found, symbols and op names are not."""
    assert english_words("out[0,0,1] = Σ window × kernel + b = 0.25") == ["window", "kernel"]
    assert english_words("out[0,0,1] = Σ 窗口 × 卷积核 + b = 0.25") == []
    assert english_words("H_out = floor((7 + 2*0 - 1*(3-1) - 1) / 1) + 1 = 5") == []
    assert english_words("max_pool2d 2×2, channels 8–254 elided") == ["channels", "elided"]
    assert english_words("激励: h = ReLU(FC1 s),  FC1: 8 -> 2") == []
    # typeset formulas: what they draw is checked, not their LaTeX commands
    formula = r"H_{\mathrm{out}} = \left\lfloor \frac{H_{\mathrm{in}} + 2p - 1}{s} \right\rfloor"
    assert english_words(drawn_text(formula)) == []
    window = r"\mathrm{out}[0,1] = \sum \mathrm{window} \odot \text{卷积核} = {0.25}"
    assert english_words(drawn_text(window)) == ["window"]
    cropped = r"\mathrm{out}[\text{行 } {\color{gray}\cancel{-1}}, 0;\ \text{cols } 1]"
    assert english_words(drawn_text(cropped)) == ["cols"]


def test_english_builds_are_unchanged_by_the_catalogue() -> None:
    """The English words are today's (frame and timeline goldens pin them for every scene)."""
    timeline = build_timeline(load(ROOT / "scenes" / "standard_conv.yaml"))
    texts = screen_texts(timeline)
    assert timeline.view.language == "en"
    assert {"input", "conv2d 3×3", "output value", "params 584"} <= texts
    tables = [a for a in timeline.actors if isinstance(a, OverlayActor) and a.role == "table"]
    assert tables[0].lines[0] == "\tbatch\theight\twidth\tin_channel\tout_channel"


def test_both_languages_fill_every_template_with_the_same_placeholders() -> None:
    """A Chinese template takes exactly the values its English one is given."""
    assert set(LANGUAGES) == {"en", "zh"}
    for f in dataclasses.fields(Words):
        en, zh = getattr(EN, f.name), getattr(ZH, f.name)
        if isinstance(en, str):
            assert _placeholders(en) == _placeholders(zh), f.name
    assert set(ZH.table_columns) >= {"batch", "height", "width", "in_channel", "out_channel"}


def test_renderer_notes_in_chinese() -> None:
    """The words the renderer composes itself (a large block's note) come from the catalogue."""
    lod = display_of((256, 224, 224))
    assert isinstance(lod, BlockLOD)
    assert english_words(lod.note(EN)) == ["cube", "channels", "elided"]
    assert lod.note(ZH).startswith("1 个方块 = ")
    assert english_words(lod.note(ZH)) == []
    row = display_of((16, 12, 40, 40))
    assert english_words(row.note(ZH)) == [] and row.note(ZH)


def _placeholders(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", template))
