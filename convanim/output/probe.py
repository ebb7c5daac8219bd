"""``probe``: what a written file holds (codec, size, rate, frames, duration), read with PyAV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convanim.errors import ConvanimError

__all__ = ["MediaInfo", "probe"]


@dataclass(frozen=True)
class MediaInfo:
    """Facts about a video, GIF, PNG or PNG sequence.

    Attributes
    ----------
    codec : str
        Decoder name: ``"h264"``, ``"vp9"``, ``"gif"``, ``"png"``.
    width, height : int
        Frame size in pixels.
    fps : float
        Nominal frame rate; for GIF (variable delays) the stored images per second, and 0 for a
        PNG or PNG sequence.
    frames : int
        Stored frames (for GIF, images after holds were merged).
    duration : float
        Seconds (0 for stills).
    pix_fmt : str or None
        Pixel format of the stream (``"yuv420p"``, ``"rgba"``, ``"pal8"``...).
    alpha : bool
        True if the stream carries transparency (a VP9 alpha channel, an RGBA PNG).
    """

    codec: str
    width: int
    height: int
    fps: float
    frames: int
    duration: float
    pix_fmt: str | None
    alpha: bool = False


def probe(path: str | Path) -> MediaInfo:
    """Read the first video stream of ``path`` (a folder: a PNG sequence) without decoding it.

    Raises
    ------
    ConvanimError
        If the file is missing or not a readable media file.
    """
    path = Path(path)
    if path.is_dir():
        return _probe_sequence(path)
    import av

    try:
        container: Any = av.open(str(path))
    except (OSError, av.FFmpegError) as err:
        raise ConvanimError(f"cannot read {path}: {err}") from None
    with container:
        if not container.streams.video:
            raise ConvanimError(f"cannot read {path}: it has no video stream")
        stream = container.streams.video[0]
        ctx = stream.codec_context
        frames = 0
        ticks = 0
        for packet in container.demux(stream):
            if packet.size:
                frames += 1
                ticks += packet.duration or 0
        codec = ctx.name
        pix_fmt = ctx.pix_fmt
        # GIF decoders always give bgra; GIF transparency here only marks unchanged pixels.
        alpha = codec != "gif" and (
            stream.metadata.get("alpha_mode") == "1"
            or (pix_fmt or "").startswith(("rgba", "yuva", "bgra", "argb", "ya"))
        )
        if codec in ("png", "mjpeg") and frames <= 1:
            return MediaInfo(codec, ctx.width, ctx.height, 0.0, frames, 0.0, pix_fmt, alpha)
        if container.duration:
            duration = container.duration / 1_000_000
        else:
            duration = float(ticks * stream.time_base) if stream.time_base else 0.0
        if codec == "gif":
            duration = float(ticks * stream.time_base) if stream.time_base else duration
            fps = frames / duration if duration else 0.0
        else:
            rate = stream.average_rate or stream.guessed_rate
            fps = float(rate) if rate else 0.0
        return MediaInfo(codec, ctx.width, ctx.height, fps, frames, duration, pix_fmt, alpha)


def _probe_sequence(folder: Path) -> MediaInfo:
    from PIL import Image

    files = sorted(folder.glob("*.png"))
    if not files:
        raise ConvanimError(f"cannot read {folder}: the folder holds no PNG files")
    with Image.open(files[0]) as first:
        width, height = first.size
        mode = first.mode
    pix_fmt = {"RGBA": "rgba", "RGB": "rgb24", "L": "gray", "P": "pal8"}.get(mode, mode.lower())
    return MediaInfo("png", width, height, 0.0, len(files), 0.0, pix_fmt, mode == "RGBA")
