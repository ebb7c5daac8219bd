"""MP4, WebM, PNG poster and PNG sequence: codec, pixel format, size, rate, frame count, content."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from convanim.errors import ConvanimError
from convanim.output import open_writer, probe
from convanim.output.still import sequence_name
from convanim.output.x264_cpu import asm_without_avx512

from .test_output_support import BOX_COLORS, moving_boxes, temp_leftovers


def _write(path: Path, fmt: str, frames: list[np.ndarray], fps: int = 15, **options: object):
    height, width = frames[0].shape[:2]
    with open_writer(path, fmt, width, height, fps, **options) as writer:  # type: ignore[arg-type]
        for frame in frames:
            writer.write(frame)
        return writer.close()


def _decode_first(path: Path, codec: str | None = None) -> np.ndarray:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if codec is None:
            frame = next(container.decode(stream))
            return frame.to_ndarray(format="rgb24")
        ctx = av.codec.CodecContext.create(codec, "r")
        for packet in container.demux(stream):
            for frame in ctx.decode(packet):  # type: ignore[attr-defined]
                return frame.to_ndarray(format="rgba")
    raise AssertionError("no frame decoded")


def test_mp4_is_h264_yuv420p_with_faststart(tmp_path: Path) -> None:
    frames = list(moving_boxes(30))
    report = _write(tmp_path / "out" / "a.mp4", "mp4", frames)
    assert report.path == tmp_path / "out" / "a.mp4"
    assert (report.format, report.frames, report.fps, report.width, report.height) == (
        "mp4", 30, 15.0, 160, 90,
    )  # fmt: skip
    assert report.bytes == report.path.stat().st_size > 0
    info = probe(report.path)
    assert (info.codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", 160, 90)
    assert info.fps == 15.0
    assert info.frames == 30
    assert info.duration == pytest.approx(2.0, abs=0.01)
    data = report.path.read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat"), "faststart: the index must come first"
    assert temp_leftovers(report.path.parent) == []


def test_mp4_colours_survive_encoding(tmp_path: Path) -> None:
    frames = list(moving_boxes(3, 320, 180))
    report = _write(tmp_path / "a.mp4", "mp4", frames)
    rgb = _decode_first(report.path).astype(int)
    side = 180 // 6
    # Inside the first box (away from edges) and in the background.
    box = rgb[2 + 4 : 2 + side - 4, 4 : side - 4].reshape(-1, 3).mean(axis=0)
    assert np.abs(box - BOX_COLORS[0]).max() <= 4
    assert np.abs(rgb[170, 300] - frames[0][170, 300, :3]).max() <= 4


def test_odd_sizes_are_padded_to_even(tmp_path: Path) -> None:
    frames = list(moving_boxes(5, 161, 91))
    report = _write(tmp_path / "odd.mp4", "mp4", frames)
    assert (report.width, report.height) == (162, 92)
    info = probe(report.path)
    assert (info.width, info.height, info.frames) == (162, 92, 5)


def test_webm_is_vp9(tmp_path: Path) -> None:
    report = _write(tmp_path / "a.webm", "webm", list(moving_boxes(20)), fps=30)
    info = probe(report.path)
    assert (info.codec, info.pix_fmt, info.width, info.height) == ("vp9", "yuv420p", 160, 90)
    assert (info.fps, info.frames, info.alpha) == (30.0, 20, False)
    assert info.duration == pytest.approx(20 / 30, abs=0.01)


def test_transparent_webm_keeps_alpha(tmp_path: Path) -> None:
    frames = list(moving_boxes(6, alpha=0))
    report = _write(tmp_path / "a.webm", "webm", frames, transparent=True)
    info = probe(report.path)
    assert info.codec == "vp9" and info.alpha
    rgba = _decode_first(report.path, codec="libvpx-vp9")
    assert rgba[80, 150, 3] <= 8, "the background must stay transparent"
    side = 90 // 6
    assert rgba[2 + side // 2, side // 2, 3] >= 247, "the boxes must stay opaque"


def test_png_poster_is_the_last_frame(tmp_path: Path) -> None:
    from PIL import Image

    frames = list(moving_boxes(8))
    report = _write(tmp_path / "poster.png", "png", frames)
    assert (report.frames, report.width, report.height) == (1, 160, 90)
    with Image.open(report.path) as im:
        assert im.mode == "RGB"
        assert np.array_equal(np.asarray(im), frames[-1][:, :, :3])
    info = probe(report.path)
    assert (info.codec, info.frames, info.width, info.height) == ("png", 1, 160, 90)


def test_transparent_png_is_rgba(tmp_path: Path) -> None:
    from PIL import Image

    frames = list(moving_boxes(2, alpha=0))
    report = _write(tmp_path / "poster.png", "png", frames, transparent=True)
    with Image.open(report.path) as im:
        assert im.mode == "RGBA"
        assert np.array_equal(np.asarray(im), frames[-1])
    assert probe(report.path).alpha


def test_png_sequence_writes_numbered_frames(tmp_path: Path) -> None:
    from PIL import Image

    frames = list(moving_boxes(12))
    target = tmp_path / "seq"
    report = _write(target, "png-seq", frames)
    names = sorted(p.name for p in target.iterdir())
    assert names == [sequence_name(i) for i in range(12)]
    assert names[0] == "frame_000000.png"
    with Image.open(target / sequence_name(7)) as im:
        assert np.array_equal(np.asarray(im), frames[7][:, :, :3])
    assert report.frames == 12
    assert report.bytes == sum(p.stat().st_size for p in target.iterdir())
    info = probe(target)
    assert (info.codec, info.frames, info.width, info.height) == ("png", 12, 160, 90)
    assert temp_leftovers(tmp_path) == []


def test_png_sequence_replaces_an_old_folder(tmp_path: Path) -> None:
    target = tmp_path / "seq"
    target.mkdir()
    (target / "stale.png").write_bytes(b"old")
    _write(target, "png-seq", list(moving_boxes(3)))
    assert sorted(p.name for p in target.iterdir()) == [sequence_name(i) for i in range(3)]
    assert temp_leftovers(tmp_path) == []


def test_bad_frames_are_refused(tmp_path: Path) -> None:
    with open_writer(tmp_path / "a.mp4", "mp4", 160, 90, 15) as writer:
        with pytest.raises(ValueError, match=r"shape \(90, 160, 4\) or \(90, 160, 3\)"):
            writer.write(np.zeros((90, 161, 4), np.uint8))
        with pytest.raises(ValueError, match="uint8"):
            writer.write(np.zeros((90, 160, 4), np.float32))
        writer.write(np.zeros((90, 160, 3), np.uint8))
        report = writer.close()
    assert report.frames == 1
    assert writer.close() is report, "closing twice returns the same report"
    with pytest.raises(ConvanimError, match="already closed"):
        writer.write(np.zeros((90, 160, 4), np.uint8))


def test_closing_without_frames_is_an_error(tmp_path: Path) -> None:
    writer = open_writer(tmp_path / "a.mp4", "mp4", 160, 90, 15)
    with pytest.raises(ConvanimError, match="no frames were written"):
        writer.close()
    assert list(tmp_path.iterdir()) == []


def _luma_psnr(decoded: list[np.ndarray], sources: list[np.ndarray]) -> np.ndarray:
    """PSNR (dB) per frame of decoded luma planes against the sources' luma (both (H, W))."""
    mse = np.array(
        [
            np.mean((a.astype(float) - b.astype(float)) ** 2)
            for a, b in zip(decoded, sources, strict=True)
        ]
    )
    return 10 * np.log10(255.0**2 / np.maximum(mse, 1e-9))


