"""Text outlines straight from Pango's SVG: laid out by Pango, parsed here, cached on disk.

Manim's ``Text`` asks Pango for an SVG of the text and then parses it with a general SVG library
and builds one mobject per glyph; that parsing and building is nine tenths of its cost (about
50 ms a text). Pango's SVG (written by Cairo) is simple: each glyph's outline once, as a path of
absolute ``M``/``L``/``C``/``Z`` commands in ``<defs>``, and a ``<use>`` with the glyph's
position for every character. This module reads exactly that: the layout (kerning, shaping,
fallback fonts) is Pango's own, each distinct glyph path is converted once per process, and the
finished outline of a text is kept in the disk cache of :mod:`convanim.renderer.outline_cache`.
Anything else in the SVG (a transformed or bitmap glyph) makes it fall back to manim's ``Text``.

An outline is an array of cubic Bézier points (4 per curve, manim's layout) in Pango units at
:data:`REFERENCE_SIZE`, y pointing up, not yet centred. See docs/design.md, "Text outlines and
their cache".
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from functools import lru_cache
from multiprocessing.util import Finalize
from pathlib import Path

import manimpango
import numpy as np

from convanim.renderer import outline_cache
from convanim.renderer.fontconfig import font_file

__all__ = ["REFERENCE_SIZE", "text_outline"]

REFERENCE_SIZE = 10.0
"""Pango size the outlines are laid out at (manim's ``font_size`` 48); they are scaled after."""
_LINE_SPACING = REFERENCE_SIZE * 1.3
_CANVAS = (100_000, 4_000)
_START = (30, 20)

_SYMBOL = re.compile(r'<symbol[^>]*\bid="([^"]+)"[^>]*>(.*?)</symbol>', re.S)
_PATH_D = re.compile(r'<path[^>]*\bd="([^"]*)"')
_USE = re.compile(r"<use\b([^>]*)/>")
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_TOKEN = re.compile(r"[MLCZ]|-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?", re.I)


class _Unsupported(Exception):
    """The SVG holds something this reader does not handle (manim's Text is used instead)."""


def _svg(text: str, face: str, weight: str) -> str:
    """Pango's SVG of ``text`` (one setting per line, like manim's ``Text``)."""
    settings = []
    start = 0
    for number, line in enumerate(text.split("\n")):
        end = start + len(line)
        if end > start:
            settings.append(manimpango.TextSetting(start, end, face, "NORMAL", weight, number))
        start = end + 1
    target = _scratch_folder(os.getpid()) / "text.svg"
    try:
        manimpango.text2svg(
            settings,
            REFERENCE_SIZE,
            _LINE_SPACING,
            False,
            str(target),
            _START[0],
            _START[1],
            _CANVAS[0],
            _CANVAS[1],
            text,
        )
        return target.read_text(encoding="utf-8")
    finally:
        target.unlink(missing_ok=True)


@lru_cache(maxsize=4)
def _scratch_folder(pid: int) -> Path:
    """The folder of process ``pid`` (this one) for Pango's SVG files, removed when it exits.

    One per process, because forked workers share the parent's memory and would otherwise write
    the same file; a multiprocessing finalizer removes it in worker processes too (they leave
    without running ``atexit`` handlers).
    """
    folder = Path(tempfile.mkdtemp(prefix=f"convanim-text-{pid}-"))
    Finalize(None, shutil.rmtree, args=(folder, True), exitpriority=0)
    return folder


@lru_cache(maxsize=8192)
def _glyph_points(d: str) -> np.ndarray:
    """A glyph path (absolute M/L/C/Z) as closed cubic curves: points (4 * curves, 2), y down."""
    tokens = _TOKEN.findall(d)
    curves: list[list[tuple[float, float]]] = []
    start: tuple[float, float] | None = None
    here: tuple[float, float] | None = None
    i = 0

    def line_to(end: tuple[float, float]) -> None:
        assert here is not None
        (x0, y0), (x1, y1) = here, end
        curves.append(
            [
                here,
                (x0 + (x1 - x0) / 3, y0 + (y1 - y0) / 3),
                (x0 + 2 * (x1 - x0) / 3, y0 + 2 * (y1 - y0) / 3),
                end,
            ]
        )

    def close() -> None:
        if start is not None and here is not None and here != start:
            line_to(start)

    while i < len(tokens):
        command = tokens[i].upper()
        i += 1
        if command == "M":
            close()
            here = start = (float(tokens[i]), float(tokens[i + 1]))
            i += 2
        elif command == "L":
            end = (float(tokens[i]), float(tokens[i + 1]))
            line_to(end)
            here = end
            i += 2
        elif command == "C":
            c1 = (float(tokens[i]), float(tokens[i + 1]))
            c2 = (float(tokens[i + 2]), float(tokens[i + 3]))
            end = (float(tokens[i + 4]), float(tokens[i + 5]))
            assert here is not None
            curves.append([here, c1, c2, end])
            here = end
            i += 6
        elif command == "Z":
            close()
            here = start
        else:
            raise _Unsupported(f"path command {command!r}")
    close()
    if not curves:
        return np.zeros((0, 2))
    return np.asarray(curves, dtype=float).reshape(-1, 2)


def _parse(svg: str) -> np.ndarray:
    """The outline of a Pango SVG: every ``<use>`` of a glyph at its position (points (n, 3))."""
    if "<image" in svg or "transform=" in svg:
        raise _Unsupported("transformed or bitmap glyphs")
    glyphs: dict[str, str] = {}
    for symbol_id, body in _SYMBOL.findall(svg):
        paths = _PATH_D.findall(body)
        if len(paths) > 1 or (
            "<" in body.replace("<path", "", 1).replace("</path", "") and not paths
        ):
            raise _Unsupported("a glyph that is not one path")
        glyphs[symbol_id] = paths[0] if paths else ""
    parts: list[np.ndarray] = []
    for attrs in _USE.findall(svg):
        values: dict[str, str] = dict(_ATTR.findall(attrs))
        ref = values.get("xlink:href", values.get("href", ""))
        if not ref.startswith("#") or ref[1:] not in glyphs:
            raise _Unsupported(f"a use of {ref!r}")
        points = _glyph_points(glyphs[ref[1:]])
        if len(points):
            parts.append(points + (float(values.get("x", "0")), float(values.get("y", "0"))))
    if not parts:
        return np.zeros((0, 3))
    flat = np.concatenate(parts)
    out = np.zeros((len(flat), 3))
    out[:, 0] = flat[:, 0]
    out[:, 1] = -flat[:, 1]
    return out


@lru_cache(maxsize=64)
def _font_digest(face: str, weight: str) -> str:
    """A hash of the font file Pango draws ``face`` with (its path when it cannot be read)."""
    path = font_file(face, weight)
    if path is None:
        return "no-fontconfig"
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:24]
    except OSError:
        return path


