"""The Timeline: a renderer-independent, JSON-serialisable description of a whole scene.

A Timeline holds *actors* (tensor blocks, kernels, overlays, op-specific charts) and *events* on a
common clock in seconds, the *tensors* the blocks show, and the *view* (theme, ground, camera).
It is everything a renderer needs: no renderer looks at the engine's Plan. Numbers are stored
once: a block names its values in ``tensors`` (``"input"``, ``"ops[k].output"``...), and actors
that draw numbers of their own (sampling points, stamps, SE weights) carry them as typed fields
(:class:`~convanim.storyboard.arrays.ArrayData` for arrays, tuples for short lists).

``Timeline.to_json()`` writes all of it exactly and ``Timeline.from_json(text)`` reads it back
into equal actors (every actor kind is registered with :func:`actor_kind`, so its dataclass can
be rebuilt); ``to_json(summary=True)`` is the small form of the goldens (arrays as digests,
floats rounded), not meant to be read back.

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
    ``detail`` (bool) asks for beams and the step's equation. An optional ``hold`` (a share of
    the duration) keeps the kernel on its last position at the end of the event, that cell
    revealed only when the event ends (a close-up plays the cell's arithmetic meanwhile).
``closeup``
    the close-up panel ``target`` plays step ``data["step"]`` of its actor; the other data are
    the times of its beats as shares of the duration (:func:`convanim.storyboard.closeup.beats`).
``fill``
    reveal whole output channels ``data["channels"]`` of a block at once.
``caption``
    set the caption line (the equation of the current step) to ``data["text"]``; when the line
    is an equation, ``data["tex"]`` holds it as LaTeX math (renderers that typeset math draw
    that instead of the text; words in it are ``\\text{...}`` in the scene's language).
``chapter``
    a part of the scene starts, titled ``data["title"]`` (the scene's title at 0, then one per
    op: its name above the output block and its channels). Nothing is drawn; outputs turn these
    into chapters and captions.
``recolor``
    switch a block to another :class:`Coloring` (used when an output becomes the next op's input).
``morph``
    a block's values slide from those of block ``data["source"]`` (same shape) to its own: until
    the event ends it shows the mix (a ReLU's negatives dropping to 0).
``flatten``
    the cubes of a :class:`~convanim.storyboard.ops.layers.FlattenActor` fly into their row.
``batch_norm``
    row ``data["channel"]`` of a :class:`~convanim.storyboard.ops.batch_norm.BatchNormActor`
    goes through ``data["phase"]``: lift (its tile leaves the input block), normalize (x to x̂),
    affine (x̂ to y), land (the tile enters the output block).

Event data are plain JSON values (lists, not tuples; see :func:`plain_data`).
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Protocol, TypeVar

import numpy as np

from convanim.storyboard.arrays import ArrayData

TIMELINE_VERSION = 2
"""Version of the JSON form (2: tensors, view and typed actor data inside the Timeline)."""

A = TypeVar("A")

ACTOR_KINDS: dict[str, type[Any]] = {}
"""Actor kind -> its dataclass: filled by :func:`actor_kind`, read by :meth:`Timeline.from_dict`.

