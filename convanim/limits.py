"""Size limits, checked on integer shapes before anything is allocated.

Every tensor (input, weights, every op output, the unfolded ``im2col``-style buffers the engine
builds) must have at most :data:`MAX_ELEMENTS` elements, and one op may do at most
:data:`MAX_MACS` multiply-accumulates. Beyond that a computation would take minutes or gigabytes,
and nothing that size can be drawn anyway.

Drawing has limits of its own, checked before the first frame: at most
:data:`MAX_FULL_POSITIONS` window positions of one op play in full (checked with the shapes, so
the timeline is never built for millions of steps), a video lasts at most
:data:`MAX_VIDEO_SECONDS`, and a render draws at most :data:`MAX_PIXELS_DRAWN` pixels (frames
times frame size, which is what drawing time follows).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from convanim.errors import SpecError
from convanim.spec.ops import op_def

if TYPE_CHECKING:
    from convanim.spec.models import OpSpec, SceneSpec, SourceInfo, YamlPath

__all__ = [
    "MAX_ELEMENTS",
    "MAX_FULL_POSITIONS",
    "MAX_MACS",
    "MAX_PIXELS_DRAWN",
    "MAX_VIDEO_SECONDS",
    "OpWork",
    "check_elements",
    "check_full_positions",
    "check_macs",
    "check_video",
    "op_work",
]

#: Most elements any one tensor or buffer may have (2**25 = 33,554,432; 256 MiB of float64).
MAX_ELEMENTS = 2**25
#: Most multiply-accumulates one op may do (2 * 10**10).
MAX_MACS = 2 * 10**10

#: Most window positions of one op that play in full (``animation.full_positions``).
MAX_FULL_POSITIONS = 1000
#: Longest video, in seconds (10 minutes).
MAX_VIDEO_SECONDS = 600.0
#: Most pixels one render may draw: frames x width x height. About half an hour of drawing and
#: encoding on two cores: 80 s of video at 3840x2160@60, 5 minutes at 1920x1080@60.
MAX_PIXELS_DRAWN = 40 * 10**9

_ADVICE = "use a smaller input or fewer channels"


class FrameRate(Protocol):
    """Frame size and rate of a video (what an output quality preset gives)."""

    @property
    def width(self) -> int: ...  # noqa: D102
    @property
    def height(self) -> int: ...  # noqa: D102
    @property
    def fps(self) -> int: ...  # noqa: D102


@dataclass(frozen=True)
class OpWork:
    """Sizes that decide whether an op can be computed: output and buffer elements, MACs.

    Attributes
    ----------
    output : int
        Elements of the op's output.
    buffer : int
        Elements of the largest temporary the engine builds (unfolded windows).
    macs : int
        The op's multiply-accumulates by the counting convention.
    """

    output: int
    buffer: int
    macs: int


def op_work(op: OpSpec, input_shape: Sequence[int]) -> OpWork:
    """The sizes of what computing ``op`` on ``input_shape`` allocates and does.

    The output and the buffer come from the op's definition, the MACs are the op's counted
    MACs (the one definition ``inspect`` reports too).

    Parameters
    ----------
    op : OpSpec
        A validated op.
    input_shape : sequence of int
        The op's input shape, batch included.
    """
    shape = tuple(int(s) for s in input_shape)
    definition = op_def(op)
    out = definition.output_shape(op, shape)
    output = math.prod(max(s, 0) for s in out)
    if any(s < 1 for s in out[2:]):  # the kernel does not fit: reported by the chain check
        return OpWork(output=output, buffer=0, macs=0)
    buffer = definition.work_buffer(op, shape)
    return OpWork(output=output, buffer=buffer, macs=definition.cost(op, shape).macs)


def _raise(message: str, source: SourceInfo | None, path: YamlPath) -> None:
    if source is not None:
        raise source.error(path, message)
    from convanim.spec.models import format_path

    raise SpecError(message, path=format_path(path) or None)


def check_elements(
    count: int,
    what: str,
    *,
    advice: str = _ADVICE,
    source: SourceInfo | None = None,
    path: YamlPath = (),
) -> None:
    """Refuse a tensor of ``count`` elements above :data:`MAX_ELEMENTS`.

    Parameters
    ----------
    count : int
        Number of elements the tensor would have.
    what : str
        What the tensor is, e.g. ``"the output of ops[2]"``.
    advice : str
        How to get under the limit.
    source, path :
        Where to point the error in the YAML.

    Raises
    ------
    SpecError
        ``"the output of ops[2] would have 411,041,792 elements; the limit is 33,554,432: use
        a smaller input or fewer channels"``.
    """
    if count > MAX_ELEMENTS:
        _raise(
            f"{what} would have {count:,} elements; the limit is {MAX_ELEMENTS:,}: {advice}",
            source,
            path,
        )


def check_macs(
    macs: int,
    what: str,
    *,
    advice: str = _ADVICE,
    source: SourceInfo | None = None,
    path: YamlPath = (),
) -> None:
    """Refuse an op of more than :data:`MAX_MACS` multiply-accumulates (see check_elements)."""
    if macs > MAX_MACS:
        _raise(
            f"{what} would need {macs:,} multiply-accumulates; the limit is {MAX_MACS:,}: {advice}",
            source,
            path,
        )


def _positions(shape: Sequence[int]) -> int:
    """Window positions over a tensor: the product of its spatial sizes."""
    return math.prod(int(s) for s in shape[2:])


def check_full_positions(spec: SceneSpec, chain: Sequence[Sequence[int]]) -> None:
    """Refuse ``animation.full_positions`` that would play over :data:`MAX_FULL_POSITIONS`
    window positions of one op in full.

    A position played in full is a beat of its own (about a second), so this bounds both the
    video and the work of building its timeline. A large ``full_positions`` on small tensors
    (meaning "all of them") is fine.

    Parameters
    ----------
    spec : SceneSpec
        The spec (its ``animation`` and the YAML positions).
    chain : sequence of shapes
        The shapes along the chain, input first (see ``validate_chain``).

    Raises
    ------
    SpecError
        ``"animation.full_positions: 3,844 window positions of ops[0] would play in full; the
        limit is 1,000: ..."``.
    """
    full = int(spec.animation.full_positions)
    if full <= MAX_FULL_POSITIONS:
        return
    for index, op in enumerate(spec.ops):
        # A transposed conv steps over its input (scatter view); the others over their output.
        over = chain[index] if op_def(op).steps_over_input else chain[index + 1]
        positions = _positions(over)
        played = min(full, positions)
        if played > MAX_FULL_POSITIONS:
            _raise(
                f"{played:,} window positions of ops[{index}] would play in full; the limit is "
                f"{MAX_FULL_POSITIONS:,}: lower animation.full_positions (the other positions "
                "fast-forward) or use a smaller input",
                spec.source,
                ("animation", "full_positions"),
            )


def _duration_text(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.0f} s"
    minutes = seconds / 60
    if minutes < 120:
        return f"{minutes:,.0f} min"
    return f"{minutes / 60:,.1f} h"


def _video_cause(spec: SceneSpec) -> tuple[YamlPath, str]:
    """The YAML path that makes a video long, and what to change there."""
    animation = spec.animation
    if animation.op_duration:
        return ("animation", "op_duration"), "lower animation.op_duration"
    if "full_positions" in animation.model_fields_set and animation.full_positions > 3:
        return (
            ("animation", "full_positions"),
            "lower animation.full_positions (the other positions fast-forward)",
        )
    return ("ops",), "split the chain into several specs, or set animation.op_duration"


def check_video(spec: SceneSpec, duration: float, quality: FrameRate) -> None:
    """Refuse a video that would be too long or take too long to draw, before the first frame.

    Parameters
    ----------
    spec : SceneSpec
        The spec (to name the YAML path that makes the video long).
    duration : float
        The timeline's duration in seconds.
    quality : FrameRate
        Frame size and rate (an output quality preset).

    Raises
    ------
    SpecError
        Over :data:`MAX_VIDEO_SECONDS` of video, or over :data:`MAX_PIXELS_DRAWN` pixels to draw
        (the message gives the longest video the quality allows and a lower quality to use).
    """
    path, advice = _video_cause(spec)
    if not math.isfinite(duration) or duration > MAX_VIDEO_SECONDS:
        _raise(
            f"the video would last {_duration_text(duration)}; the limit is "
            f"{_duration_text(MAX_VIDEO_SECONDS)}: {advice}",
            spec.source,
            path,
        )
    frames = max(1, math.ceil(duration * quality.fps))
    pixels = frames * quality.width * quality.height
    if pixels > MAX_PIXELS_DRAWN:
        longest = MAX_PIXELS_DRAWN / (quality.fps * quality.width * quality.height)
        _raise(
            f"the video would have {frames:,} frames of {quality.width}x{quality.height} "
            f"({_duration_text(duration)} at {quality.fps} fps), too many to draw; at this "
            f"quality the limit is {_duration_text(longest)} of video: use a lower quality "
            f"(-q m or -q l) or a shorter video ({advice})",
            spec.source,
            path,
        )
