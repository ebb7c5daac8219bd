"""Pieces every kernel-like drawer shares: a group's channels and hue, the output-cell outline."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from manim import VMobject

from convanim.renderer.manim.mobjects import polygons_mobject
from convanim.storyboard import palette

__all__ = ["GroupedKernel", "group_channels", "output_outline"]


class GroupedKernel(Protocol):
    """A kernel actor whose output channels come in groups, each reading a channel range."""

    @property
    def channel_ranges(self) -> tuple[tuple[int, int], ...]: ...

    @property
    def out_per_group(self) -> int: ...

    @property
    def group_hues(self) -> tuple[str, ...]: ...


def group_channels(kernel: GroupedKernel, out_channel: int) -> tuple[int, int, str]:
    """The input channels [k0, k1) and the hue of the group that computes ``out_channel``.

    Parameters
    ----------
    kernel : GroupedKernel
        The kernel actor (2-D or 3-D).
    out_channel : int
        The output channel being swept.

    Returns
    -------
    tuple of (int, int, str)
        ``(k0, k1, hue)``; hues repeat when there are more groups than hues.
    """
    group = out_channel // kernel.out_per_group
    k0, k1 = kernel.channel_ranges[group]
    hue = kernel.group_hues[group % len(kernel.group_hues)]
    if len(kernel.group_hues) > 1:
        # A group's kernel sits on input channels of its own hue: a light tint of that hue keeps
        # the group colour and still stands out from the cubes under it.
        hue = palette.rgb_to_hex(palette.hex_to_rgb(hue) * 0.45 + 0.55)
    return k0, k1, hue


def output_outline(quads: np.ndarray, hue: str, *, arrived: bool, opacity: float) -> VMobject:
    """The unfilled outline of the output cell being computed: white once the window arrived.

    Parameters
    ----------
    quads : numpy.ndarray
        Frame polygons (P, 4, 2) of the output cell's visible faces.
    hue : str
        Outline colour while the window is still moving.
    arrived : bool
        Whether the window has arrived at its position (the outline turns white).
    opacity : float
        Stroke opacity.

    Returns
    -------
    VMobject
        The outline.
    """
    return polygons_mobject(
        quads,
        hue,
        0.0,
        stroke="#FFFFFF" if arrived else hue,
        stroke_width=2.5,
        stroke_opacity=opacity,
    )
