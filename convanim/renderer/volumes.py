"""Where the volumes of a 4-D tensor go (NumPy only): a row of C volumes of D×H×W cubes.

A conv3d tensor of shape (C, D, H, W) is drawn as C volumes side by side, left to right; in each
volume the depth axis D runs away from the viewer (as channels do in a 2-D block), rows go down
and columns to the right. Points of a volume row are written in *row coordinates*: volume c's
element (d, h, w) is the cube from ``x = offset(c) + w``, ``y = -h``, ``z = -d``. Past
:data:`MAX_VOLUMES` channels the middle ones are elided, an ellipsis marking the gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from convanim.renderer.lod import BlockLOD, block_lod
from convanim.storyboard.words import EN, Words

MAX_VOLUMES = 6
"""Most volumes drawn in a row before the middle ones are elided."""
HEAD_VOLUMES = 4
"""Volumes drawn before the ellipsis when some are elided (the last one is drawn after)."""
VOLUME_GAP = 1.4
"""Space between two volumes of a row, in cell pitches (plus ``DEPTH_GAP`` per depth cell)."""
DEPTH_GAP = 0.6
"""Extra space per display depth cell, so a volume's right face stays visible."""
ELLIPSIS_GAP = 2.6
"""Space taken by the ellipsis standing for elided volumes."""


@dataclass(frozen=True)
class VolumeRow:
    """The row of volumes of a tensor of shape (C, D, H, W)."""

    shape: tuple[int, int, int, int]

    @property
    def lod(self) -> BlockLOD:
        """Level of detail of each (D, H, W) volume (depth plays the part of channels)."""
        return block_lod(self.shape[1:])

    @property
    def volume_width(self) -> float:
        """Width of one volume in display cells."""
        return self.lod.display_shape[2]

    @property
    def pitch(self) -> float:
        """Distance between the left faces of neighbouring volumes."""
        return self.volume_width + VOLUME_GAP + DEPTH_GAP * self.lod.display_shape[0]

    def place(self, channel: float, local: np.ndarray) -> np.ndarray:
        """True points of a volume (x = column, y = -row, z = -depth) -> row display points."""
        out = np.array(self.lod.to_display(local), dtype=float, copy=True)
        out[..., 0] += self.offset(channel)
        return out

    @property
    def elided(self) -> bool:
        """True when some volumes are left out."""
        return self.shape[0] > MAX_VOLUMES

    def shown(self) -> np.ndarray:
        """Channels drawn as volumes."""
        c = self.shape[0]
        if not self.elided:
            return np.arange(c)
        return np.concatenate([np.arange(HEAD_VOLUMES), [c - 1]])

    def offset(self, channel: float) -> float:
        """x of the left face of channel ``channel``'s volume (elided ones sit in the gap)."""
        c = self.shape[0]
        pitch = self.pitch
        if not self.elided or channel < HEAD_VOLUMES:
            return float(channel) * pitch
        head_end = HEAD_VOLUMES * pitch
        if channel >= c - 1:
            return head_end + ELLIPSIS_GAP
        share = (channel - HEAD_VOLUMES + 1) / (c - HEAD_VOLUMES)
        return head_end + ELLIPSIS_GAP * share - pitch * 0.5

    def ellipsis_x(self) -> float | None:
        """x of the centre of the ellipsis between volumes (None when nothing is elided)."""
        if not self.elided:
            return None
        end_of_head = (HEAD_VOLUMES - 1) * self.pitch + self.volume_width
        return (end_of_head + self.offset(self.shape[0] - 1)) / 2

    @property
    def display_shape(self) -> tuple[float, float, float]:
        """(depth, height, width) of the whole row in cell pitches."""
        depth, height, width = self.lod.display_shape
        return (depth, height, self.offset(self.shape[0] - 1) + width)

    @property
    def detailed(self) -> bool:
        """Row coordinates are already display coordinates."""
        return True

    def to_display(self, world: np.ndarray) -> np.ndarray:
        """Row coordinates are display coordinates: returned unchanged."""
        return world

    def note(self, words: Words = EN) -> str:
        """What the drawing leaves out ('' when every volume is drawn)."""
        depths = self.lod.note(words, channels=words.lod_depths)
        parts = [depths] if depths else []
        if self.elided:
            parts.append(words.lod_volumes.format(first=HEAD_VOLUMES, last=self.shape[0] - 2))
        return ", ".join(parts)


@lru_cache(maxsize=64)
def volume_row(shape: tuple[int, int, int, int]) -> VolumeRow:
    """The :class:`VolumeRow` of a (C, D, H, W) tensor."""
    c, d, h, w = (int(v) for v in shape)
    return VolumeRow((c, d, h, w))


def display_of(shape: tuple[int, ...]) -> BlockLOD | VolumeRow:
    """How a block of this shape is drawn: a :class:`BlockLOD` for (C, H, W), a
    :class:`VolumeRow` for (C, D, H, W)."""
    if len(shape) == 4:
        return volume_row((shape[0], shape[1], shape[2], shape[3]))
    return block_lod(tuple(shape))
