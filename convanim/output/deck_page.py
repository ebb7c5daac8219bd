"""The HTML page of a slide deck: one file, its own small player, nothing from the network.

Every slide is a ``<section class="slide">`` holding its video (``media/slideNNN.mp4``, the
thumbnail as its poster) and its speaker notes (``<aside class="notes">``). The script at the end
of the page shows one slide at a time:

- → , space, PageDown, Enter: next slide; ← , Backspace, PageUp: previous; Home / End;
- a slide's video plays from its start when the slide is entered and holds its last frame;
- S shows or hides the notes panel, O (or Escape) the overview of every slide's thumbnail
  (click one to go there), F full screen, R plays the slide again;
- the slide's number is kept in the address (``index.html#3``), so a reload stays there.

The page names no URL outside its folder (no CDN, no web font): it works from a USB stick.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DeckSlide", "deck_html"]


@dataclass(frozen=True)
class DeckSlide:
    """What the page shows of a slide (paths relative to the page)."""

    index: int
    kind: str
    title: str
    notes: tuple[str, ...]
    video: str
    thumb: str
    seconds: float


UI = {
    "en": {
        "notes": "Notes",
        "overview": "Overview",
        "keys": "→ / space next · ← back · S notes · O overview · F full screen · R replay",
        "previous": "Previous slide",
        "next": "Next slide",
    },
    "zh": {
        "notes": "讲稿",
        "overview": "总览",
        "keys": "→ / 空格 下一页 · ← 上一页 · S 讲稿 · O 总览 · F 全屏 · R 重播",
        "previous": "上一页",
        "next": "下一页",
    },
}
"""The words of the player's own controls, per ``labels.language``."""

STYLE = """
html, body { margin: 0; height: 100%; background: #0b0d12; color: #e8e8e8;
  font-family: system-ui, "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; }
body { display: flex; flex-direction: column; overflow: hidden; }
main { flex: 1; display: flex; min-height: 0; }
#stage { flex: 1; position: relative; min-width: 0; }
section.slide { position: absolute; inset: 0; display: flex; align-items: center;
  justify-content: center; }
section.slide[hidden] { display: none; }
section.slide video { max-width: 100%; max-height: 100%; width: 100%; height: 100%;
  object-fit: contain; background: #000; }
aside.notes { display: none; }
#notes { width: 32%; max-width: 28rem; overflow: auto; padding: 0.8rem 1rem;
  background: #161a22; border-left: 1px solid #2a3040; font-size: 0.9rem; }
#notes[hidden] { display: none; }
#notes h2 { font-size: 1rem; margin: 0 0 0.6rem; color: #9fb4ff; }
#notes pre { white-space: pre-wrap; font-family: ui-monospace, "DejaVu Sans Mono", monospace;
  font-size: 0.82rem; margin: 0 0 0.7rem; line-height: 1.35; }
footer { display: flex; gap: 1rem; align-items: center; padding: 0.35rem 0.8rem;
  background: #11141b; border-top: 1px solid #2a3040; font-size: 0.9rem; }
footer button { background: #232a38; color: inherit; border: 1px solid #3a4358;
  border-radius: 4px; padding: 0.15rem 0.6rem; font: inherit; cursor: pointer; }
#heading { flex: 1; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
#keys { color: #8a93a6; font-size: 0.8rem; }
#overview { position: fixed; inset: 0; background: rgba(8, 10, 14, 0.96); overflow: auto;
  padding: 1.5rem; display: grid; gap: 1rem; align-content: start;
  grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); }
#overview[hidden] { display: none; }
#overview button { background: #161a22; border: 2px solid #2a3040; border-radius: 6px;
  color: inherit; padding: 0.3rem; text-align: left; font: inherit; cursor: pointer; }
#overview button.current { border-color: #9fb4ff; }
#overview img { width: 100%; display: block; border-radius: 3px; }
#overview span { display: block; font-size: 0.8rem; padding: 0.3rem 0.2rem 0; }
"""

