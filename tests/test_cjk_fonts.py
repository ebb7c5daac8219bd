"""Chinese texts are drawn with whatever Chinese font fontconfig offers, and refused without one.

Each case runs in a subprocess whose ``FONTCONFIG_FILE`` offers DejaVu and exactly one Chinese
font file (or none), the way a machine with only that font installed is. The glyphs of a
Chinese text are compared with the same text drawn without any Chinese font (Pango's boxes for
missing glyphs): they must differ, and differ between two fonts, so the font was really used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Chinese font files of Debian packages, and the family each offers. ``make install`` installs
#: the first two (fonts-wqy-microhei, fonts-droid-fallback), so CI tests at least those.
CJK_FILES = {
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc": "WenQuanYi Micro Hei",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf": "Droid Sans Fallback",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc": "Noto Sans CJK SC",
}
INSTALLED = [path for path in CJK_FILES if Path(path).exists()]
DEJAVU = "/usr/share/fonts/truetype/dejavu"

_PROBE = """
import hashlib, json
import numpy as np
from convanim.renderer.fontconfig import cjk_font, families_for_language
from convanim.renderer.manim.mobjects import text_mobject
mob = text_mobject("卷积核 输入通道", 0.5, "#000000")
points = np.concatenate([m.points for m in mob.family_members_with_points()])
print(json.dumps({
    "zh": list(families_for_language("zh")),
    "family": cjk_font(),
    "mono": cjk_font(mono=True),
    "glyphs": hashlib.sha256(np.round(points, 3).tobytes()).hexdigest(),
    "points": len(points),
}))
"""

SPEC = """title: 标准卷积
input:
  shape: [2, 5, 5]
ops:
  - type: conv2d
    out_channels: 2
    kernel_size: 3
labels:
  language: zh
"""


def _config(tmp_path: Path, font: str | None) -> Path:
    """A fonts.conf offering DejaVu and only ``font`` (a file) of the Chinese fonts."""
    fonts = tmp_path / "fonts"
    fonts.mkdir(parents=True)
    if font is not None:
        (fonts / Path(font).name).symlink_to(font)
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{DEJAVU}</dir>\n  <dir>{fonts}</dir>\n"
        f"  <cachedir>{tmp_path / 'cache'}</cachedir>\n</fontconfig>\n"
    )
    return conf


def _env(conf: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CONVANIM_DEBUG"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["FONTCONFIG_FILE"] = str(conf)
    return env


def _probe(tmp_path: Path, font: str | None) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        capture_output=True,
        text=True,
        env=_env(_config(tmp_path, font)),
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def boxes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The Chinese text drawn with no Chinese font: the missing-glyph boxes."""
    return _probe(tmp_path_factory.mktemp("none"), None)


def test_ci_offers_two_chinese_fonts_to_test_with() -> None:
    assert len(INSTALLED) >= 2, f"install fonts-wqy-microhei and fonts-droid-fallback: {INSTALLED}"


@pytest.mark.render
@pytest.mark.parametrize("font", INSTALLED, ids=[CJK_FILES[p] for p in INSTALLED])
def test_the_only_chinese_font_installed_draws_chinese(
    tmp_path: Path, font: str, boxes: dict[str, object]
) -> None:
    found = _probe(tmp_path, font)
    family = CJK_FILES[font]
    assert family in found["zh"]  # type: ignore[operator]
    assert found["family"] == family
    assert found["glyphs"] != boxes["glyphs"]


@pytest.mark.render
def test_two_chinese_fonts_draw_differently(tmp_path: Path) -> None:
    """The family chosen is the one drawn with (not a fallback Pango picks on its own)."""
    a, b = INSTALLED[:2]
    first, second = _probe(tmp_path / "a", a), _probe(tmp_path / "b", b)
    assert first["family"] != second["family"]
    assert first["glyphs"] != second["glyphs"]


def test_without_a_chinese_font_nothing_is_offered(boxes: dict[str, object]) -> None:
    assert boxes["zh"] == [] and boxes["family"] is None and boxes["mono"] is None


@pytest.mark.render
def test_a_chinese_scene_renders_with_any_chinese_font_and_is_refused_without(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "zh.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    for n, font in enumerate([INSTALLED[-1], None]):
        target = tmp_path / f"zh{n}.png"
        done = subprocess.run(
            [sys.executable, "-m", "convanim", "render", str(spec), "--format", "png",
             "-o", str(target)],
            capture_output=True, text=True, cwd=ROOT, timeout=600,
            env=_env(_config(tmp_path / str(n), font)),
        )  # fmt: skip
        if font is not None:
            assert done.returncode == 0, done.stderr
            assert target.stat().st_size > 0
        else:
            assert done.returncode == 1
            assert done.stderr.endswith(
                "convanim: error: cannot render: no Chinese font is installed (fontconfig lists "
                "none for :lang=zh), so Chinese texts would be drawn as empty boxes; install "
                "one, e.g. fonts-wqy-microhei or fonts-noto-cjk (Debian: apt-get install "
                "fonts-wqy-microhei, or run `make install`)\n"
            )
            assert not target.exists()
