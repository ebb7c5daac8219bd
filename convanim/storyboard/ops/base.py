"""What an op's visual contributes to the storyboard, and the context it builds into.

Every op type has an :class:`OpVisual`: it says how the op's input and output blocks are coloured,
what padding ring the input shows, what the output block is called, and plays the op's main act
(kernel sweeps, channel moves, bar charts...) by adding actors and events to a
:class:`BuildContext`. The core builder does the rest: layout, camera, overlays, pacing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy.typing as npt

from convanim.storyboard import palette
from convanim.storyboard.arrays import ArrayData
from convanim.storyboard.common import Clock, chw, value_range
from convanim.storyboard.pacing import Pacing
from convanim.storyboard.regions import Region
from convanim.storyboard.timeline import Actor, Coloring
from convanim.storyboard.words import EN, Words

if TYPE_CHECKING:
    from convanim.engine import OpResult, Plan
    from convanim.storyboard.closeup import CloseupStep


@dataclass
class BuildContext:
    """The timeline being built: actors and tensors so far, the clock, pacing, the settings.

    The Plan is here for the visuals to read; everything the renderer will need goes into the
    actors, the events and ``tensors`` (the Timeline is all a renderer gets).
    """

    plan: Plan
    pacing: Pacing
    animation: Any
    words: Words = EN
    clock: Clock = field(default_factory=Clock)
    actors: list[Actor] = field(default_factory=list)
    tensors: dict[str, ArrayData] = field(default_factory=dict)

    def add_actor(self, actor: Actor) -> Actor:
        """Add an actor (ids must be unique) and return it."""
        self.actors.append(actor)
        return actor

    def add_tensor(self, name: str, values: npt.ArrayLike) -> str:
        """Store the values a block shows under ``name`` (once; no copy of a float64 array).

        Returns ``name``, for the block's ``tensor`` field.
        """
        if name not in self.tensors:
            self.tensors[name] = ArrayData.of(values)
        return name


class OpVisual:
    """Default visual of an op: the output appears channel by channel (no kernel to follow)."""

    def groups(self, op: OpResult) -> int:
        """Channel groups that get their own hue (1: no group colouring)."""
        return int(getattr(op.spec, "groups", 1))

    def input_coloring(self, op: OpResult) -> Coloring:
        """Input channels: shades of the group hue (plain blue shades without groups)."""
        channels = chw(op.input)[0]
        groups = self.groups(op)
        if groups > 1 and channels % groups == 0:
            return Coloring("channels", palette.grouped_channel_hues(channels, groups))
        return Coloring("channels", palette.channel_shades(palette.INPUT_HUE, channels))

    def output_coloring(self, op: OpResult) -> Coloring:
        """Output cells coloured by value, in the hue of their group (green without groups)."""
        channels = chw(op.output)[0]
        groups = self.groups(op)
        if groups > 1 and channels % groups == 0:
            per = channels // groups
            hues = tuple(palette.group_hue(c // per, groups) for c in range(channels))
        else:
            hues = (palette.OUTPUT_HUE,) * channels
        return Coloring("values", hues, value_range(op.output))

    def output_initially(self, op: OpResult) -> str:
        """How the output block starts: ``"empty"`` (filled by the act) or ``"full"``."""
        return "empty"

    def vector_layout(self, op: OpResult, incoming: str) -> str:
        """How an ``(N, features)`` output is drawn: ``"row"`` or ``"column"`` (``incoming``:
        the layout of the op's input when it is a vector too, else ``"row"``)."""
        return incoming

    def padding(self, op: OpResult) -> tuple[int, int, int, int]:
        """Padding ring (top, bottom, left, right) drawn around the input while this op plays."""
        return (0, 0, 0, 0)

    def caption(self, op: OpResult, words: Words) -> str:
        """Name written above the output block (in the language of ``words``)."""
        return op.type

    def back_region(self, op: OpResult, region: Region) -> Region:
        """The region of ``op``'s input that ``region`` of its output depends on.

        Used by the receptive-field mode (2-D chains); each visual of a 2-D op defines it.
        """
        raise NotImplementedError(f"{type(self).__name__} has no receptive-field rule")

    def closeup(self, op: OpResult, co: int, position: int, words: Words) -> CloseupStep | None:
        """The arithmetic of output channel ``co`` at raster ``position`` (None: no close-up).

        Ops that read windows compute it from the engine's traces and tensors
        (:mod:`convanim.storyboard.closeup`); the others have none.
        """
        return None

    def play(self, ctx: BuildContext, op: OpResult, in_id: str, out_id: str) -> None:
        """The op's main act, between the output block appearing and the final hold."""
        channels = chw(op.output)[0]
        ctx.clock.then("fill", out_id, ctx.pacing.fill * 1.5, channels=list(range(channels)))
