"""Shared helpers of the storyboard: the clock, shape text, value formatting, tensor helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convanim.storyboard.timeline import Event, plain_data


def dims(shape: tuple[int, ...]) -> str:
    """``(8, 7, 7)`` -> ``"8×7×7"``."""
    return "×".join(str(int(v)) for v in shape)


_WHOLE_NUMBERS: ContextVar[bool] = ContextVar("convanim_whole_numbers", default=False)


@contextmanager
def whole_numbers(on: bool) -> Iterator[None]:
    """While active (``on``), :func:`fmt_value` writes whole values without decimals.

    A scene whose every number is whole (the textbook examples: integer input, kernel and bias)
    is built, drawn and described inside ``whole_numbers(timeline.view.whole_numbers)``, so its
    blocks, close-ups, colour bars and notes read ``3``, as its matrices do, not ``3.00``.
    """
    token = _WHOLE_NUMBERS.set(on)
    try:
        yield
    finally:
        _WHOLE_NUMBERS.reset(token)


def all_whole(*arrays: np.ndarray | None) -> bool:
    """Every value of every given array is a whole number (``None`` entries are skipped)."""
    return all(
        bool(np.all(np.isfinite(a)) and np.all(a == np.round(a)))
        for a in (np.asarray(x) for x in arrays if x is not None)
    )


def fmt_value(value: float) -> str:
    """A value as shown on screen: 2 decimals, or 3 significant digits when large; whole
    values without decimals inside :func:`whole_numbers` (``True``)."""
    if _WHOLE_NUMBERS.get() and float(value).is_integer() and abs(value) < 1e6:
        return str(int(value))
    if abs(value) >= 100:
        return f"{value:.3g}"
    return f"{value:.2f}"


def chw(array: np.ndarray) -> tuple[int, int, int]:
    """(C, H, W) of a batch-first 4-D (or 5-D: C, H, W of each depth slice) array."""
    shape = array.shape
    return (int(shape[1]), int(shape[-2]), int(shape[-1]))


def block_shape(array: np.ndarray) -> tuple[int, ...]:
    """Shape a block shows: (C, H, W) of a 4-D array, (C, D, H, W) of a 5-D (conv3d) one."""
    return tuple(int(v) for v in array.shape[1:])


def value_range(array: np.ndarray) -> tuple[float, float]:
    """(min, max) of batch 0, widened to a non-empty interval."""
    lo, hi = float(np.min(array[0])), float(np.max(array[0]))
    if hi <= lo:
        hi = lo + 1.0
    return (lo, hi)


@dataclass
class Clock:
    """Appends events one after another and keeps the current time."""

    now: float = 0.0
    events: list[Event] = field(default_factory=list)

    def add(
        self, kind: str, target: str, duration: float, *, at: float | None = None, **data: Any
    ) -> Event:
        """Add an event starting now (or ``at``) without advancing the clock.

        ``data`` is stored as plain JSON values (:func:`~convanim.storyboard.timeline.plain_data`).
        """
        event = Event(self.now if at is None else at, duration, kind, target, plain_data(data))
        self.events.append(event)
        return event

    def then(self, kind: str, target: str, duration: float, **data: Any) -> Event:
        """Add an event starting now and advance the clock to its end."""
        event = self.add(kind, target, duration, **data)
        self.now = event.end
        return event

    def wait(self, seconds: float) -> None:
        """Let time pass."""
        self.now += seconds
