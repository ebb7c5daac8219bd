"""Which installed fonts cover a language, asked of fontconfig (the library Pango finds fonts with).

The question is the one ``fc-list :lang=zh family`` asks, put to ``libfontconfig`` through
:mod:`ctypes` so that no command-line tool needs to be installed. It honours ``FONTCONFIG_FILE``
like Pango does, so the answer is the set of fonts the texts will actually be drawn with.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache

__all__ = [
    "CJK_FONTS",
    "CJK_MONO_FONTS",
    "cjk_font",
    "families_for_language",
    "font_file",
    "has_cjk",
]

_FC_RESULT_MATCH = 0

#: Chinese families in order of preference (proportional, monospaced); any other family that
#: fontconfig lists for Chinese is used when none of these is installed.
CJK_FONTS = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans CJK TC",
    "Source Han Sans TC",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)
CJK_MONO_FONTS = (
    "WenQuanYi Micro Hei Mono",
    "Noto Sans Mono CJK SC",
    "Source Han Mono SC",
    "Noto Sans Mono CJK TC",
    "WenQuanYi Zen Hei Mono",
)


class _FontSet(ctypes.Structure):
    _fields_ = [
        ("nfont", ctypes.c_int),
        ("sfont", ctypes.c_int),
        ("fonts", ctypes.POINTER(ctypes.c_void_p)),
    ]


@lru_cache(maxsize=1)
def _library() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("fontconfig") or "libfontconfig.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.FcInitLoadConfigAndFonts.restype = ctypes.c_void_p
    lib.FcNameParse.restype = ctypes.c_void_p
    lib.FcNameParse.argtypes = [ctypes.c_char_p]
    lib.FcObjectSetCreate.restype = ctypes.c_void_p
    lib.FcObjectSetAdd.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.FcFontList.restype = ctypes.POINTER(_FontSet)
    lib.FcFontList.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.FcPatternGetString.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_char_p),
    ]
    lib.FcPatternDestroy.argtypes = [ctypes.c_void_p]
    lib.FcObjectSetDestroy.argtypes = [ctypes.c_void_p]
    lib.FcFontSetDestroy.argtypes = [ctypes.POINTER(_FontSet)]
    lib.FcConfigDestroy.argtypes = [ctypes.c_void_p]
    lib.FcConfigSubstitute.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    lib.FcDefaultSubstitute.argtypes = [ctypes.c_void_p]
    lib.FcFontMatch.restype = ctypes.c_void_p
    lib.FcFontMatch.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
    return lib


@lru_cache(maxsize=8)
def families_for_language(language: str) -> tuple[str, ...]:
    """The font families fontconfig lists for ``language`` (e.g. ``"zh"``), sorted by name.

    Each family is given by its first (usually Latin) name, the one Pango accepts. An empty
    tuple when no font covers the language or fontconfig cannot be loaded.
    """
    lib = _library()
    if lib is None:
        return ()
    config = lib.FcInitLoadConfigAndFonts()
    pattern = lib.FcNameParse(f":lang={language}".encode())
    objects = lib.FcObjectSetCreate()
    lib.FcObjectSetAdd(objects, b"family")
    fonts = lib.FcFontList(config, pattern, objects)
    found: set[str] = set()
    try:
        if fonts:
            for i in range(fonts.contents.nfont):
                value = ctypes.c_char_p()
                font = fonts.contents.fonts[i]
                got = lib.FcPatternGetString(font, b"family", 0, ctypes.byref(value))
                if got == _FC_RESULT_MATCH and value.value:
                    found.add(value.value.decode("utf-8", "replace"))
    finally:
        if fonts:
            lib.FcFontSetDestroy(fonts)
        lib.FcObjectSetDestroy(objects)
        lib.FcPatternDestroy(pattern)
        if config:
            lib.FcConfigDestroy(config)
    return tuple(sorted(found))


def has_cjk(text: str) -> bool:
    """Whether ``text`` has a character a Latin font lacks (CJK ideographs, kana, fullwidth)."""
    return any(ord(ch) > 0x2E80 for ch in text)


def cjk_font(mono: bool = False) -> str | None:
    """The family to draw Chinese with: the first of :data:`CJK_FONTS` (``mono``:
    :data:`CJK_MONO_FONTS`, falling back to a proportional one) that fontconfig lists for
    Chinese, else any family it lists for Chinese (sans before serif); None when there is none.
    """
    families = families_for_language("zh")
    if not families:
        return None
    if mono:
        chosen = next((f for f in CJK_MONO_FONTS if f in families), None)
        if chosen is not None:
            return chosen
    chosen = next((f for f in CJK_FONTS if f in families), None)
    if chosen is not None:
        return chosen
    return min(families, key=lambda f: ("Serif" in f, "Mono" in f, f))


_FC_MATCH_PATTERN = 0


@lru_cache(maxsize=64)
def font_file(family: str, weight: str = "NORMAL") -> str | None:
    """The font file fontconfig picks for ``family`` at ``weight`` (``"NORMAL"`` or ``"BOLD"``),
    the one Pango draws that family with; None when fontconfig cannot be asked."""
    lib = _library()
    if lib is None:
        return None
    config = lib.FcInitLoadConfigAndFonts()
    name = family.replace("-", "\\-").replace(":", "\\:")
    style = ":weight=bold" if weight.upper() == "BOLD" else ""
    pattern = lib.FcNameParse(f"{name}{style}".encode())
    match = None
    try:
        lib.FcConfigSubstitute(config, pattern, _FC_MATCH_PATTERN)
        lib.FcDefaultSubstitute(pattern)
        result = ctypes.c_int(0)
        match = lib.FcFontMatch(config, pattern, ctypes.byref(result))
        if not match:
            return None
        value = ctypes.c_char_p()
        if lib.FcPatternGetString(match, b"file", 0, ctypes.byref(value)) != _FC_RESULT_MATCH:
            return None
        return value.value.decode("utf-8", "replace") if value.value else None
    finally:
        if match:
            lib.FcPatternDestroy(match)
        lib.FcPatternDestroy(pattern)
        if config:
            lib.FcConfigDestroy(config)
