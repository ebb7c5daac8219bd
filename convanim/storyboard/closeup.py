"""The close-up: the arithmetic of one window position, number by number.

For the first window positions played in full (``animation.closeup``), a panel in the bottom band
of the frame shows how the output value comes about: the window's values as a small grid (one
input channel at a time), the kernel slice's weights as the same grid, their products appearing
cell by cell, their sum, then the sum over the channels of the group, + bias, = the output value,
which flies into its output cube. Pooling shows the window and its maximum (or its mean as
sum ÷ count); a 1×1 window over C channels is a dot product of two vectors; a deformable conv
first shows how one tap's value is sampled from its four neighbours. A transposed conv's scatter
view shows one input value times the kernel giving the stamped block, then the block added into
the output cells it overlaps: output so far + stamp = output now, cell by cell, with the sum of one
overlapping cell written out (:class:`CloseupScatter`).

Every number is the engine's (each op visual computes its :class:`CloseupStep` from the Plan,
:meth:`~convanim.storyboard.ops.base.OpVisual.closeup`); the renderer only lays them out.
The words the panel shows come from the language's catalogue (``Words.closeup``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from convanim.storyboard.arrays import ArrayData
from convanim.storyboard.common import Clock, fmt_value
from convanim.storyboard.timeline import actor_kind

Grid = ArrayData
"""A small 2-D grid of numbers (rows × columns; a digest in the golden summaries)."""
Mask = ArrayData
"""A 2-D boolean grid."""

FADE = 0.25
"""Seconds the panel and the overlays it replaces take to fade out or in."""
MAX_DOT = 12
"""A dot product shows at most this many channels; the rest are summed in one line."""
LOW_ROWS = 3
"""A stamp of at most this many rows has its close-up under the caption line."""


def grid(values: npt.ArrayLike) -> Grid:
    """A 2-D grid of numbers (a vector becomes one row)."""
    array = np.asarray(values, dtype=float)
    return ArrayData.of(array.reshape(array.shape[0], -1).copy())


def mask(values: npt.ArrayLike) -> Mask:
    """A 2-D boolean grid."""
    array = np.asarray(values, dtype=bool)
    return ArrayData.of(array.reshape(array.shape[0], -1).copy(), "bool")


def shown(value: float) -> float:
    """A value as the panel prints it (the rounding of :func:`fmt_value`), back as a number."""
    return float(fmt_value(value))


def rounding_shows(parts: Sequence[float], total: float) -> bool:
    """Whether the printed parts do not add up to the printed total in the last digit.

    The panel then writes the (exact) total with ``≈``.
    """
    return fmt_value(sum(shown(p) for p in parts)) != fmt_value(total)


@dataclass(frozen=True)
class CloseupTerm:
    """One grid of the close-up: a channel's window, its weights and their products.

    ``values`` are the window's input values (0 on padding cells, which ``padded`` marks),
    ``weights`` the kernel slice (None for pooling), ``products`` value × weight. ``total`` is
    the exact sum of the products (pooling: the maximum, or the sum of the counted values);
    ``approx`` says the printed products do not add up to the printed total. ``pick`` is the
    flat index of the maximum of a max pooling (-1 otherwise).
    """

    label: str
    values: Grid
    padded: Mask
    weights: Grid | None
    products: Grid | None
    total: float
    approx: bool = False
    pick: int = -1


@dataclass(frozen=True)
class CloseupSample:
    """How a deformable conv samples one tap: four neighbours mixed by bilinear weights.

    ``corners`` the four neighbours' values (0 outside the input), ``weights`` their bilinear
    weights, ``value`` the sampled value (times ``mask`` when the op has one).
    """

    label: str
    corners: tuple[float, ...]
    weights: tuple[float, ...]
    inside: tuple[bool, ...]
    mask: float | None
    value: float


@dataclass(frozen=True)
class CloseupScatter:
    """How one input element's stamp adds into the output (a transposed conv's scatter view).

    ``stamp`` (kh, kw) is what the element adds, Σ over its group's channels of value × kernel
    (the terms of the step show the first channels' value × kernel); ``rows`` / ``cols`` the
    output rows and columns it lands on, ``inside`` where they are in the output (the padding
    cuts the others off). ``before`` is the output there from the earlier stamps (0 where none
    reached yet), ``earlier`` how many earlier stamps reached each cell, ``after`` =
    ``before + stamp`` (0 on cut-off cells); ``approx`` marks the cells whose printed
    ``before + stamp`` differs from the printed ``after`` in the last digit. ``focus`` (row,
    col within the stamp) is the cell whose sum the panel writes out: the first one a previous
    stamp reached (the first inside one when none overlaps); ``complete`` says no later stamp
    reaches it, so + bias gives the op's output there.
    """

    element: tuple[int, int]
    source: str
    target: str
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    inside: Mask
    stamp: Grid
    before: Grid
    earlier: Grid
    after: Grid
    approx: Mask
    focus: tuple[int, int]
    complete: bool
    channels: int


@dataclass(frozen=True)
class CloseupStep:
    """The arithmetic of one output value.

    ``mode``: ``"products"`` (window × kernel grids), ``"dot"`` (vectors over channels),
    ``"max"`` / ``"mean"`` (pooling), ``"scatter"`` (a transposed conv's stamp,
    ``scatter``; ``result`` is then the focus cell's new value, + bias when ``complete``).
    ``terms`` are shown one after another (the first in full); ``rest_count`` further terms
    are summarised by their sum ``rest_total`` (``rest_label``).
    ``result`` is the engine's output value, ``= Σ term totals + rest_total + bias`` (``mean``:
    ``terms[0].total / divisor``); ``approx`` says the printed parts do not add up to it.
    """

    mode: str
    title: str
    out_channel: int
    cell: tuple[int, ...]
    terms: tuple[CloseupTerm, ...]
    rest_count: int
    rest_total: float
    rest_label: str
    bias: float | None
    result: float
    approx: bool
    divisor: int = 0
    divisor_label: str = ""
    sample: CloseupSample | None = None
    scatter: CloseupScatter | None = None


@actor_kind
@dataclass(frozen=True)
class CloseupActor:
    """The close-up panel of op ``op``: its ``steps`` are played by ``closeup`` events.

    ``output`` is the block the results fly into; ``value_hue`` / ``weight_hue`` tint the cells of
    the window and kernel grids; ``plans[i]`` the beats of step i (:func:`plan`: shares of its
    length); ``words`` the panel's fixed words (``Words.closeup`` of the spec's language).
    """

    id: str
    op: int
    output: str
    value_hue: str
    weight_hue: str
    steps: tuple[CloseupStep, ...]
    plans: tuple[Mapping[str, Any], ...]
    words: tuple[tuple[str, str], ...]
    kind: str = field(default="closeup", init=False)


STAMP_WORDS = ("stamp", "stamp_sum", "so_far", "now", "cut")
"""Words only a transposed conv's stamp close-up shows."""


