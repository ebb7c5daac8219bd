"""Perspective projection of the 3-D tensor world onto the 2-D frame (NumPy only, no manim).

World axes: x runs along a tensor's width (columns, to the right), y along its height (rows, up:
row 0 is the top row), z along its channels (channel 0 is the front face, deeper channels go to -z).
Each tensor block is projected with the same camera placed relative to its own centre, so every
block is seen from the same three-quarter angle wherever it sits in the row of tensors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Points3D = np.ndarray
"""Array of shape (..., 3): world coordinates."""
Points2D = np.ndarray
"""Array of shape (..., 2): projected scene coordinates."""


@dataclass(frozen=True)
class Projector:
    """A perspective camera looking at a block's centre from a three-quarter view.

    Parameters
    ----------
    elevation:
        Degrees above the horizontal plane (positive: we see the top face).
    azimuth:
        Degrees to the right of straight-on (positive: we see the right face).
    distance:
        Distance from the camera to the block centre, in world units (cell pitch = 1).
    """

    elevation: float = 24.0
    azimuth: float = 32.0
    distance: float = 40.0

    @classmethod
    def from_camera(cls, phi: float, theta: float) -> Projector:
        """A projector from the spec's camera angles (manim's convention, in degrees).

        ``phi`` is the polar angle from the vertical (90 - elevation); ``theta`` the azimuth,
        -90 looking straight at the front face (so azimuth = theta + 90).
        """
        return cls(elevation=90.0 - float(phi), azimuth=float(theta) + 90.0)

    def turned(self, degrees: float) -> Projector:
        """The same camera orbited ``degrees`` around the vertical axis."""
        return Projector(self.elevation, self.azimuth + degrees, self.distance)

    def _basis(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        el = np.radians(self.elevation)
        az = np.radians(self.azimuth)
        # Direction from the target towards the eye.
        back = np.array([np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)])
        forward = -back
        right = np.cross(forward, np.array([0.0, 1.0, 0.0]))
        right /= np.linalg.norm(right)
        up = np.cross(right, forward)
        return forward, right, up

    @property
    def eye_direction(self) -> np.ndarray:
        """Unit vector from a block's centre towards the camera."""
        return -self._basis()[0]

    def project(self, points: Points3D, center: np.ndarray) -> Points2D:
        """Project world points of a block whose centre is ``center`` to scene coordinates.

        One world unit at the block's centre maps to one scene unit, so blocks drawn with the same
        projector share a scale.
        """
        forward, right, up = self._basis()
        rel = np.asarray(points, dtype=float) - np.asarray(center, dtype=float)
        eye = -forward * self.distance
        v = rel - eye
        depth = v @ forward
        depth = np.maximum(depth, 1e-6)
        scale = self.distance / depth
        return np.stack([(v @ right) * scale, (v @ up) * scale], axis=-1)

    def depth(self, points: Points3D, center: np.ndarray) -> np.ndarray:
        """Distance along the viewing direction (larger = farther), for painter's ordering."""
        forward, _, _ = self._basis()
        rel = np.asarray(points, dtype=float) - np.asarray(center, dtype=float)
        return (rel + forward * self.distance) @ forward