SCRIPT = """
(() => {
  const slides = Array.from(document.querySelectorAll('section.slide'));
  const counter = document.getElementById('counter');
  const heading = document.getElementById('heading');
  const notes = document.getElementById('notes');
  const notesBody = document.getElementById('notes-body');
  const overview = document.getElementById('overview');
  const thumbs = Array.from(overview.querySelectorAll('button'));
  let current = -1;
  const video = (n) => slides[n].querySelector('video');
  const play = (v) => {
    v.currentTime = 0;
    const started = v.play();
    if (started) started.catch(() => {});  // interrupted by the next key press
  };
  function show(n) {
    n = Math.max(0, Math.min(slides.length - 1, n));
    if (current >= 0 && current !== n) {
      video(current).pause();
      slides[current].hidden = true;
      thumbs[current].classList.remove('current');
    }
    current = n;
    const slide = slides[n];
    slide.hidden = false;
    thumbs[n].classList.add('current');
    document.body.dataset.slide = String(n);
    counter.textContent = (n + 1) + ' / ' + slides.length;
    heading.textContent = slide.dataset.title;
    notesBody.replaceChildren(...Array.from(slide.querySelector('aside.notes').children)
      .map((node) => node.cloneNode(true)));
    play(video(n));
    if (n + 1 < slides.length) video(n + 1).preload = 'auto';
    try { history.replaceState(null, '', '#' + (n + 1)); } catch (err) { /* file:// quirks */ }
  }
  function toggle(panel) { panel.hidden = !panel.hidden; }
  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const key = event.key;
    if (!overview.hidden && (key === 'Escape' || key === 'o' || key === 'O')) {
      overview.hidden = true;
    } else if (['ArrowRight', ' ', 'PageDown', 'Enter', 'ArrowDown'].includes(key)) {
      show(current + 1);
    } else if (['ArrowLeft', 'Backspace', 'PageUp', 'ArrowUp'].includes(key)) {
      show(current - 1);
    } else if (key === 'Home') { show(0);
    } else if (key === 'End') { show(slides.length - 1);
    } else if (key === 's' || key === 'S') { toggle(notes);
    } else if (key === 'o' || key === 'O' || key === 'Escape') { toggle(overview);
    } else if (key === 'r' || key === 'R') { play(video(current));
    } else if (key === 'f' || key === 'F') {
      if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
      else document.documentElement.requestFullscreen().catch(() => {});
    } else { return; }
    event.preventDefault();
  });
  thumbs.forEach((button, n) => button.addEventListener('click', () => {
    overview.hidden = true;
    show(n);
  }));
  document.getElementById('previous').addEventListener('click', () => show(current - 1));
  document.getElementById('next').addEventListener('click', () => show(current + 1));
  document.getElementById('toggle-notes').addEventListener('click', () => toggle(notes));
  document.getElementById('toggle-overview').addEventListener('click', () => toggle(overview));
  const start = parseInt((location.hash || '#1').slice(1), 10);
  show(Number.isFinite(start) ? start - 1 : 0);
})();
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _slide(slide: DeckSlide, size: tuple[int, int]) -> str:
    notes = "".join(f"<pre>{_e(block)}</pre>" for block in slide.notes)
    preload = "auto" if slide.index < 2 else "metadata"
    return (
        f'<section class="slide" id="slide-{slide.index + 1}" data-kind="{_e(slide.kind)}" '
        f'data-title="{_e(slide.title)}" data-seconds="{slide.seconds:.3f}" hidden>'
        f'<video src="{_e(slide.video)}" poster="{_e(slide.thumb)}" width="{size[0]}" '
        f'height="{size[1]}" muted playsinline preload="{preload}">'
        f"</video>"
        f'<aside class="notes"><h2>{slide.index + 1}. {_e(slide.title)}</h2>{notes}</aside>'
        "</section>"
    )


def _thumb(slide: DeckSlide) -> str:
    return (
        f'<button type="button" data-index="{slide.index}"><img src="{_e(slide.thumb)}" alt="">'
        f"<span>{slide.index + 1}. {_e(slide.title)}</span></button>"
    )


def deck_html(title: str, slides: Sequence[DeckSlide], language: str, size: tuple[int, int]) -> str:
    """The deck's ``index.html`` (see the module docstring); ``size`` is the videos' size."""
    ui = UI.get(language, UI["en"])
    body = "\n".join(_slide(s, size) for s in slides)
    grid = "\n".join(_thumb(s) for s in slides)
    lang = "zh-Hans" if language == "zh" else "en"
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="convanim slides">
<title>{_e(title)}</title>
<link rel="icon" href="data:,">
<style>{STYLE}</style>
</head>
<body>
<main>
<div id="stage">
{body}
</div>
<div id="notes" hidden><div id="notes-body"></div></div>
</main>
<footer>
<button type="button" id="previous" aria-label="{_e(ui["previous"])}">←</button>
<span id="counter"></span>
<button type="button" id="next" aria-label="{_e(ui["next"])}">→</button>
<span id="heading"></span>
<span id="keys">{_e(ui["keys"])}</span>
<button type="button" id="toggle-notes">{_e(ui["notes"])}</button>
<button type="button" id="toggle-overview">{_e(ui["overview"])}</button>
</footer>
<nav id="overview" hidden aria-label="{_e(ui["overview"])}">
{grid}
</nav>
<script>{SCRIPT}</script>
</body>
</html>
"""