@pytest.mark.render
def test_mp4_keeps_rendered_frames_visually_lossless(tmp_path: Path) -> None:
    """The encoder settings are a speed/quality choice: guard the quality on real frames.

    Frames of the standard conv (cubes, thin gaps, text) at 854×480 are encoded with the MP4
    settings and decoded again; luma PSNR against the drawn frames stays far above what the eye
    can tell (about 45 dB): 52.5 dB on average and 50.8 dB at worst when the settings were chosen.
    """
    import av
    from av.video.reformatter import ColorRange, Colorspace

    from convanim.engine import plan
    from convanim.renderer.manim.frames import FrameFormat, FrameRenderer
    from convanim.spec import load
    from convanim.storyboard import build

    scene = Path(__file__).resolve().parent.parent / "scenes" / "standard_conv.yaml"
    renderer = FrameRenderer(build(plan(load(scene))), FrameFormat(854, 480, 15))
    frames = list(renderer.frames(20, 60))
    report = _write(tmp_path / "a.mp4", "mp4", frames)

    def luma(frame: np.ndarray) -> np.ndarray:
        converted = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), "rgba").reformat(
            format="yuv420p", dst_colorspace=Colorspace.ITU709, dst_color_range=ColorRange.MPEG
        )
        return converted.to_ndarray()[:480]

    with av.open(str(report.path)) as container:
        decoded = [f.to_ndarray(format="yuv420p")[:480] for f in container.decode(video=0)]
    psnr = _luma_psnr(decoded, [luma(f) for f in frames])
    assert len(decoded) == len(frames)
    assert psnr.mean() >= 49.0, psnr
    assert psnr.min() >= 46.0, psnr


def test_encoder_threads_reach_x264(tmp_path: Path) -> None:
    """``threads=1`` (what parallel renders ask for) is what x264 runs with."""
    frames = list(moving_boxes(10))
    report = _write(tmp_path / "a.mp4", "mp4", frames, threads=1)
    assert b" threads=1 lookahead_threads=1 " in report.path.read_bytes()
    assert probe(report.path).frames == 10


def test_x264_capabilities_without_avx512() -> None:
    line = "using cpu capabilities: MMX2 SSE2Fast SSSE3 SSE4.2 AVX FMA3 BMI2 AVX2 AVX512\n"
    assert asm_without_avx512(line) == "asm=MMX2,SSE2Fast,SSSE3,SSE4.2,AVX,FMA3,BMI2,AVX2"
    assert asm_without_avx512("using cpu capabilities: MMX2 SSE2Fast SSSE3 AVX2\n") is None
    assert asm_without_avx512("using cpu capabilities: none!\n") is None
    assert asm_without_avx512("profile High, level 3.0, 4:2:0, 8-bit\n") is None


def test_mp4_writer_runs_x264_without_avx512(tmp_path: Path) -> None:
    """x264's AVX-512 code made MP4 bytes depend on stale memory (convanim/output/x264_cpu.py).

    The capabilities the writer's x264 logs never include AVX-512, and they are the detected
    ones otherwise: the line of an encoder opened without the setting, minus ``AVX512``.
    """
    import av
    import av.logging

    from convanim.output.x264_cpu import _open_probe_encoder

    level = av.logging.get_level()
    av.logging.set_level(av.logging.INFO)
    try:
        with av.logging.Capture() as detected:
            _open_probe_encoder(av)
        with av.logging.Capture() as used:
            _write(tmp_path / "a.mp4", "mp4", list(moving_boxes(3)))
    finally:
        av.logging.set_level(level)

    def capabilities(logs: list[tuple[int, str, str]]) -> list[str]:
        lines = [m for _, name, m in logs if name == "libx264" and "cpu capabilities" in m]
        assert len(lines) == 1, logs
        return lines[0].split(":", 1)[1].split()

    assert capabilities(used) == [n for n in capabilities(detected) if n != "AVX512"]
