"""Storyboard: a renderer-independent Timeline of events built from a Plan."""

from convanim.storyboard.build import build
from convanim.storyboard.timeline import Timeline

__all__ = ["Timeline", "build"]
