"""What every drawer shares: the timeline state, layout, theme, the tensors' values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np

from convanim.renderer.layout import FRAME_HEIGHT, Layout, Viewport
from convanim.renderer.projection import Projector
from convanim.renderer.state import TimelineState
from convanim.renderer.theme import Theme
from convanim.storyboard import palette
from convanim.storyboard.timeline import BlockActor, Timeline

if TYPE_CHECKING:
    from manim import Mobject

    from convanim.engine import Plan

ActorT = TypeVar("ActorT")
"""The actor type a drawer draws."""


@dataclass(frozen=True)
class FrameFormat:
    """Pixel size and frame rate of the frames to produce."""

    width: int
    height: int
    fps: int
    transparent: bool = False

    @property
    def frame_width(self) -> float:
        """Width of the frame in manim units (the height is always 8)."""
        return FRAME_HEIGHT * self.width / self.height


def source_array(plan: Plan, source: str) -> np.ndarray:
    """The (C, H, W) array of batch 0 that a block shows ((C, D, H, W) for conv3d tensors).

    ``source`` is ``"input"``, ``"ops[k].output"``, ``"ops[k].input"`` or ``"ops[k].trace.NAME"``:
    an array held by op k's trace, or a method of it applied to op k's input (e.g. the
    zero-inserted input ``direct_input`` of a transposed conv).
    """
    if source == "input":
        arr = plan.input
    else:
        index = int(source.split("[")[1].split("]")[0])
        op = plan.ops[index]
        attr = source.split("].", 1)[1]
        if attr.startswith("trace."):
            found = getattr(op.trace, attr[len("trace.") :])
            arr = found(op.input) if callable(found) else found
        else:
            arr = op.input if attr == "input" else op.output
    return np.asarray(arr)[0]


def to_hex(rgb: np.ndarray) -> str:
    """Float RGB -> ``"#RRGGBB"``."""
    return palette.rgb_to_hex(rgb)


@dataclass
class Stage:
    """Shared, read-only context of one render."""

    timeline: Timeline
    plan: Plan
    fmt: FrameFormat
    theme: Theme
    state: TimelineState
    projector: Projector
    layout: Layout
    blocks: dict[str, BlockActor]
    arrays: dict[str, np.ndarray]
    ground: bool


class Drawer(Generic[ActorT]):
    """Base of the per-actor-kind drawers: turns one actor at time t into mobjects.

    Generic in the actor type it draws (``BlockDrawer(Drawer[BlockActor])``); the registry maps
    an actor's ``kind`` to its drawer, so each drawer only ever receives its own actor type.
    """

    layer = 0
    """Drawing order: lower layers first (blocks 0, kernels 1, overlays 2)."""

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

    def _to_frame(self, block: BlockActor, world: np.ndarray, vp: Viewport) -> np.ndarray:
        """World points of a block -> frame coordinates under viewport ``vp``."""
        shape = world.shape[:-1]
        pts = self.layout.scene_points(block, world.reshape(-1, 3))
        return vp.apply(pts).reshape(*shape, 2)

    def draw(self, actor: ActorT, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """Mobjects of ``actor`` at time t."""
        raise NotImplementedError
