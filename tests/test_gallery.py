"""``convanim gallery``: the page's HTML (escaping, media elements, failed scenes), spec
discovery, and a real gallery loaded in headless Chromium (media load, no console error, a
screenshot in media/ for a person to look at)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from convanim.cli import main
from convanim.errors import UsageError
from convanim.gallery import SceneEntry, find_specs, render_page

from . import browser
from .conftest import ROOT

OPS = "ops:\n  - {type: conv2d, out_channels: 1, kernel_size: 2}\n"
TINY = "title: {title}\ninput: {{shape: [1, 4, 4]}}\n" + OPS.replace("{", "{{").replace("}", "}}")

GALLERY_HELP = """\
Usage: convanim gallery [OPTIONS] SCENES...

  Render every spec in SCENES (files, or folders of *.yaml) and write
  DIR/index.html showing each scene's animation, its shape tables and counts,
  and its YAML.

  Media go beside the page; scenes whose media are up to date are not rendered
  again. The page is written even if some scenes fail (they show their error);
  the exit code is then 2 if bad specs failed, 1 if anything else failed.

Options:
  -o, --output DIR             Folder of the page (index.html) and its media.
                               [default: media/gallery]
  --format [gif|mp4|webm|png]  Media shown for each scene.  [default: gif]
  -q, --quality [l|m|h|k]      l 854×480@15, m 1280×720@30, h 1920×1080@60, k
                               3840×2160@60.  [default: l]
  --max-size SIZE              GIF only: largest file size per scene, e.g. 5MB.
  -j, --jobs INTEGER RANGE     Worker processes: scenes render side by side.
                               [default: 1; x>=1]
  --force                      Render even the scenes whose media are up to
                               date.
  --no-cache                   Do not read or write the cache of text outlines
                               (see `convanim cache info`).
  --title TEXT                 Page heading.  [default: convanim gallery]
  --cluster ADDRESS            Render on a Dask cluster: a scheduler address
                               (tcp://HOST:8786) or local:N for N worker
                               processes here. Default: $CONVANIM_CLUSTER. Needs
                               convanim[cluster].
  -h, --help                   Show this message and exit.
"""


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), prog_name="convanim", terminal_width=80)
    return result.exit_code, result.stdout, result.stderr


def _scenes(folder: Path, titles: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, title in titles.items():
        (folder / f"{name}.yaml").write_text(TINY.format(title=title), encoding="utf-8")
    return folder


def _entry(**changes: object) -> SceneEntry:
    fields: dict[str, object] = {
        "name": "a",
        "title": "A",
        "spec_file": "a.yaml",
        "yaml_text": "input: {shape: [1, 4, 4]}\n",
        "media": "a.gif",
        "media_format": "gif",
        "size": (854, 480),
        "data": None,
        "error": None,
    }
    fields.update(changes)
    return SceneEntry(**fields)  # type: ignore[arg-type]


def test_help_text() -> None:
    code, out, _ = _run("gallery", "--help")
    assert code == 0 and out == GALLERY_HELP


def test_page_escapes_user_text_and_has_no_script() -> None:
    page = render_page(
        [_entry(title="<script>alert(1)</script>", yaml_text="title: a & <b>\n# \"q\" 'x'\n")],
        title="My <gallery>",
        subtitle="1 & 2",
    )
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "title: a &amp; &lt;b&gt;\n# &quot;q&quot; &#x27;x&#x27;" in page
    assert "<title>My &lt;gallery&gt;</title>" in page and "<p>1 &amp; 2</p>" in page
    assert page.startswith("<!DOCTYPE html>\n") and '<meta charset="utf-8">' in page
    assert '<link rel="icon" href="data:,">' in page  # no favicon request from file://


def test_media_elements_by_format() -> None:
    gif = render_page([_entry(name="x y", media="x y.gif")], title="t", subtitle="s")
    assert '<img src="x%20y.gif" width="854" height="480" alt="animation of A">' in gif
    assert 'href="#x%20y"' in gif and 'id="x y"' in gif
    mp4 = render_page([_entry(media="a.mp4", media_format="mp4")], title="t", subtitle="s")
    video = (
        r'<video width="854" height="480" controls autoplay muted loop playsinline'
        r' preload="auto"[^>]*><source src="a.mp4" type="video/mp4"></video>'
    )
    assert re.search(video, mp4)


def test_failed_scene_shows_its_error_and_no_media() -> None:
    page = render_page(
        [_entry(media=None, error="bad.yaml:1:17: input.shape[0]: must be positive")],
        title="t",
        subtitle="s",
    )
    assert '<section class="scene failed" id="a">' in page
    assert '<pre class="error">bad.yaml:1:17: input.shape[0]: must be positive</pre>' in page
    assert "<img" not in page


def test_find_specs(tmp_path: Path) -> None:
    folder = _scenes(tmp_path / "s", {"b": "B", "a": "A"})
    (folder / "notes.txt").write_text("not a spec")
    (folder / "c.yml").write_text(TINY.format(title="C"))
    assert find_specs([folder]) == [folder / "a.yaml", folder / "b.yaml", folder / "c.yml"]
    assert find_specs([folder / "b.yaml", folder]) == [
        folder / "b.yaml", folder / "a.yaml", folder / "c.yml",
    ]  # fmt: skip
    with pytest.raises(UsageError, match=f"^{tmp_path / 'nope'}: no such file or folder$"):
        find_specs([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="^no specs \\(\\*.yaml, \\*.yml\\) found in "):
        find_specs([tmp_path / "empty"])


def test_gif_only_options(tmp_path: Path) -> None:
    folder = _scenes(tmp_path / "s", {"a": "A"})
    code, _, err = _run("gallery", str(folder), "--format", "mp4", "--max-size", "1MB")
    assert code == 2 and err == "convanim: error: a size limit applies to gif only, not mp4\n"


def _check_in_browser(
    page: Path, screenshot: Path, seek: float | None = None
) -> browser.PageReport:
    if not browser.available():
        pytest.skip("Debian's chromium is not installed (`make test` installs it)")
    with tempfile.TemporaryDirectory(prefix="convanim-chromium-") as profile:
        report = browser.check_page(page, Path(profile), seek=seek)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.write_bytes(report.screenshot)
    return report


@pytest.mark.render
def test_the_browser_check_catches_broken_media_and_console_errors(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        '</head><body><img src="missing.gif"><script>console.error("boom")</script></body></html>'
    )
    report = _check_in_browser(page, tmp_path / "broken.png")
    assert [m["loaded"] for m in report.media] == [False]
    assert "console: boom" in report.errors
    assert any("missing.gif" in e for e in report.errors)


@pytest.mark.render
def test_gallery_loads_in_chromium(tmp_path: Path) -> None:
    scenes = _scenes(tmp_path / "scenes", {"first": "First & <one>", "second": "第二个场景"})
    out = tmp_path / "gallery"
    code, stdout, stderr = _run("gallery", str(scenes), "-o", str(out), "-j", "2")
    assert code == 0, stderr
    assert stdout.endswith(f"wrote {out / 'index.html'}\n")
    assert "2 specs: 2 rendered, 0 skipped, 0 failed" in stdout
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "first.gif", "index.html", "second.gif",
    ]  # fmt: skip
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "First &amp; &lt;one&gt;" in html and "第二个场景" in html
    assert "<caption>ops[0] conv2d</caption>" in html and "params 5 · MACs 36 · FLOPs 72" in html

    report = _check_in_browser(out / "index.html", ROOT / "media" / "gallery_screenshot.png")
    assert [(m["tag"], m["loaded"], m["width"]) for m in report.media] == [("img", True, 854)] * 2
    assert report.errors == []
    assert report.screenshot.startswith(b"\x89PNG")

    # Up to date: the second build renders nothing.
    code, stdout, _ = _run("gallery", str(scenes), "-o", str(out))
    assert code == 0 and "2 specs: 0 rendered, 2 skipped, 0 failed" in stdout


@pytest.mark.render
def test_video_gallery_with_a_failed_scene_loads_in_chromium(tmp_path: Path) -> None:
    scenes = _scenes(tmp_path / "scenes", {"ok": "Video"})
    (scenes / "bad.yaml").write_text("input: {shape: [0, 4, 4]}\n" + OPS)
    out = tmp_path / "gallery"
    code, stdout, stderr = _run("gallery", str(scenes), "-o", str(out), "--format", "mp4")
    assert code == 2
    assert stderr.endswith("1 of 2 scenes failed\n")
    html = (out / "index.html").read_text(encoding="utf-8")
    assert '<section class="scene failed" id="bad">' in html
    assert "input.shape[0]: must be a positive integer, got 0" in html
    # Poster, captions (the .vtt beside the video, carried in the page) and chapter links.
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("ok")) == [
        "ok.mp4", "ok.poster.png", "ok.vtt",
    ]  # fmt: skip
    assert 'poster="ok.poster.png"' in html
    assert '<track kind="captions" src="data:text/vtt;charset=utf-8,WEBVTT' in html
    assert 'srclang="en" label="English" default>' in html
    assert '<a href="ok.mp4#t=0.000">0:00.0</a> Video</li>' in html
    assert re.search(r'<a href="ok.mp4#t=0\.\d+">0:00\.\d</a> conv2d 2×2, 1→1</li>', html)
    report = _check_in_browser(
        out / "index.html", ROOT / "media" / "gallery_video_screenshot.png", seek=2.0
    )
    assert [(m["tag"], m["loaded"], m["width"]) for m in report.media] == [("video", True, 854)]
    video = report.media[0]
    assert video["poster"] == 854  # the cover frame loads as the poster
    vtt = (out / "ok.vtt").read_text(encoding="utf-8")
    assert video["cues"] == vtt.count(" --> ") > 2  # every cue of the .vtt, in Chromium
    assert video["caption"] and video["caption"] in vtt  # shown at 2 s (see the screenshot)
    assert report.errors == []
