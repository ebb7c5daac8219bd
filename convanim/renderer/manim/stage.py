"""What every drawer shares: the timeline state, layout, theme, the tensors' values.

A drawer reads nothing but the Timeline: the values of a block are ``Stage.arrays[block.id]``
(from ``Timeline.tensors``), and every other number it draws is a field of its actor or of an
event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np

from convanim.renderer.frame_format import FrameFormat
from convanim.renderer.layout import Layout, Viewport
from convanim.renderer.projection import Projector
from convanim.renderer.state import TimelineState
from convanim.renderer.theme import Theme
from convanim.storyboard import palette
from convanim.storyboard.timeline import BlockActor, Timeline
from convanim.storyboard.words import words_for

if TYPE_CHECKING:
    from manim import Mobject

ActorT = TypeVar("ActorT")
"""The actor type a drawer draws."""


def to_hex(rgb: np.ndarray) -> str:
    """Float RGB -> ``"#RRGGBB"``."""
    return palette.rgb_to_hex(rgb)


@dataclass
class Stage:
    """Shared, read-only context of one render."""

    timeline: Timeline
    fmt: FrameFormat
    theme: Theme
    state: TimelineState
    projector: Projector
    layout: Layout
    blocks: dict[str, BlockActor]
    arrays: dict[str, np.ndarray]
    """Block id -> the values it shows (``Timeline.values``)."""
    ground: bool


class Drawer(Generic[ActorT]):
    """Base of the per-actor-kind drawers: turns one actor at time t into mobjects.

    Generic in the actor type it draws (``BlockDrawer(Drawer[BlockActor])``); the registry maps
    an actor's ``kind`` to its drawer, so each drawer only ever receives its own actor type.
    """

    layer = 0
    """Drawing order: lower layers first (blocks 0, kernels 1, overlays 2)."""
    panel = False
    """True for an actor drawn over everything in a still layer of its own (a close-up panel):
    when only it changes, the frame's still part under it is not drawn again."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.state = stage.state
        self.layout = stage.layout
        self.theme = stage.theme
        self.fmt = stage.fmt
        self.projector = stage.projector
        self.blocks = stage.blocks
        self.arrays = stage.arrays
        self.ground = stage.ground
        self.words = words_for(stage.timeline.view.language)
        """The words the drawer composes itself (the texts of actors are already final)."""

    def _to_frame(self, block: BlockActor, world: np.ndarray, vp: Viewport) -> np.ndarray:
        """World points of a block -> frame coordinates under viewport ``vp``."""
        shape = world.shape[:-1]
        pts = self.layout.scene_points(block, world.reshape(-1, 3))
        return vp.apply(pts).reshape(*shape, 2)

    def draw(self, actor: ActorT, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """Mobjects of ``actor`` at time t."""
        raise NotImplementedError
