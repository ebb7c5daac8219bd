"""What rendering needs from the system, checked before the first frame.

Manim draws with Cairo and lays out text with Pango; both are shared libraries of the system, and
Pango finds fonts through fontconfig. Without the libraries the import of manim fails deep inside
a stack of modules; without the fonts every text silently becomes a row of empty boxes. Both are
turned into one clear :class:`~convanim.errors.ConvanimError` (exit code 1: the spec is fine, the
machine is not) saying what is missing and which Debian packages provide it. Formulas are typeset
without TeX by the Python package ziamath with the math font it ships; a missing package or font
is refused the same way.
"""

from __future__ import annotations

from functools import lru_cache
from types import ModuleType

from convanim.errors import ConvanimError
from convanim.renderer.fontconfig import cjk_font, has_cjk

__all__ = [
    "CJK_PACKAGES",
    "FONT_PACKAGES",
    "check_fonts",
    "load_frames_module",
    "math_font_problem",
    "missing_fonts",
]


#: The fonts convanim draws with, and the Debian package of each.
FONT_PACKAGES = {
    "DejaVu Sans": "fonts-dejavu-core",
    "DejaVu Sans Mono": "fonts-dejavu-core",
}

CHINESE_FONT = "a Chinese font"
"""How :func:`missing_fonts` names the missing CJK font: any font fontconfig lists for Chinese."""

#: Debian packages that provide a Chinese font (the first is the small one ``make install`` adds).
CJK_PACKAGES = ("fonts-wqy-microhei", "fonts-noto-cjk")


_LIBRARIES = "libcairo2 libpango-1.0-0 (Debian: apt-get install libcairo2-dev libpango1.0-dev)"


def load_frames_module() -> ModuleType:
    """Import the manim frame renderer, or say which system libraries are missing.

    Returns
    -------
    module
        :mod:`convanim.renderer.manim.frames`.

    Raises
    ------
    ConvanimError
        If manim, Cairo or Pango cannot be loaded (the message quotes the loader's reason).
    """
    try:
        from convanim.renderer.manim import frames
    except (ImportError, OSError) as err:
        reason = " ".join(str(err).split()) or type(err).__name__
        raise ConvanimError(
            f"cannot render: the drawing libraries do not load ({reason}); rendering needs "
            f"manim and the system libraries {_LIBRARIES}, or run `make install`"
        ) from None
    return frames


@lru_cache(maxsize=1)
def _installed_fonts() -> frozenset[str]:
    import manimpango

    return frozenset(manimpango.list_fonts())


def missing_fonts(title: str | None = None, language: str = "en") -> list[str]:
    """The fonts a render needs that fontconfig cannot find.

    Parameters
    ----------
    title : str or None
        The scene's title: CJK characters in it need a Chinese font.
    language : str
        The language of the words on screen (``labels.language``): ``"zh"`` needs a Chinese font.
    """
    needed = ["DejaVu Sans", "DejaVu Sans Mono"]
    installed = _installed_fonts()
    missing = [font for font in needed if font not in installed]
    if (language == "zh" or (title and has_cjk(title))) and cjk_font() is None:
        missing.append(CHINESE_FONT)
    return missing


def math_font_problem() -> str | None:
    """What keeps formulas from being typeset (no ziamath, or its math font gone), or ``None``.

    Formulas are typeset by the Python package ziamath with the STIX Two Math font it ships
    (:mod:`convanim.renderer.typeset`); no TeX and no system font is involved.
    """
    from importlib.util import find_spec

    from convanim.renderer.typeset import math_font_path

    if find_spec("ziamath") is None:
        return (
            "the Python package ziamath, which typesets the formulas, is not installed "
            "(pip install ziamath, or run `make install`)"
        )
    if math_font_path() is None:
        return (
            "the math font STIXTwoMath-Regular.ttf that ziamath ships is missing, so formulas "
            "cannot be typeset (pip install --force-reinstall ziamath)"
        )
    return None


def check_fonts(title: str | None = None, language: str = "en") -> None:
    """Refuse to render when a needed font is missing (texts would be drawn as empty boxes),
    the math font included (formulas could not be typeset).

    Any font fontconfig lists for Chinese will do for Chinese texts (:func:`cjk_font`).

    Parameters
    ----------
    title : str or None
        The scene's title (see :func:`missing_fonts`).
    language : str
        The language of the words on screen (see :func:`missing_fonts`).

    Raises
    ------
    ConvanimError
        Naming the missing fonts and the Debian packages that provide them.
    """
    problem = math_font_problem()
    if problem:
        raise ConvanimError(f"cannot render: {problem}")
    missing = missing_fonts(title, language)
    if not missing:
        return
    if missing == [CHINESE_FONT]:
        raise ConvanimError(
            "cannot render: no Chinese font is installed (fontconfig lists none for :lang=zh), "
            "so Chinese texts would be drawn as empty boxes; install one, e.g. "
            f"{' or '.join(CJK_PACKAGES)} (Debian: apt-get install {CJK_PACKAGES[0]}, "
            "or run `make install`)"
        )
    packages = " ".join(dict.fromkeys(FONT_PACKAGES.get(font, CJK_PACKAGES[0]) for font in missing))
    names = ", ".join(missing)
    raise ConvanimError(
        f"cannot render: the font{'s' if len(missing) > 1 else ''} {names} "
        f"{'are' if len(missing) > 1 else 'is'} not installed (fontconfig does not find "
        f"{'them' if len(missing) > 1 else 'it'}), so texts would be drawn as empty boxes; "
        f"install {packages} (Debian: apt-get install {packages}, or run `make install`)"
    )