def panel_words(words: Mapping[str, str], stamps: bool = False) -> tuple[tuple[str, str], ...]:
    """The words of ``Words.closeup`` a panel shows (the stamp words only for ``stamps``)."""
    return tuple((k, v) for k, v in words.items() if stamps or k not in STAMP_WORDS)


def keeps_caption(step: CloseupStep) -> bool:
    """Whether the panel of ``step`` leaves the caption line free: a stamp of 3 rows or fewer
    fits under it (its caption says which cells it lands on)."""
    return step.scatter is not None and step.scatter.stamp.shape[0] <= LOW_ROWS


def step_sum(step: CloseupStep) -> float:
    """The step's result recomputed from its parts (what the panel adds up)."""
    if step.mode == "mean":
        return step.terms[0].total / step.divisor
    if step.mode == "max":
        return step.terms[0].total
    if step.scatter is not None:
        r, c = step.scatter.focus
        after = float(step.scatter.before.array[r, c] + step.scatter.stamp.array[r, c])
        return after + (step.bias or 0.0)
    total = sum(t.total for t in step.terms) + step.rest_total
    return total + (step.bias or 0.0)


def window_terms(
    labels: Sequence[str],
    values: np.ndarray,
    padded: np.ndarray,
    weights: np.ndarray,
) -> tuple[CloseupTerm, ...]:
    """Terms of window × kernel: ``values`` and ``weights`` are (T, rows, cols), one per term."""
    out = []
    for label, v, p, w in zip(labels, values, padded, weights, strict=True):
        products = v * w
        total = float(products.sum())
        out.append(
            CloseupTerm(
                label=label,
                values=grid(v),
                padded=mask(p),
                weights=grid(w),
                products=grid(products),
                total=total,
                approx=rounding_shows(products.reshape(-1).tolist(), total),
            )
        )
    return tuple(out)


