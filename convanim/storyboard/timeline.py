"""The Timeline: a renderer-independent, JSON-serialisable description of what moves when.

A Timeline holds *actors* (tensor blocks, kernels, overlays) and *events* on a common clock in
seconds. Cell colours are not listed per cell: a block names the tensor it shows (``source``, e.g.
``"input"`` or ``"ops[0].output"``) and how its cells are coloured, and the renderer reads the real
values from the Plan. That keeps a Timeline small enough to store as a golden file.

Event kinds
-----------
``show`` / ``hide``
    fade an actor in or out over the event's duration.
``orbit``
    swing the camera ``data["degrees"]`` around the vertical axis and back (``animation.orbit``).
``camera``
    move the view so that the blocks in ``data["slots"]`` fill the frame.
``sweep``
    the kernel ``target`` visits output positions in raster order: ``count`` positions from index
    ``first`` (row = index // W_out), of which ``visits`` evenly spaced ones are stood on, one equal
    share of the duration each; at each arrival the input window under the kernel lights up and
    every output cell of channel ``out_channel`` of block ``output`` up to that index is revealed.
    ``detail`` (bool) asks for beams and the step's equation.
``fill``
    reveal whole output channels ``data["channels"]`` of a block at once.
``caption``
    set the caption line (the equation of the current step) to ``data["text"]``.
``recolor``
    switch a block to another :class:`Coloring` (used when an output becomes the next op's input).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

TIMELINE_VERSION = 1


@dataclass(frozen=True)
class Coloring:
    """How a block's cells get their colours.

    ``mode="channels"``: every cell of channel c has ``hues[c]``.
    ``mode="values"``: cell colour runs from dark to light shades of ``hues[c]`` as the value runs
    over ``value_range`` (the colour map of the legend).
    """

    mode: str
    hues: tuple[str, ...]
    value_range: tuple[float, float] | None = None


@dataclass(frozen=True)
class BlockActor:
    """A tensor shown as a block of cubes (channels in depth).

    ``shape`` is (C, H, W), or (C, D, H, W) for a conv3d tensor (drawn as a row of C volumes).
    """

    id: str
    slot: int
    shape: tuple[int, ...]
    source: str
    label: str
    caption: str
    coloring: Coloring
    padding: tuple[int, int, int, int] = (0, 0, 0, 0)
    initially: str = "full"
    values_on_cells: bool | str = False
    kind: str = field(default="block", init=False)


@dataclass(frozen=True)
class KernelActor:
    """A kernel that slides over ``block``: kh x kw taps, ``dilation`` apart, ``stride`` per step.

    ``channel_ranges[g]`` is the input-channel range [start, stop) group g reads.
    """

    id: str
    block: str
    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    padding: tuple[int, int, int, int]
    channel_ranges: tuple[tuple[int, int], ...]
    out_per_group: int
    group_hues: tuple[str, ...]
    kind: str = field(default="kernel", init=False)


@dataclass(frozen=True)
class OverlayActor:
    """Text fixed in the frame: title, shape table, formula, counts, legend, caption."""

    id: str
    role: str
    lines: tuple[str, ...]
    kind: str = field(default="overlay", init=False)


class Actor(Protocol):
    """What every actor is: a frozen dataclass with a unique ``id`` and a ``kind``.

    :class:`BlockActor`, :class:`KernelActor` and :class:`OverlayActor` are the common kinds; op
    visuals add dataclasses of their own kinds (``"shuffle"``, ``"deform"``...), each drawn by the
    drawer the renderer registers for that kind.
    """

    @property
    def id(self) -> str:
        """Unique name of the actor within its timeline."""
        ...

    @property
    def kind(self) -> str:
        """Which drawer draws it (``"block"``, ``"kernel"``, ``"overlay"``, or an op's own)."""
        ...


@dataclass(frozen=True)
class Event:
    """Something that happens to ``target`` from ``start`` for ``duration`` seconds."""

    start: float
    duration: float
    kind: str
    target: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def end(self) -> float:
        """Time the event is over."""
        return self.start + self.duration


@dataclass(frozen=True)
class Timeline:
    """Actors and events of one scene, with the total duration in seconds."""

    title: str | None
    duration: float
    actors: tuple[Actor, ...]
    events: tuple[Event, ...]
    version: int = TIMELINE_VERSION

    def actor(self, actor_id: str) -> Actor:
        """The actor with this id."""
        for actor in self.actors:
            if actor.id == actor_id:
                return actor
        raise KeyError(actor_id)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists, dicts, numbers, strings), rounded for stable goldens."""
        return _round(asdict(self))

    def to_json(self) -> str:
        """The timeline as indented JSON with sorted keys."""
        return json.dumps(self.to_dict(), indent=1, sort_keys=True, ensure_ascii=False)


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, 4)
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_round(v) for v in obj]
    return obj
