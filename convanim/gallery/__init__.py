"""A static HTML gallery of rendered scenes: ``convanim gallery scenes/ -o media/gallery/``.

:mod:`~convanim.gallery.build` renders through :mod:`convanim.batch` (so up-to-date scenes are
skipped) and writes the page; :mod:`~convanim.gallery.page` is the HTML itself.
"""

from __future__ import annotations

from convanim.gallery.build import (
    GALLERY_FORMATS,
    PAGE_NAME,
    GalleryResult,
    build_gallery,
    find_specs,
)
from convanim.gallery.page import SceneEntry, render_page

__all__ = [
    "GALLERY_FORMATS",
    "PAGE_NAME",
    "GalleryResult",
    "SceneEntry",
    "build_gallery",
    "find_specs",
    "render_page",
]
