"""The manim layer: drawers per actor kind and the frame renderer (manim's Cairo camera).

Importing it points manim's text cache (Pango renders text to SVG files) at convanim's own cache
folder, so renders never leave manim's ``media/texts`` beside the user's outputs.
"""

from __future__ import annotations

import os
from pathlib import Path

from manim import config as _manim_config


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "convanim" / "manim-texts"


_manim_config.text_dir = str(_cache_dir())
_manim_config.verbosity = "WARNING"