Complete whenever this module is: importing it imports the package ``convanim.storyboard``
first, which imports every op visual (and with it every actor class)."""


def actor_kind(cls: type[A]) -> type[A]:
    """Register an actor dataclass under its ``kind`` (the default of its ``kind`` field).

    Every actor class a visual adds is decorated with this, so that a Timeline read back from
    JSON rebuilds its actors as the same dataclasses.
    """
    kind = next((f.default for f in fields(cls) if f.name == "kind"), None)  # type: ignore[arg-type]
    if not isinstance(kind, str):
        raise TypeError(f"{cls.__name__} has no default kind")
    known = ACTOR_KINDS.get(kind)
    if known is not None and known.__qualname__ != cls.__qualname__:
        raise ValueError(f"actor kind {kind!r} is taken by {known.__name__}")
    ACTOR_KINDS[kind] = cls
    return cls


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


@actor_kind
@dataclass(frozen=True)
class BlockActor:
    """A tensor shown as a block of cubes (channels in depth).

    ``shape`` is (C, H, W), or (C, D, H, W) for a conv3d tensor (drawn as a row of C volumes).
    ``tensor`` is the key of its values (batch 0, exactly ``shape``) in ``Timeline.tensors``.
    """

    id: str
    slot: int
    shape: tuple[int, ...]
    tensor: str
    label: str
    caption: str
    coloring: Coloring
    padding: tuple[int, int, int, int] = (0, 0, 0, 0)
    initially: str = "full"
    values_on_cells: bool | str = False
    kind: str = field(default="block", init=False)


@actor_kind
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


@actor_kind
@dataclass(frozen=True)
class OverlayActor:
    """Text fixed in the frame: title, shape table, formula, counts, legend, caption.

    ``tex`` holds the same content as LaTeX math, one formula per item, for renderers that
    typeset math (``lines`` stays the plain-text form); empty when there is nothing to typeset.
    """

    id: str
    role: str
    lines: tuple[str, ...]
    tex: tuple[str, ...] = ()
    kind: str = field(default="overlay", init=False)


class Actor(Protocol):
    """What every actor is: a frozen dataclass with a unique ``id`` and a ``kind``.

    :class:`BlockActor`, :class:`KernelActor` and :class:`OverlayActor` are the common kinds; op
    visuals add dataclasses of their own kinds (``"shuffle"``, ``"deform"``...), each registered
    with :func:`actor_kind` and drawn by the drawer the renderer registers for that kind.
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
class View:
    """How the scene is looked at: the spec's ``theme`` and ``camera`` sections (same defaults).

    ``phi`` and ``theta`` are the camera's angles in degrees (manim's convention), ``zoom``
    scales the framing, ``ground`` draws the blocks' shadows. ``language`` is the spec's
    ``labels.language``: the texts of the actors and events are already in it; the renderer
    uses it for the few words it composes itself (:class:`convanim.storyboard.words.Words`).
    ``whole_numbers``: every number of the scene is whole, so values are written without
    decimals (``convanim.storyboard.common.whole_numbers``).
    """

    theme: str = "light"
    ground: bool = True
    phi: float = 65.0
    theta: float = -58.0
    zoom: float = 1.0
    language: str = "en"
    whole_numbers: bool = False


@dataclass(frozen=True)
class Timeline:
    """Actors, events, tensors and view of one scene, with the total duration in seconds."""

    title: str | None
    duration: float
    actors: tuple[Actor, ...]
    events: tuple[Event, ...]
    tensors: Mapping[str, ArrayData] = field(default_factory=dict)
    view: View = field(default_factory=View)
    version: int = TIMELINE_VERSION

    def actor(self, actor_id: str) -> Actor:
        """The actor with this id."""
        for actor in self.actors:
            if actor.id == actor_id:
                return actor
        raise KeyError(actor_id)

    def values(self, block: BlockActor) -> np.ndarray:
        """The values a block shows (read-only, exactly ``block.shape``)."""
        return self.tensors[block.tensor].array

    def to_dict(self, *, summary: bool = False) -> dict[str, Any]:
        """Plain data (lists, dicts, numbers, strings, booleans, None).

        Parameters
        ----------
        summary : bool
            False: everything, exactly (what :meth:`from_dict` reads). True: the golden form,
            arrays as ``{"dtype", "shape", "digest"}`` and floats rounded to 4 decimals.
        """
        return {
            "version": self.version,
            "title": self.title,
            "duration": _plain(self.duration, summary),
            "view": _plain(self.view, summary),
            "tensors": {name: _plain(a, summary) for name, a in sorted(self.tensors.items())},
            "actors": [_plain(a, summary) for a in self.actors],
            "events": [_plain(e, summary) for e in self.events],
        }

    def to_json(self, *, summary: bool = False) -> str:
        """The timeline as JSON with sorted keys (see :meth:`to_dict` for ``summary``).

        The exact form (the default) is compact; the summary is indented for readable diffs.
        """
        if summary:
            return json.dumps(
                self.to_dict(summary=True), indent=1, sort_keys=True, ensure_ascii=False
            )
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Timeline:
        """The Timeline that :meth:`to_dict` wrote (not its summary).

        Raises
        ------
        ValueError
            Another version of the format, an unknown actor kind, or a malformed entry.
        """
        version = data.get("version")
        if version != TIMELINE_VERSION:
            raise ValueError(
                f"timeline format version {version!r}; this convanim reads {TIMELINE_VERSION}"
            )
        try:
            actors = tuple(_actor_from_dict(a) for a in data["actors"])
            events = tuple(
                Event(
                    float(e["start"]),
                    float(e["duration"]),
                    str(e["kind"]),
                    str(e["target"]),
                    dict(e["data"]),
                )
                for e in data["events"]
            )
            tensors = {str(k): ArrayData.from_dict(v) for k, v in data["tensors"].items()}
            view = _from_plain(data["view"], View)
            title = data["title"]
            duration = float(data["duration"])
        except (KeyError, TypeError) as err:
            raise ValueError(f"not a convanim timeline: {type(err).__name__}: {err}") from None
        return cls(title, duration, actors, events, tensors, view)

    @classmethod
    def from_json(cls, text: str) -> Timeline:
        """The Timeline that :meth:`to_json` wrote (see :meth:`from_dict`)."""
        return cls.from_dict(json.loads(text))


