"""Colours with a meaning: one hue per group, shades per channel, a value colour map.

Shared by the storyboard (which picks hues) and the renderer (which turns values into colours), so
a Timeline golden and a rendered frame agree on what a colour means.
"""

from __future__ import annotations

import numpy as np

INPUT_HUE = "#4C8BD6"
"""Blue: the input of an ungrouped op."""
KERNEL_HUE = "#F2C14E"
"""Gold: the kernel of an ungrouped op."""
OUTPUT_HUE = "#4DB37A"
"""Green: the output of an ungrouped op."""
PICTURE_HUES = ("#E0453A", "#3DAA4F", "#3A6FE0")
"""A picture's red, green and blue channels: each drawn in shades of its own colour."""
PICTURE_GREY = "#FFFFFF"
"""A grayscale picture: shades from dark grey to white."""
POSITIVE_HUE = "#2F80D0"
"""Blue: a positive weight (the lines of a fully connected layer)."""
NEGATIVE_HUE = "#D9534F"
"""Red: a negative weight."""
GROUP_HUES = (
    "#4C8BD6",
    "#E07A5F",
    "#57B894",
    "#9B7BD8",
    "#E0A526",
    "#3FB6C8",
    "#D46BA3",
    "#8DA34A",
)
"""One hue per group (cycled when there are more groups than hues)."""
VALUE_LEVELS = 24
"""Number of steps of the value colour map (bounded, so equal colours can be drawn together)."""


def hex_to_rgb(color: str) -> np.ndarray:
    """``"#RRGGBB"`` -> float RGB in [0, 1], shape (3,)."""
    color = color.lstrip("#")
    return np.array([int(color[i : i + 2], 16) / 255.0 for i in (0, 2, 4)])


def rgb_to_hex(rgb: np.ndarray) -> str:
    """Float RGB in [0, 1] -> ``"#RRGGBB"``."""
    r, g, b = (int(round(float(np.clip(v, 0.0, 1.0)) * 255)) for v in rgb)
    return f"#{r:02X}{g:02X}{b:02X}"


def group_hue(group: int, groups: int) -> str:
    """The hue of a group (a single group gets the plain input blue)."""
    if groups == 1:
        return INPUT_HUE
    return GROUP_HUES[group % len(GROUP_HUES)]


def channel_shades(hue: str, count: int) -> tuple[str, ...]:
    """``count`` shades of one hue, light to dark, for the channels of one group."""
    base = hex_to_rgb(hue)
    if count == 1:
        return (hue,)
    out = []
    for i in range(count):
        t = i / (count - 1)
        factor = 1.12 - 0.3 * t
        rgb = base * factor if factor <= 1 else base + (1 - base) * (factor - 1)
        out.append(rgb_to_hex(rgb))
    return tuple(out)


def grouped_channel_hues(channels: int, groups: int) -> tuple[str, ...]:
    """Per-channel colours: channels of group g are shades of group g's hue."""
    per = channels // groups
    hues: list[str] = []
    for g in range(groups):
        hues.extend(channel_shades(group_hue(g, groups), per))
    return tuple(hues)


def value_level(values: np.ndarray, value_range: tuple[float, float]) -> np.ndarray:
    """Quantised position of each value in the range: integers in [0, VALUE_LEVELS - 1]."""
    lo, hi = value_range
    span = hi - lo if hi > lo else 1.0
    u = np.clip((np.asarray(values, dtype=float) - lo) / span, 0.0, 1.0)
    return np.minimum((u * VALUE_LEVELS).astype(int), VALUE_LEVELS - 1)


def level_rgb(hue: str, level: int | np.ndarray) -> np.ndarray:
    """Colour of a value level in a hue's map: dark shade (low) to light tint (high)."""
    base = hex_to_rgb(hue)
    u = (np.asarray(level, dtype=float) + 0.5) / VALUE_LEVELS
    dark = base * 0.28
    light = base + (1.0 - base) * 0.72
    u = u[..., None]
    return dark * (1 - u) + light * u


DARK_INK = "#1F2328"
"""Numbers on light cells (the close-up's grids, the lit kernel window)."""
LIGHT_INK = "#FFFFFF"
"""Numbers on dark cells."""
LIT_ALPHA = 0.8
"""Opacity of the kernel's tint over the window it has arrived on (numbers stay readable)."""


def luminance(rgb: np.ndarray) -> float:
    """WCAG relative luminance of a float RGB colour."""
    c = np.asarray(rgb, dtype=float)
    lin = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2])


def contrast(a: str | np.ndarray, b: str | np.ndarray) -> float:
    """WCAG contrast ratio (1..21) of two colours (hex strings or float RGB)."""
    la = luminance(hex_to_rgb(a) if isinstance(a, str) else a)
    lb = luminance(hex_to_rgb(b) if isinstance(b, str) else b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def ink_on(background: str | np.ndarray) -> str:
    """The ink (dark or white) with the higher contrast on ``background``."""
    dark, light = contrast(DARK_INK, background), contrast(LIGHT_INK, background)
    return DARK_INK if dark >= light else LIGHT_INK


def lit(cell: np.ndarray, hue: str, alpha: float = LIT_ALPHA) -> np.ndarray:
    """A cell's colour under the kernel's tint ``hue`` at ``alpha``."""
    return np.asarray(cell, dtype=float) * (1.0 - alpha) + hex_to_rgb(hue) * alpha


def tint(hue: str, amount: float = 0.72) -> str:
    """A light tint of ``hue`` (``amount`` of the way to white), for cells carrying numbers."""
    rgb = hex_to_rgb(hue)
    return rgb_to_hex(rgb + (1.0 - rgb) * amount)
