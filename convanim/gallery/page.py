"""The gallery's HTML: one self-contained page (inline CSS, no script) that works from file://.

Pure text: nothing here renders or computes. Every piece of user text (titles, YAML, messages)
goes through :func:`html.escape`; media are referenced by relative, URL-quoted file names.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

__all__ = ["STYLE", "SceneEntry", "facts_html", "render_page"]


@dataclass(frozen=True)
class SceneEntry:
    """One scene of the gallery.

    Attributes
    ----------
    name : str
        The spec's stem (used as the anchor).
    title : str
        The spec's title, or its stem.
    spec_file : str
        The spec's file name, as shown.
    yaml_text : str
        The spec's text.
    media : str or None
        File name of the rendered output beside the page (None if the render failed).
    media_format : str
        ``gif``, ``png``, ``mp4`` or ``webm``.
    size : tuple of int
        Frame width and height in pixels (for the layout before the media loads).
    data : mapping or None
        The ``inspect --json`` data of the spec (None if it could not be computed).
    error : str or None
        Why the scene failed, if it did.
    poster : str or None
        File name of a video's poster PNG beside the page.
    captions : str or None
        The WebVTT text of a video's captions. The page carries it in a ``data:`` URL: Chromium
        refuses a ``<track>`` file beside a page opened from file://, not a ``data:`` one.
    chapters : sequence of (title, start seconds)
        A video's chapters, listed under it as links that open it at that time.
    language : str
        Language of the captions (``labels.language``).
    """

    name: str
    title: str
    spec_file: str
    yaml_text: str
    media: str | None
    media_format: str
    size: tuple[int, int]
    data: Mapping[str, Any] | None = None
    error: str | None = None
    poster: str | None = None
    captions: str | None = None
    chapters: Sequence[tuple[str, float]] = ()
    language: str = "en"


STYLE = """
:root { color-scheme: light dark; --bg: #f6f5f2; --card: #ffffff; --ink: #22252b;
  --muted: #6b7079; --line: #e2e0db; --accent: #3d6fb6; --bad: #b3261e; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #17191d; --card: #20232a; --ink: #e7e9ee; --muted: #9aa1ad;
    --line: #343842; --accent: #8fb3ff; --bad: #ff8a80; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans", "WenQuanYi Micro Hei",
  sans-serif; }