def plain_data(value: Any) -> Any:
    """Event data as plain JSON values: tuples become lists, NumPy scalars Python numbers."""
    if isinstance(value, Mapping):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_data(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain(obj: Any, summary: bool) -> Any:
    """Dataclasses, arrays, tuples and mappings as plain JSON values."""
    if isinstance(obj, ArrayData):
        return obj.summary() if summary else obj.to_dict()
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name), summary) for f in fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): _plain(v, summary) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v, summary) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if summary and isinstance(obj, float):
        return round(obj, 4)
    return obj


def _actor_from_dict(data: Mapping[str, Any]) -> Actor:
    kind = data.get("kind")
    cls = ACTOR_KINDS.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown actor kind {kind!r} (known: {', '.join(sorted(ACTOR_KINDS))})")
    actor: Actor = _from_plain(data, cls)
    return actor


def _from_plain(value: Any, hint: Any) -> Any:
    """Rebuild a value of type ``hint`` from its plain JSON form (the inverse of :func:`_plain`)."""
    if hint is Any:
        return value
    if hint is ArrayData:
        return ArrayData.from_dict(value)
    if isinstance(hint, type) and is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        kwargs = {
            f.name: _from_plain(value[f.name], hints[f.name])
            for f in fields(hint)
            if f.init and f.name in value
        }
        return hint(**kwargs)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        for arm in args:
            if arm is type(None):
                continue
            if _fits(value, arm):
                return _from_plain(value, arm)
        raise ValueError(f"{value!r} is not a {hint}")
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_from_plain(v, args[0]) for v in value)
        return tuple(_from_plain(v, a) for v, a in zip(value, args, strict=True))
    if origin in (dict, Mapping):
        return {str(k): _from_plain(v, args[1] if args else Any) for k, v in value.items()}
    if hint is float:
        return float(value)
    if hint in (int, str, bool) and not isinstance(value, hint):
        raise ValueError(f"{value!r} is not a {hint.__name__}")
    return value


def _fits(value: Any, hint: Any) -> bool:
    """Whether a plain value can be read as ``hint`` (to pick the arm of a union)."""
    origin = typing.get_origin(hint) or hint
    if origin is tuple:
        return isinstance(value, list)
    if isinstance(origin, type) and (is_dataclass(origin) or origin is ArrayData):
        return isinstance(value, dict)
    if origin is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(origin, type):
        return isinstance(value, origin)
    return True
