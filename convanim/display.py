"""Rendered scenes shown inline in Jupyter (or any front end that calls ``_repr_html_``).

:func:`convanim.show` returns a :class:`Rendered`: the output file embedded as base64 (a GIF or
PNG in an ``<img>``, an MP4 or WebM in a ``<video>``) followed by the shape tables and counts of
the spec. Nothing here imports IPython; front ends find the ``_repr_*_`` methods themselves.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["MIME_TYPES", "Rendered"]

#: MIME type of each embeddable output format.
MIME_TYPES: dict[str, str] = {
    "gif": "image/gif",
    "png": "image/png",
    "mp4": "video/mp4",
    "webm": "video/webm",
}


@dataclass(frozen=True)
class Rendered:
    """A rendered output and what the spec computes, displayable in a notebook.

    Attributes
    ----------
    path : Path
        The output file.
    format : str
        ``gif``, ``png``, ``mp4`` or ``webm``.
    data : mapping
        The ``inspect --json`` data of the spec (what :func:`convanim.inspect` returns).
    width : int
        Display width in CSS pixels (the frame's width by default).
    """

    path: Path
    format: str
    data: Mapping[str, Any] = field(repr=False)
    width: int = 854

    def media_html(self) -> str:
        """The output as an ``<img>`` or ``<video>`` element with a base64 ``data:`` URI."""
        mime = MIME_TYPES.get(self.format)
        if mime is None:
            raise ValueError(
                f"cannot embed {self.format!r} output; use one of {', '.join(MIME_TYPES)}"
            )
        payload = base64.b64encode(self.path.read_bytes()).decode("ascii")
        src = f"data:{mime};base64,{payload}"
        alt = html.escape(f"convanim: {self.path.name}", quote=True)
        style = f'style="max-width:100%;width:{self.width}px;height:auto"'
        if mime.startswith("video/"):
            return (
                f'<video {style} controls autoplay loop muted playsinline aria-label="{alt}">'
                f'<source src="{src}" type="{mime}"></video>'
            )
        return f'<img {style} src="{src}" alt="{alt}">'

    def _repr_html_(self) -> str:
        from convanim.gallery.page import facts_html

        return f'<div class="convanim">{self.media_html()}{facts_html(self.data)}</div>'

    def _repr_mimebundle_(
        self, include: Container[str] | None = None, exclude: Container[str] | None = None
    ) -> dict[str, str]:
        bundle = {"text/html": self._repr_html_(), "text/plain": repr(self)}
        return {
            mime: value
            for mime, value in bundle.items()
            if (include is None or mime in include) and (exclude is None or mime not in exclude)
        }