def _from_manim_text(text: str, face: str, weight: str) -> np.ndarray:
    """The outline through manim's ``Text`` (for SVGs this reader does not handle), brought to
    this module's units by the height of "Hg" in both."""
    from manim.mobject.text.text_mobject import Text

    def points_of(string: str) -> np.ndarray:
        parts = [
            m.points
            for m in Text(
                string, font=face, font_size=48, weight=weight
            ).family_members_with_points()
        ]
        return np.concatenate(parts) if parts else np.zeros((0, 3))

    ours = text_outline("Hg", face, weight)
    theirs = points_of("Hg")
    scale = float(np.ptp(ours[:, 1]) / np.ptp(theirs[:, 1]))
    return points_of(text) * scale


_MEMORY: dict[tuple[str, str, str], np.ndarray] = {}


def text_outline(text: str, face: str, weight: str = "NORMAL") -> np.ndarray:
    """The outline of ``text`` in ``face`` at ``weight``: read-only points (n, 3), Pango units.

    From this process's memory, else the disk cache, else laid out by Pango now (and stored).
    """
    memory_key = (text, face, weight)
    found = _MEMORY.get(memory_key)
    if found is not None:
        return found
    key = outline_cache.entry_key(
        "text-outline/1", text, face, weight, _font_digest(face, weight), manimpango.__version__
    )
    points = outline_cache.load(key)
    if points is None or points.ndim != 2 or points.shape[1:] != (3,):
        try:
            points = _parse(_svg(text, face, weight))
        except _Unsupported:
            points = _from_manim_text(text, face, weight)
        outline_cache.store(key, points)
    points.setflags(write=False)
    if len(_MEMORY) > 8192:
        _MEMORY.clear()
    _MEMORY[memory_key] = points
    return points