def products_step(
    title: str,
    out_channel: int,
    cell: tuple[int, ...],
    labels: Sequence[str],
    values: np.ndarray,
    padded: np.ndarray,
    weights: np.ndarray,
    bias: float | None,
    result: float,
    *,
    words: Mapping[str, str],
    shown_terms: int = 2,
    rest_word: str = "more_channels",
) -> CloseupStep:
    """A window × kernel step: ``values``/``weights`` (T, rows, cols), the first terms in full.

    A 1×1 window (rows = cols = 1) over several channels is a dot product: one term of two
    vectors (at most :data:`MAX_DOT` channels, the rest summed).
    """
    count = values.shape[0]
    if values.shape[1:] == (1, 1) and count > 1:
        n = min(count, MAX_DOT)
        v = values[:n].reshape(1, n)
        w = weights[:n].reshape(1, n)
        p = padded[:n].reshape(1, n)
        terms = window_terms([words["dot"]], v[None], p[None], w[None])
        rest = values[n:, 0, 0] * weights[n:, 0, 0]
        mode, rest_n = "dot", count - n
    else:
        n = min(count, shown_terms)
        terms = window_terms(labels[:n], values[:n], padded[:n], weights[:n])
        rest = (values[n:] * weights[n:]).reshape(-1)
        mode, rest_n = "products", count - n
    rest_total = float(rest.sum())
    parts = [t.total for t in terms] + ([rest_total] if rest_n else []) + ([bias] if bias else [])
    return CloseupStep(
        mode=mode,
        title=title,
        out_channel=out_channel,
        cell=cell,
        terms=terms,
        rest_count=int(rest_n),
        rest_total=rest_total,
        rest_label=words[rest_word].format(n=rest_n),
        bias=bias,
        result=result,
        approx=rounding_shows(parts, result),
    )


@dataclass(frozen=True)
class CloseupTiming:
    """Seconds of the beats of one close-up (see :func:`timing`)."""

    intro: float
    cell: float
    term: float
    beat: float
    fly: float


def beats(step: CloseupStep, timing: CloseupTiming) -> dict[str, object]:
    """When each part of the panel appears, in seconds from the start of the ``closeup`` event.

    ``cells``: products of the first term one by one from ``cells_at``, ``cell`` seconds apart;
    (:func:`schedule` stores them as shares of the event's duration);
    ``terms_at[n]``: term n appears; ``rest_at``, ``overlap_at`` (a scatter step: the stamp
    adds into the output), ``bias_at``, ``result_at``, ``fly_at``, and ``end`` (the event's
    duration).
    """
    t = FADE + timing.intro
    sample_at = None
    if step.sample is not None:
        sample_at = t
        t += timing.beat * 2
    terms_at = [t]
    first = step.terms[0]
    cells = int(np.prod((first.values if first.products is None else first.products).shape))
    cells_at = t + timing.beat * 0.5
    t = cells_at + cells * timing.cell + timing.beat * 0.5
    for _ in step.terms[1:]:
        terms_at.append(t)
        t += timing.term
    rest_at = t
    if step.rest_count:
        t += timing.beat
    overlap_at = None
    if step.scatter is not None:
        overlap_at = t  # output so far + stamp = output now; the stamp lands
        t += timing.beat * 1.5
    bias_at = t
    if step.bias is not None:
        t += timing.beat * 0.6
    result_at = t
    t += timing.beat * (2.0 if step.scatter is not None else 1.0)
    fly_at = t
    t += timing.fly + FADE
    return {
        "cells": cells,
        "sample_at": sample_at,
        "terms_at": terms_at,
        "cells_at": cells_at,
        "cell": timing.cell,
        "rest_at": rest_at,
        "overlap_at": overlap_at,
        "bias_at": bias_at,
        "result_at": result_at,
        "fly_at": fly_at,
        "end": t,
    }


