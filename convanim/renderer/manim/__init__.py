"""The manim layer: drawers per actor kind and the frame renderer (manim's Cairo camera).

Importing it points manim's text folder (Pango renders each text to an SVG file there) at a
private temporary folder of this process, removed at exit: renders never leave manim's
``media/texts`` beside the user's outputs, and parallel renders (``-j``) never race on the same
files (manim writes and deletes a modified copy of each SVG). A forked worker gets its own.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

from manim import config as _manim_config


def _private_text_dir() -> None:
    folder = tempfile.mkdtemp(prefix="convanim-texts-")
    _manim_config.text_dir = folder
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)


_private_text_dir()
os.register_at_fork(after_in_child=_private_text_dir)
_manim_config.verbosity = "WARNING"
