"""How long things take (seconds). A spec's ``animation`` section scales or overrides these."""

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

    def for_later_op(self) -> Pacing:
        """Brisker pacing for the second and later ops of a chain (keeps chains within ~30 s)."""
        return replace(
            self,
            fast_max=2.5,
            other_group_max=1.0,
            max_swept_groups=2,
            hold=0.8,
            full_positions=min(self.full_positions, 1),
        )
