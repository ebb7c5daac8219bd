"""How long things take (seconds). A spec's ``animation`` section scales or overrides these.

Every duration rule of the automatic pacing lives here: the base durations, how much brisker the
ops of a chain play (:meth:`Pacing.for_op`), and the scene budget (:meth:`Pacing.fit_factor`)
that keeps a spec with only ``input`` and ``ops`` within the 10-30 s the README promises.
Op visuals keep their own phase lengths (``PHASE_SECONDS`` in ``ops/shuffle.py`` and
``ops/squeeze.py``) and scale them by :attr:`Pacing.phase_speed`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Pacing:
    """Durations of the building blocks of a scene, in seconds."""

    title: float = 0.8
    show: float = 0.6
    camera: float = 1.0
    kernel_show: float = 0.4
    full_step: float = 1.1
    fast_step: float = 0.14
    fast_max: float = 4.0
    other_group_max: float = 1.6
    fill: float = 1.0
    hold: float = 1.2
    end_hold: float = 2.0
    max_swept_groups: int = 4
    orbit: float = 5.0
    orbit_degrees: float = 40.0
    full_positions: int = 3
    """Window positions played in full (the spec's ``animation.full_positions`` overrides it)."""
    closeups: int = 1
    """Window positions with a close-up of their arithmetic (``animation.closeup`` overrides it)."""
    quick_closeups: bool = False
    """Close-ups at a quick pace (chains of four ops or more, see :meth:`for_op`)."""
    phase_speed: float = 1.0
    """Factor on the phase lengths of ops told in phases (channel shuffle, squeeze-excitation)."""
    scene_max: float = 30.0
    """Longest automatically paced scene (seconds): longer ones are played faster."""
    min_speed: float = 0.6
    """Lowest time factor of that squeeze: a chain that does not fit even so runs longer."""

    def for_later_op(self) -> Pacing:
        """Brisker pacing for the second and later ops of a chain."""
        return replace(
            self,
            fast_max=2.5,
            other_group_max=1.0,
            max_swept_groups=2,
            hold=0.8,
            full_positions=min(self.full_positions, 1),
            phase_speed=0.7,
        )

    def for_op(self, index: int, count: int) -> Pacing:
        """Pacing of op ``index`` of a chain of ``count`` ops.

        A single op plays at this pacing; later ops of a chain play briskly
        (:meth:`for_later_op`). In a chain of three or more ops the first op is brief too: as
        brisk as a later op but with two positions in full and up to 3 s of fast-forward, so
        that a three-op chain (e.g. the ShuffleNet unit) stays under 30 s without squeezing.
        In a chain of four ops or more every op keeps its close-up, played quickly, and makes
        room for it with a shorter fast-forward (at most 1 s, 0.6 s for the other groups), so
        that up to five ops still fit the budget (:meth:`fit_factor`).
        """
        if count >= 4:
            brisk = self.for_op(index, 3)
            return replace(
                brisk,
                quick_closeups=True,
                fast_max=min(brisk.fast_max, 1.0),
                other_group_max=min(brisk.other_group_max, 0.6),
            )
        if index > 0:
            return self.for_later_op()
        if count >= 3:
            return replace(
                self.for_later_op(),
                full_positions=min(self.full_positions, 2),
                fast_max=3.0,
                phase_speed=self.phase_speed,
            )
        return self

    def fit_factor(self, duration: float) -> float:
        """Time factor that brings an automatically paced scene within :attr:`scene_max`.

        1.0 when ``duration`` fits; otherwise ``scene_max / duration``, but never below
        :attr:`min_speed` (a very long chain would become unreadable).
        """
        if duration <= self.scene_max:
            return 1.0
        return max(self.scene_max / duration, self.min_speed)
