"""Themes and the lighting model: how a face's orientation and a theme change a colour."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convanim.renderer.geometry import FRONT, RIGHT, TOP


@dataclass(frozen=True)
class Theme:
    """Colours of everything that is not a tensor value."""

    name: str
    background: str
    text: str
    muted_text: str
    panel: str
    ghost: str
    shadow_opacity: float


THEMES = {
    "light": Theme("light", "#D9D8D4", "#1F2328", "#4A5058", "#F4F3F0", "#6B7079", 0.18),
    "dark": Theme("dark", "#1D1F24", "#ECEDEF", "#B4B8BF", "#2A2D34", "#9AA0AA", 0.35),
}

FACE_LIGHT = {FRONT: 0.0, TOP: 0.24, RIGHT: -0.26}
"""Per-face lighting: positive lightens towards white, negative darkens (a key light from above)."""


def shade(rgb: np.ndarray, face: int) -> np.ndarray:
    """Colour of a face of orientation ``face`` for base colour ``rgb`` (float RGB, [..., 3])."""
    k = FACE_LIGHT[face]
    rgb = np.asarray(rgb, dtype=float)
    if k >= 0:
        return rgb + (1.0 - rgb) * k
    return rgb * (1.0 + k)


def gap_color(rgb: np.ndarray, face: int) -> np.ndarray:
    """The darker colour seen in the gaps between cubes of a face."""
    return shade(rgb, face) * 0.42