def timing(first_op: bool, quick: bool = False) -> CloseupTiming:
    """Close-up beats: unhurried for the first op of a scene, brisker for later ones, quick
    for every op of a long chain (``quick``, :attr:`Pacing.quick_closeups`)."""
    if quick:
        return CloseupTiming(intro=0.1, cell=0.07, term=0.4, beat=0.3, fly=0.35)
    if first_op:
        return CloseupTiming(intro=0.3, cell=0.22, term=0.9, beat=0.6, fly=0.6)
    return CloseupTiming(intro=0.2, cell=0.1, term=0.6, beat=0.4, fly=0.5)


def _share(value: object, duration: float) -> object:
    """Seconds (a number, a list of numbers or None) as shares of ``duration``."""
    if value is None:
        return None
    if isinstance(value, list):
        return [round(float(v) / duration, 6) for v in value]
    return round(float(value) / duration, 6)  # type: ignore[arg-type]


def closeup_count(setting: object) -> int:
    """Positions with a close-up for ``animation.closeup`` (True: the first; False: none)."""
    if setting is True:
        return 1
    if setting is False:
        return 0
    return max(0, int(setting))  # type: ignore[call-overload]


def plan(step: CloseupStep, timing: CloseupTiming) -> dict[str, Any]:
    """The beats of a step as shares of its ``length`` (seconds), with the flight's ``fly``
    seconds and the ``ticks`` (shares) at which the panel changes before the flight.

    Shares keep the beats in place when an op is squeezed or stretched (pacing, op_duration).
    """
    seconds = beats(step, timing)
    length = float(seconds.pop("end"))  # type: ignore[arg-type]
    out: dict[str, Any] = {k: _share(v, length) for k, v in seconds.items() if k != "cells"}
    out["ticks"] = [round(v / length, 6) for v in ticks(seconds)]
    out["length"] = length
    out["fly"] = timing.fly
    return out


def schedule(
    clock: Clock,
    actor: CloseupActor,
    index: int,
    overlays: Sequence[str],
    *,
    keep_caption: bool = False,
) -> float:
    """Add the ``closeup`` events of step ``index`` at the current time; return its length.

    The panel changes only at its beats: one instantaneous ``closeup`` event per beat (the
    renderer draws it once per beat, not per frame, ``data["u"]`` its share of the step), and one
    lasting event for the flight of the result (``data["fly"]``). The overlays of the bottom
    panel (``overlays``: shape table, formula, counts) give way to the panel while it plays and
    come back after; the caption line is cleared (unless ``keep_caption``: the panel then
    leaves the caption line free, see the scatter view).
    """
    steps = actor.plans[index]
    length = float(steps["length"])
    start = clock.now
    if not keep_caption:
        clock.add("caption", "caption", 0.0, text="")
    for overlay in overlays:
        clock.add("hide", overlay, FADE)
        clock.add("show", overlay, FADE, at=start + length)
    clock.add("show", actor.id, FADE, at=start + FADE)
    for tick in steps["ticks"]:
        clock.add("closeup", actor.id, 0.0, at=start + tick * length, step=index, u=tick)
    fly_at = float(steps["fly_at"])
    clock.add(
        "closeup", actor.id, float(steps["fly"]), at=start + fly_at * length, step=index,
        u=fly_at, fly=True,
    )  # fmt: skip
    clock.add("hide", actor.id, FADE, at=start + length - FADE)
    return length


def ticks(seconds: Mapping[str, object]) -> list[float]:
    """The moments (seconds into a close-up) at which its panel changes, before the flight."""
    out = {0.0}
    for key in ("sample_at", "cells_at", "rest_at", "overlap_at", "bias_at", "result_at"):
        value = seconds.get(key)
        if value is not None:
            out.add(float(value))  # type: ignore[arg-type]
    terms = [float(v) for v in seconds["terms_at"]]  # type: ignore[attr-defined]
    out.update(terms)
    cells, cell = int(seconds["cells"]), float(seconds["cell"])  # type: ignore[call-overload,arg-type]
    out.update(float(seconds["cells_at"]) + i * cell for i in range(cells + 1))  # type: ignore[arg-type]
    fly_at = float(seconds["fly_at"])  # type: ignore[arg-type]
    return sorted(round(v, 6) for v in out if v < fly_at)
