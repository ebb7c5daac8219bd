"""Typeset LaTeX math without TeX: ziamath lays a formula out with an OpenType MATH font (STIX Two
Math, shipped inside the ziamath package) and writes plain SVG paths, which are read here into
outlines a renderer can fill.

Only what ziamath's plain-path SVG (``svg2=False``) holds is read: ``<path>`` with absolute
``M L Q C Z`` commands, filled or stroked (fraction and cancel lines), and ``<rect>`` (rules). The
outlines are in units of the font size (an em is 1), y up, the formula's baseline at y = 0 and its
left edge at x = 0, so the caller scales and places them without typesetting again.

Typesetting a formula costs tens of milliseconds, so every outline set is kept per
``(latex, font)`` for the life of the process (:func:`typeset` returns the same object for the same
formula); a frame never typesets.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from types import ModuleType

import numpy as np

from convanim.errors import ConvanimError

__all__ = [
    "DEFAULT_COLOR",
    "FONT_SIZE",
    "MathError",
    "Outline",
    "Typeset",
    "math_font_path",
    "split_text",
    "typeset",
]

FONT_SIZE = 24.0
"""The font size formulas are laid out at (outlines are divided by it: an em is 1)."""

DEFAULT_COLOR = "#000000"
"""The colour ziamath is told to use: outlines in it take the caller's text colour; any other
colour (``\\color{gray}``) marks muted ink."""

_CACHE_LIMIT = 2048


class MathError(ConvanimError):
    """A formula that cannot be typeset (invalid or unsupported LaTeX, or no math font)."""


@dataclass(frozen=True)
class Outline:
    """One piece of ink: a filled outline or a stroked line.

    ``points`` are cubic Bézier curves (4 points each, ``(n * 4, 2)``, em units, y up); one
    subpath ends where the next curve does not start at its end. ``muted`` is true for ink the
    formula coloured itself (``\\color{gray}``), drawn in a quieter colour.
    """

    points: np.ndarray
    stroke_width: float
    muted: bool


@dataclass(frozen=True)
class Typeset:
    """A typeset formula: its outlines and its box in em units (baseline at y = 0)."""

    latex: str
    outlines: tuple[Outline, ...]
    width: float
    height: float
    depth: float


def math_font_path() -> Path | None:
    """The math font ziamath typesets with (STIX Two Math, shipped in the package), if present."""
    spec = find_spec("ziamath")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "fonts" / "STIXTwoMath-Regular.ttf"
    return path if path.is_file() else None


_LOCK = threading.Lock()
_TYPESET: dict[tuple[str, str | None], Typeset] = {}


def typeset(latex: str, font: str | None = None) -> Typeset:
    """Typeset ``latex`` (math mode) into outlines; cached per ``(latex, font)``.

    Parameters
    ----------
    latex : str
        A formula in LaTeX math, without ``$`` delimiters.
    font : str or None
        Path of an OpenType MATH font; ``None`` for the one ziamath ships (STIX Two Math).

    Returns
    -------
    Typeset
        The same object for the same arguments for the life of the process.

    Raises
    ------
    MathError
        When the formula is empty, does not parse, or holds something ziamath cannot lay out,
        or when ziamath or its font is missing; the message quotes the formula.
    """
    key = (latex, font)
    cached = _TYPESET.get(key)
    if cached is not None:
        return cached
    with _LOCK:
        cached = _TYPESET.get(key)
        if cached is None:
            cached = _typeset(latex, font)
            if len(_TYPESET) >= _CACHE_LIMIT:
                _TYPESET.clear()
            _TYPESET[key] = cached
    return cached


def _typeset(latex: str, font: str | None) -> Typeset:
    if not latex.strip():
        raise MathError("cannot typeset an empty formula")
    ziamath = _ziamath()
    _refuse_unsupported(latex)
    try:
        svg = ziamath.Latex(latex, size=FONT_SIZE, color=DEFAULT_COLOR, font=font).svg()
    except Exception as err:  # ziamath and latex2mathml raise many kinds; all mean "bad formula"
        reason = " ".join(str(err).split()) or type(err).__name__
        raise MathError(f"cannot typeset the formula {latex!r}: {reason}") from None
    outlines, box = parse_svg(svg)
    if not outlines:
        raise MathError(f"cannot typeset the formula {latex!r}: it draws nothing")
    return Typeset(latex, outlines, *box)


_SPACES = re.compile(r"(?:\\[ ,;:!]|\\q?quad\b|\s)+")
_TEXT = "\\text{"


def split_text(latex: str, in_font: Callable[[str], bool]) -> list[tuple[str, str]]:
    r"""``latex`` cut where a top-level ``\text{...}`` holds characters the math font lacks.

    Returns ``[(kind, piece), ...]`` in reading order: ``("math", tex)`` pieces to typeset and
    ``("text", words)`` pieces (the words, spaces kept) to set in a text font; a formula the math
    font can draw whole is one ``("math", latex)``. ``in_font(words)`` says whether the math font
    has the words' glyphs. A math piece of only spaces becomes ``("space", "")``; one that starts
    with a sub- or superscript (of the words before it) gets an empty base, ``{}_{...}``.
    """
    pieces: list[tuple[str, str]] = []
    depth, start, i = 0, 0, 0
    while i < len(latex):
        ch = latex[i]
        if ch == "\\" and depth == 0 and latex.startswith(_TEXT, i):
            end, inner = i + len(_TEXT), 1
            while end < len(latex) and inner:
                inner += {"{": 1, "}": -1}.get(latex[end], 0)
                end += 1
            words = latex[i + len(_TEXT) : end - 1]
            if not in_font(words):
                _math_piece(latex[start:i], pieces)
                pieces.append(("text", words))
                start = end
            i = end
            continue
        if ch == "\\":
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        i += 1
    _math_piece(latex[start:], pieces)
    return pieces


def _math_piece(tex: str, pieces: list[tuple[str, str]]) -> None:
    if not tex:
        return
    if not _SPACES.sub("", tex):
        pieces.append(("space", ""))
        return
    stripped = tex.strip()
    if stripped.endswith("\\"):  # a control space (``\ ``) keeps its space
        stripped += " "
    if stripped[0] in "_^":
        stripped = "{}" + stripped
    pieces.append(("math", stripped))


_UNKNOWN = re.compile(r"<mi>(\\[A-Za-z]+)</mi>")


def _refuse_unsupported(latex: str) -> None:
    """Refuse what ziamath would drop silently: unknown commands, and ``\\mathrel``-style
    wrappers around operators (it typesets them as nothing)."""
    from latex2mathml.converter import convert

    try:
        mathml = convert(latex)
    except Exception as err:  # latex2mathml raises its own exception kinds for bad input
        reason = " ".join(str(err).split()) or type(err).__name__
        raise MathError(f"cannot typeset the formula {latex!r}: {reason}") from None
    unknown = _UNKNOWN.search(mathml)
    if unknown:
        raise MathError(f"cannot typeset the formula {latex!r}: unknown command {unknown[1]}")
    if "<mo><mrow>" in mathml:
        raise MathError(
            f"cannot typeset the formula {latex!r}: an operator wrapper "
            "(\\mathrel, \\mathbin ...) that the typesetter draws as nothing"
        )


@lru_cache(maxsize=1)
def _ziamath() -> ModuleType:
    """ziamath, set to write plain paths (SVG 1.1: no ``<symbol>``/``<use>`` to resolve)."""
    try:
        with warnings.catch_warnings():
            # ziamath 0.13 loads its font at import with importlib.resources' deprecated path()
            warnings.simplefilter("ignore", DeprecationWarning)
            import ziamath
    except ImportError:
        raise MathError(
            "cannot typeset formulas: the Python package ziamath is missing "
            "(pip install ziamath, or run `make install`)"
        ) from None
    if math_font_path() is None:
        raise MathError(
            "cannot typeset formulas: ziamath's math font STIXTwoMath-Regular.ttf is missing "
            "(reinstall ziamath: pip install --force-reinstall ziamath)"
        )
    ziamath.config.svg2 = False
    return ziamath


# ---------------------------------------------------------------------------------------------
# reading ziamath's SVG
# ---------------------------------------------------------------------------------------------

_ELEMENT = re.compile(r"<(path|rect|svg)\b([^>]*)>")
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')
_TOKEN = re.compile(r"[MLQCZmlqcz]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ARITY = {"M": 2, "L": 2, "Q": 4, "C": 6, "Z": 0}


def parse_svg(svg: str) -> tuple[tuple[Outline, ...], tuple[float, float, float]]:
    """Outlines and box ``(width, height, depth)`` of ziamath's plain-path SVG, in em units.

    The box comes from the ``viewBox`` (ziamath puts the baseline at y = 0); paths use absolute
    ``M L Q C Z`` commands (as ziamath writes them), rects are rules.
    """
    outlines: list[Outline] = []
    box = (0.0, 0.0, 0.0)
    origin_x = 0.0
    for tag, attr_text in _ELEMENT.findall(svg):
        attrs = dict(_ATTR.findall(attr_text))
        if tag == "svg":
            x0, y0, w, h = (float(v) for v in attrs["viewBox"].split())
            origin_x = x0
            box = (w / FONT_SIZE, -y0 / FONT_SIZE, (h + y0) / FONT_SIZE)
            continue
        if tag == "rect":
            x, y = float(attrs.get("x", 0)), float(attrs.get("y", 0))
            w, h = float(attrs["width"]), float(attrs["height"])
            curves = _polyline([(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)])
            stroke = 0.0
            color = attrs.get("fill", DEFAULT_COLOR)
        else:
            curves = _path_curves(attrs.get("d", ""))
            stroke = float(attrs.get("stroke-width", 0)) if "stroke" in attrs else 0.0
            color = attrs.get("stroke" if stroke else "fill", DEFAULT_COLOR)
        if not len(curves):
            continue
        pts = curves.reshape(-1, 2).copy()
        pts[:, 0] -= origin_x
        pts /= FONT_SIZE
        pts[:, 1] *= -1.0
        outlines.append(Outline(pts, stroke / FONT_SIZE, color.lower() not in _DEFAULT_NAMES))
    return tuple(outlines), box


_DEFAULT_NAMES = {DEFAULT_COLOR, "black", "#000"}


def _polyline(corners: list[tuple[float, float]]) -> np.ndarray:
    """Straight segments through ``corners`` as cubic curves ``(n, 4, 2)``."""
    p = np.asarray(corners, dtype=float)
    a, b = p[:-1], p[1:]
    return np.stack([a, a + (b - a) / 3, a + (b - a) * 2 / 3, b], axis=1)


def _path_curves(d: str) -> np.ndarray:
    """An SVG path of absolute M/L/Q/C/Z commands as cubic curves ``(n, 4, 2)``."""
    tokens = _TOKEN.findall(d)
    curves: list[list[tuple[float, float]]] = []
    cur = start = (0.0, 0.0)
    i, cmd = 0, ""
    while i < len(tokens):
        tok = tokens[i]
        if tok.isalpha():
            cmd = tok.upper()
            if tok.islower() and cmd != "Z":
                raise MathError(f"unexpected relative SVG command {tok!r} in typeset math")
            i += 1
            if cmd == "Z":
                if cur != start:
                    curves.append(_line(cur, start))
                cur = start
                continue
        n = _ARITY.get(cmd)
        if not n or i + n > len(tokens):
            raise MathError(
                f"unreadable SVG path in typeset math near {' '.join(tokens[i : i + 4])!r}"
            )
        v = [float(t) for t in tokens[i : i + n]]
        i += n
        if cmd == "M":
            cur = start = (v[0], v[1])
            cmd = "L"  # further pairs after M are line-tos
        elif cmd == "L":
            end = (v[0], v[1])
            if end != cur:
                curves.append(_line(cur, end))
            cur = end
        elif cmd == "Q":
            q, end = (v[0], v[1]), (v[2], v[3])
            c1 = (cur[0] + 2 / 3 * (q[0] - cur[0]), cur[1] + 2 / 3 * (q[1] - cur[1]))
            c2 = (end[0] + 2 / 3 * (q[0] - end[0]), end[1] + 2 / 3 * (q[1] - end[1]))
            curves.append([cur, c1, c2, end])
            cur = end
        else:  # C
            end = (v[4], v[5])
            curves.append([cur, (v[0], v[1]), (v[2], v[3]), end])
            cur = end
    return np.asarray(curves, dtype=float).reshape(-1, 4, 2)


def _line(a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
    return [
        a,
        (a[0] + (b[0] - a[0]) / 3, a[1] + (b[1] - a[1]) / 3),
        (a[0] + (b[0] - a[0]) * 2 / 3, a[1] + (b[1] - a[1]) * 2 / 3),
        b,
    ]
