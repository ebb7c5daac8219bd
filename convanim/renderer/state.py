"""What every actor looks like at time t, read off a Timeline (NumPy only, no manim).

The renderer asks this module, for each frame, which actors are visible and how much, which cells
of each block are revealed, where the kernel is, which slots the camera frames, and what the caption
says. Everything is a pure function of (timeline, t), so any frame can be rendered on its own (and
segments of a video in parallel processes).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from convanim.storyboard.timeline import BlockActor, Coloring, Event, KernelActor, Timeline


def smooth(u: float) -> float:
    """Smoothstep easing on [0, 1]."""
    u = min(max(u, 0.0), 1.0)
    return u * u * (3 - 2 * u)


@dataclass(frozen=True)
class SweepState:
    """The kernel of an active sweep at time t.

    ``position`` is the (fractional) output (row, col) the kernel stands over ((depth, row, col)
    for a conv3d), ``out_channel`` the
    output channel being computed, ``arrived`` whether it has settled on ``cell`` (then the window
    is lit and the cell revealed), ``detail`` whether beams and the equation are shown.
    """

    kernel: str
    input: str
    output: str
    out_channel: int
    position: tuple[float, ...]
    cell: tuple[int, ...]
    arrived: bool
    detail: bool


def _unravel(index: int, spatial: tuple[int, ...]) -> tuple[int, ...]:
    """Raster index -> output position over the spatial dims ((row, col) or (depth, row, col))."""
    return tuple(int(v) for v in np.unravel_index(index, spatial))


def _visit_index(first: int, count: int, visits: int, v: int) -> int:
    """Raster index of the position the kernel stands on at visit v (0-based)."""
    return first + int(round((v + 1) * count / visits)) - 1


def _moving(e: Event) -> float:
    """Seconds of a sweep spent visiting positions: all but its ``hold`` (the share of the
    event at its end during which the kernel dwells on its last position, that cell not yet
    revealed)."""
    return e.duration * (1.0 - float(e.data.get("hold", 0.0)))


class TimelineState:
    """Queries on a Timeline at arbitrary times."""

    MOVE_SHARE = 0.35
    """Share of a visit spent moving to the position (the rest the kernel dwells there)."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.events = timeline.events
        self.blocks = {a.id: a for a in timeline.actors if isinstance(a, BlockActor)}
        self.kernels = {a.id: a for a in timeline.actors if isinstance(a, KernelActor)}
        bounds = {0.0, timeline.duration}
        for e in self.events:
            bounds.add(round(e.start, 6))
            bounds.add(round(e.end, 6))
        self.boundaries = sorted(bounds)
        self._by_target: dict[str, list[Event]] = {}
        for e in self.events:
            self._by_target.setdefault(e.target, []).append(e)
        self._fills: dict[str, list[Event]] = {}
        self._sweeps_into: dict[str, list[Event]] = {}
        for e in self.events:
            if e.kind == "fill":
                self._fills.setdefault(e.target, []).append(e)
            elif e.kind == "sweep":
                self._sweeps_into.setdefault(e.data["output"], []).append(e)

    # -- time structure ---------------------------------------------------------------------
    def interval(self, t: float) -> int:
        """Index of the stretch between event boundaries that contains t."""
        return bisect.bisect_right(self.boundaries, round(t, 6))

    def active(self, t: float) -> list[Event]:
        """Events running at time t (zero-length events are never running)."""
        return [e for e in self.events if e.duration > 0 and e.start <= t < e.end]

    # -- visibility -------------------------------------------------------------------------
    def opacity(self, actor_id: str, t: float) -> float:
        """0 (hidden) .. 1 (fully shown), from the actor's show/hide events."""
        events = [e for e in self._by_target.get(actor_id, []) if e.kind in ("show", "hide")]
        if not events:
            return 1.0
        value = 0.0 if events[0].kind == "show" else 1.0
        for e in events:
            if t < e.start:
                break
            u = 1.0 if e.duration <= 0 else smooth((t - e.start) / e.duration)
            value = u if e.kind == "show" else 1.0 - u
        return value

    def latest(self, target: str, kind: str, t: float) -> Event | None:
        """The last event of a kind on a target that has started by time t."""
        found = None
        for e in self._by_target.get(target, []):
            if e.kind == kind and e.start <= t:
                found = e
        return found

    def caption(self, t: float) -> str:
        """The caption line at time t."""
        e = self.latest("caption", "caption", t)
        return str(e.data.get("text", "")) if e else ""

    def caption_tex(self, t: float) -> str:
        """The caption line at time t as LaTeX math; empty when it is not an equation."""
        e = self.latest("caption", "caption", t)
        return str(e.data.get("tex", "")) if e else ""

    def coloring(self, block: BlockActor, t: float) -> Coloring:
        """A block's colouring at time t (its own, or the latest recolor)."""
        e = self.latest(block.id, "recolor", t)
        if e is None:
            return block.coloring
        data = e.data["coloring"]
        rng = data.get("value_range")
        return Coloring(data["mode"], tuple(data["hues"]), tuple(rng) if rng else None)

    def padding(self, block: BlockActor, t: float) -> tuple[int, int, int, int]:
        """The padding ring drawn around a block at time t."""
        e = self.latest(block.id, "pad", t)
        if e is None:
            return block.padding
        top, bottom, left, right = (int(v) for v in e.data["padding"])
        return (top, bottom, left, right)

    def legend_block(self, t: float) -> str | None:
        """Id of the block whose value colours the legend explains at time t."""
        e = self.latest("legend", "legend", t)
        return str(e.data["block"]) if e else None

    # -- blocks -----------------------------------------------------------------------------
    def morph(self, block: BlockActor, t: float) -> tuple[str, np.ndarray] | None:
        """While a ``morph`` of a block is to come or running: the block whose values it starts
        from and every channel's progress (0 .. 1, all channels alike); None before a block's
        values are its own.
        """
        e = next((e for e in self._by_target.get(block.id, []) if e.kind == "morph"), None)
        if e is None or t >= e.end:
            return None
        p = 0.0 if t < e.start else (t - e.start) / max(e.duration, 1e-9)
        return str(e.data["source"]), np.full(int(block.shape[0]), smooth(p))

    def revealed(self, block: BlockActor, t: float) -> np.ndarray:
        """Boolean mask (C, H, W) of the cells shown with their value at time t."""
        c = block.shape[0]
        if block.initially == "full":
            return np.ones(block.shape, dtype=bool)
        mask = np.zeros(block.shape, dtype=bool)
        flat = mask.reshape(c, -1)
        for e in self._sweeps_into.get(block.id, []):
            if t < e.start:
                continue
            co = int(e.data["out_channel"])
            last = self._last_revealed(e, t)
            if last >= 0:
                flat[co, : last + 1] = True
        for e in self._fills.get(block.id, []):
            if t >= e.start:
                u = 1.0 if e.duration <= 0 else (t - e.start) / e.duration
                channels = list(e.data["channels"])
                shown = channels[: int(np.ceil(len(channels) * min(u * 1.5, 1.0)))]
                flat[shown, :] = True
        return mask

    def _last_revealed(self, e: Event, t: float) -> int:
        first, count, visits = int(e.data["first"]), int(e.data["count"]), int(e.data["visits"])
        if t >= e.end:
            return first + count - 1
        slot = _moving(e) / visits
        v = int((t - e.start) // slot)
        arrived = (t - e.start - v * slot) >= self.MOVE_SHARE * slot
        if not arrived:
            v -= 1
        if v >= visits - 1 and float(e.data.get("hold", 0.0)) > 0:
            # A held last cell (a close-up plays its arithmetic) is revealed when the event ends.
            v = visits - 2
        # Everything before the start of this sweep was revealed by an earlier sweep event.
        return _visit_index(first, count, visits, v) if v >= 0 else first - 1

    # -- kernels ----------------------------------------------------------------------------
    @staticmethod
    def holding(e: Event, t: float) -> bool:
        """Whether sweep ``e`` is in its ``hold`` at time t (nothing of it moves then)."""
        hold = float(e.data.get("hold", 0.0))
        return hold > 0 and e.start + _moving(e) <= t < e.end

    def sweep(self, kernel_id: str, t: float) -> SweepState | None:
        """Where the kernel is at time t, if one of its sweeps is running (or just ended)."""
        for e in self._by_target.get(kernel_id, []):
            if e.kind != "sweep" or not (e.start <= t < e.end):
                continue
            spatial = self.blocks[e.data["output"]].shape[1:]
            first, count, visits = int(e.data["first"]), int(e.data["count"]), int(e.data["visits"])
            slot = _moving(e) / visits
            v = min(int((t - e.start) // slot), visits - 1)
            u = (t - e.start - v * slot) / (slot * self.MOVE_SHARE)
            target = _visit_index(first, count, visits, v)
            prev = _visit_index(first, count, visits, v - 1) if v > 0 else first
            if v == 0 and first > 0:
                prev = first - 1
            elif v == 0:
                prev = target
            cell = _unravel(target, spatial)
            before = _unravel(prev, spatial)
            k = smooth(u)
            return SweepState(
                kernel=kernel_id,
                input=str(e.data["input"]),
                output=str(e.data["output"]),
                out_channel=int(e.data["out_channel"]),
                position=tuple(p + (q - p) * k for p, q in zip(before, cell, strict=True)),
                cell=cell,
                arrived=u >= 1.0,
                detail=bool(e.data["detail"]),
            )
        return self._resting(kernel_id, t)

    def _resting(self, kernel_id: str, t: float) -> SweepState | None:
        """Between sweeps (or while it fades) the kernel rests where its last sweep left it."""
        last = None
        for e in self._by_target.get(kernel_id, []):
            if e.kind == "sweep" and e.end <= t:
                last = e
        if last is None:
            first = next((e for e in self._by_target.get(kernel_id, []) if e.kind == "sweep"), None)
            if first is None:
                return None
            spatial = self.blocks[first.data["output"]].shape[1:]
            cell = _unravel(int(first.data["first"]), spatial)
            return SweepState(
                kernel_id,
                str(first.data["input"]),
                str(first.data["output"]),
                int(first.data["out_channel"]),
                cell,
                cell,
                False,
                False,
            )
        spatial = self.blocks[last.data["output"]].shape[1:]
        cell = _unravel(int(last.data["first"]) + int(last.data["count"]) - 1, spatial)
        return SweepState(
            kernel_id,
            str(last.data["input"]),
            str(last.data["output"]),
            int(last.data["out_channel"]),
            cell,
            cell,
            False,
            False,
        )

    # -- camera -----------------------------------------------------------------------------
    def view_slots(self, t: float) -> tuple[tuple[int, ...], tuple[int, ...], float]:
        """(slots before, slots after, progress) of the camera move at time t."""
        moves = [e for e in self._by_target.get("view", []) if e.kind == "camera"]
        if not moves:
            return ((0, 1), (0, 1), 1.0)
        before = tuple(moves[0].data["slots"])
        for e in moves:
            if t < e.start:
                break
            after = tuple(e.data["slots"])
            if e.duration <= 0 or t >= e.end:
                before = after
                continue
            return before, after, smooth((t - e.start) / e.duration)
        return before, before, 1.0
