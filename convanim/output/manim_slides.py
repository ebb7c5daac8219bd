"""The presentation file of manim-slides (5.x) for a deck of video slides.

manim-slides (``pip install manim-slides``) presents a list of videos, one per slide, described
by its ``PresentationConfig``: ``slides`` (each with ``file`` and ``rev_file``, the slide's video
forwards and backwards, and ``loop``, ``auto_next``, ``notes``...), ``resolution`` and
``background_color``. Its loader (``PresentationConfig.from_file``) reads the file paths relative
to the folder *above* the JSON's: the JSON goes in ``<deck>/slides/<name>.json`` and names its
videos ``media/...`` relative to ``<deck>``, so that ``manim-slides present <name>`` (default
``--folder slides``) or ``manim-slides convert <name> out.html`` run in ``<deck>``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

__all__ = ["presentation_json"]


def presentation_json(
    slides: Sequence[tuple[str, str, str]],
    resolution: tuple[int, int],
    background: str = "black",
) -> str:
    """The JSON of a presentation of ``slides``: ``(file, rev_file, notes)`` each, paths
    relative to the deck folder (see the module docstring)."""
    config = {
        "slides": [
            {
                "file": file,
                "rev_file": rev_file,
                "loop": False,
                "auto_next": False,
                "playback_rate": 1.0,
                "reversed_playback_rate": 1.0,
                "notes": notes,
                "dedent_notes": False,
                "skip_animations": False,
                "src": None,
                "type": "video",
                "direction": "horizontal",
            }
            for file, rev_file, notes in slides
        ],
        "resolution": list(resolution),
        "background_color": background,
    }
    return json.dumps(config, indent=2, ensure_ascii=False) + "\n"