header { padding: 28px 32px 8px; max-width: 1280px; margin: 0 auto; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header p { margin: 0; color: var(--muted); }
nav { margin-top: 12px; display: flex; flex-wrap: wrap; gap: 6px 14px; font-size: 14px; }
nav a, a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
main { max-width: 1280px; margin: 0 auto; padding: 8px 32px 40px; display: grid; gap: 24px; }
.scene { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 18px 20px; display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
  gap: 18px 24px; }
.scene.failed { border-color: var(--bad); }
.scene > h2 { grid-column: 1 / -1; margin: 0; font-size: 19px; }
.scene > h2 small { color: var(--muted); font-weight: normal; font-size: 13px; margin-left: 8px;
  font-family: ui-monospace, monospace; }
.media img, .media video { width: 100%; height: auto; border-radius: 6px; display: block;
  background: var(--line); }
.facts table { border-collapse: collapse; width: 100%; font-size: 13px; margin-bottom: 10px;
  font-variant-numeric: tabular-nums; }
.facts caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
.facts th, .facts td { border-bottom: 1px solid var(--line); padding: 3px 6px; text-align: right; }
.facts th:first-child, .facts td:first-child { text-align: left; }
.facts thead th { color: var(--muted); font-weight: 500; }
.formula { font-family: ui-monospace, monospace; font-size: 12px; color: var(--muted);
  margin: 0 0 4px; }
.counts { font-size: 13px; margin: 0 0 14px; }
.total { font-weight: 600; }
.chapters { margin: 8px 0 0; padding-left: 0; list-style: none; font-size: 13px;
  font-variant-numeric: tabular-nums; }
.chapters a { font-family: ui-monospace, monospace; margin-right: 6px; }
details { grid-column: 1 / -1; }
summary { cursor: pointer; color: var(--muted); font-size: 14px; }
pre { margin: 8px 0 0; padding: 12px 14px; background: var(--bg); border-radius: 6px;
  overflow-x: auto; font: 12.5px/1.45 ui-monospace, "DejaVu Sans Mono", monospace; }
pre.error { color: var(--bad); white-space: pre-wrap; grid-column: 1 / -1; }
@media (max-width: 820px) { .scene { grid-template-columns: 1fr; } }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _number(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else _e(value)


def _media(entry: SceneEntry) -> str:
    if entry.media is None:
        return ""
    src = _e(quote(entry.media))
    width, height = entry.size
    alt = _e(f"animation of {entry.title}")
    if entry.media_format in ("mp4", "webm"):
        kind = "video/mp4" if entry.media_format == "mp4" else "video/webm"
        poster = f' poster="{_e(quote(entry.poster))}"' if entry.poster else ""
        track = ""
        if entry.captions:
            label = CAPTION_LABELS.get(entry.language, entry.language)
            vtt = "data:text/vtt;charset=utf-8," + quote(entry.captions)
            track = (
                f'<track kind="captions" src="{_e(vtt)}" '
                f'srclang="{_e(entry.language)}" label="{_e(label)}" default>'
            )
        return (
            f'<div class="media"><video width="{width}" height="{height}" controls autoplay '
            f'muted loop playsinline preload="auto" aria-label="{alt}"{poster}>'
            f'<source src="{src}" type="{kind}">{track}</video>{_chapters(entry, src)}</div>'
        )
    return (
        f'<div class="media"><img src="{src}" width="{width}" height="{height}" alt="{alt}"></div>'
    )


CAPTION_LABELS = {"en": "English", "zh": "中文"}
"""The caption track's label per ``labels.language``."""


def _clock(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes)}:{secs:04.1f}"


def _chapters(entry: SceneEntry, src: str) -> str:
    """The chapters as links to the video at their start (media fragments, ``#t=``: no script)."""
    if not entry.chapters:
        return ""
    items = "".join(
        f'<li><a href="{src}#t={start:.3f}">{_clock(start)}</a> {_e(title)}</li>'
        for title, start in entry.chapters
    )
    return f'<ol class="chapters" aria-label="chapters">{items}</ol>'


def _shape_table(op: Mapping[str, Any]) -> str:
    table = op.get("shape_table") or {}
    columns: list[str] = []
    for cells in table.values():
        columns.extend(c for c in cells if c not in columns)
    head = "".join(f"<th>{_e(c.replace('_', ' '))}</th>" for c in columns)
    body = "".join(
        f"<tr><td>{_e(row)}</td>"
        + "".join(f"<td>{_number(cells.get(c, '-'))}</td>" for c in columns)
        + "</tr>"
        for row, cells in table.items()
    )
    caption = f"ops[{_e(op.get('index', ''))}] {_e(op.get('type', ''))}"
    return (
        f"<table><caption>{caption}</caption><thead><tr><th></th>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


_COUNTS = (("params", "params"), ("macs", "MACs"), ("flops", "FLOPs"))


def _counts(values: Mapping[str, Any], css: str = "counts", lead: str = "") -> str:
    parts = [f"{label} {_number(values.get(key, '-'))}" for key, label in _COUNTS]
    return f'<p class="{css}">{_e(lead)}' + " · ".join(parts) + "</p>"


def facts_html(data: Mapping[str, Any] | None) -> str:
    """Shape tables, formulas and counts of ``inspect --json`` data, as an HTML ``<div>``.

    Parameters
    ----------
    data : mapping or None
        What :func:`convanim.inspect` returns; None (or empty) gives an empty string.

    Returns
    -------
    str
        One table per op (rows Input / Kernel / Output), its output-size formulas and its
        params / MACs / FLOPs, then the totals for a chain.
    """
    if not data:
        return ""
    parts: list[str] = []
    for op in data.get("ops", []):
        parts.append(_shape_table(op))
        parts.extend(f'<p class="formula">{_e(line)}</p>' for line in op.get("formula", []))
        parts.append(_counts(op))
    if len(data.get("ops", [])) > 1:
        parts.append(_counts(data.get("total", {}), "counts total", "total: "))
    return '<div class="facts">' + "".join(parts) + "</div>"


def _scene(entry: SceneEntry) -> str:
    classes = "scene failed" if entry.error else "scene"
    parts = [
        f'<section class="{classes}" id="{_e(entry.name)}">',
        f"<h2>{_e(entry.title)}<small>{_e(entry.spec_file)}</small></h2>",
        _media(entry),
        facts_html(entry.data),
    ]
    if entry.error:
        parts.append(f'<pre class="error">{_e(entry.error)}</pre>')
    parts.append(
        f"<details><summary>spec: {_e(entry.spec_file)}</summary>"
        f"<pre><code>{_e(entry.yaml_text)}</code></pre></details>"
    )
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def render_page(entries: Sequence[SceneEntry], *, title: str, subtitle: str) -> str:
    """The whole gallery page.

    Parameters
    ----------
    entries : sequence of SceneEntry
        The scenes, in order.
    title : str
        The page's heading and ``<title>``.
    subtitle : str
        One line under the heading (what was rendered, and how).

    Returns
    -------
    str
        An HTML5 document (UTF-8), with inline CSS and no script.
    """
    links = "".join(f'<a href="#{_e(quote(e.name))}">{_e(e.title)}</a>' for e in entries)
    scenes = "\n".join(_scene(e) for e in entries)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>{_e(title)}</h1><p>{_e(subtitle)}</p><nav>{links}</nav></header>\n"
        f"<main>\n{scenes}\n</main>\n</body>\n</html>\n"
    )
