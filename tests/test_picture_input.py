"""Pictures as ``input.values``: conversion to the shape's channels, resizing, scaling to [0, 1],
``input.normalize``, and the files refused before they are decoded (size, pixel count), or when
they cannot be decoded (corrupt, unsupported mode), each with a located message."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from convanim.engine import plan
from convanim.errors import SpecError
from convanim.spec import load
from convanim.spec.picture import MAX_PICTURE_BYTES, RESIZE_FILTER


def _spec(folder: Path, values: str, shape: str = "[3, 6, 8]", extra: str = "") -> Path:
    path = folder / "scene.yaml"
    path.write_text(
        f"input:\n  shape: {shape}\n  values: {values}\n{extra}"
        "ops:\n  - type: max_pool2d\n    kernel_size: 2\n",
        encoding="utf-8",
    )
    return path


def _picture(folder: Path) -> Image.Image:
    """A 16x12 RGB picture: a red left half, a blue right half, a white top row."""
    image = Image.new("RGB", (16, 12), (200, 20, 30))
    image.paste((10, 40, 220), (8, 0, 16, 12))
    image.paste((255, 255, 255), (0, 0, 16, 1))
    image.save(folder / "pic.png")
    return image


def _error(path: Path) -> str:
    with pytest.raises(SpecError) as info:
        load(path)
    return str(info.value)


def test_an_rgb_picture_is_resized_and_scaled(tmp_path: Path) -> None:
    image = _picture(tmp_path)
    p = plan(load(_spec(tmp_path, "pic.png")))
    expected = np.asarray(image.resize((8, 6), RESIZE_FILTER), dtype=np.float64) / 255
    assert p.input.shape == (1, 3, 6, 8)
    np.testing.assert_allclose(p.input[0], expected.transpose(2, 0, 1))
    assert p.input.min() >= 0 and p.input.max() <= 1
    red, blue = p.input[0, 0], p.input[0, 2]
    assert red[3, 1] > 0.7 > blue[3, 1] and blue[3, 6] > 0.7 > red[3, 6]


def test_a_grayscale_picture_and_a_batch(tmp_path: Path) -> None:
    image = _picture(tmp_path)
    p = plan(load(_spec(tmp_path, "pic.png", shape="[2, 1, 6, 8]")))
    grey = np.asarray(image.convert("L").resize((8, 6), RESIZE_FILTER), dtype=np.float64) / 255
    assert p.input.shape == (2, 1, 6, 8)
    np.testing.assert_allclose(p.input[0, 0], grey)
    np.testing.assert_array_equal(p.input[0], p.input[1])


def test_a_jpeg_with_imagenet_normalisation(tmp_path: Path) -> None:
    _picture(tmp_path).save(tmp_path / "pic.JPG", quality=95)
    extra = "  normalize: imagenet\n"
    raw = plan(load(_spec(tmp_path, "pic.JPG"))).input
    norm = plan(load(_spec(tmp_path, "pic.JPG", extra=extra))).input
    mean = np.array([0.485, 0.456, 0.406]).reshape(3, 1, 1)
    std = np.array([0.229, 0.224, 0.225]).reshape(3, 1, 1)
    np.testing.assert_allclose(norm[0], (raw[0] - mean) / std)


def test_own_mean_and_std(tmp_path: Path) -> None:
    _picture(tmp_path)
    extra = "  normalize: {mean: [0.5], std: [0.25]}\n"
    raw = plan(load(_spec(tmp_path, "pic.png"))).input
    norm = plan(load(_spec(tmp_path, "pic.png", extra=extra))).input
    np.testing.assert_allclose(norm, (raw - 0.5) / 0.25)


def test_transparent_pixels_are_laid_on_white(tmp_path: Path) -> None:
    Image.new("RGBA", (4, 4), (0, 0, 0, 0)).save(tmp_path / "clear.png")
    p = plan(load(_spec(tmp_path, "clear.png", shape="[3, 4, 4]")))
    np.testing.assert_allclose(p.input, 1.0)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` RGB pixels and holds (almost) none."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (11_000, 10_000, "is 11000x10000 = 110,000,000 pixels; the limit is 100,000,000"),
        (30_000, 30_000, "announces more than 100,000,000 pixels (a decompression bomb?)"),
    ],
)
def test_too_many_pixels_is_refused_from_the_header(
    tmp_path: Path, width: int, height: int, expected: str
) -> None:
    (tmp_path / "bomb.png").write_bytes(_png_header(width, height))
    message = _error(_spec(tmp_path, "bomb.png"))
    assert message.startswith(f"{tmp_path / 'scene.yaml'}:3:11: input.values: picture 'bomb.png'")
    assert expected in message


def test_a_file_over_50_mb_is_refused_unread(tmp_path: Path) -> None:
    with (tmp_path / "huge.png").open("wb") as fh:
        fh.write(_png_header(8, 8))
        fh.truncate(MAX_PICTURE_BYTES + 1)  # sparse: nothing written
    assert _error(_spec(tmp_path, "huge.png")).endswith(
        "input.values: picture 'huge.png' is 52.4 MB; the limit is 52 MB: use a smaller file"
    )


def test_corrupt_unsupported_and_wrong_channels(tmp_path: Path) -> None:
    _picture(tmp_path)
    whole = (tmp_path / "pic.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(whole[: len(whole) - 30])
    assert "input.values: picture 'cut.png' is corrupt or truncated" in _error(
        _spec(tmp_path, "cut.png")
    )
    (tmp_path / "text.png").write_text("not a picture", encoding="utf-8")
    assert "input.values: 'text.png' is not a readable PNG or JPEG picture" in _error(
        _spec(tmp_path, "text.png")
    )
    Image.new("I;16", (4, 4)).save(tmp_path / "deep.png")
    assert _error(_spec(tmp_path, "deep.png")).endswith(
        "input.values: picture 'deep.png' has the unsupported mode 'I;16' (not 8-bit grayscale "
        "or colour); save it as an 8-bit PNG or a JPEG"
    )
    assert _error(_spec(tmp_path, "pic.png", shape="[4, 6, 8]")).endswith(
        "input.values: a picture gives 1 channel (grayscale) or 3 (RGB), but input.shape has 4 "
        "channels; write 1 or 3"
    )


def test_normalize_mistakes(tmp_path: Path) -> None:
    _picture(tmp_path)
    bad_len = "  normalize: {mean: [0.5, 0.5], std: [1, 1]}\n"
    assert _error(_spec(tmp_path, "pic.png", extra=bad_len)).endswith(
        "input.normalize: mean has 2 numbers; the picture has 3 channels: give 3 (one per "
        "channel) or 1"
    )
    assert _error(_spec(tmp_path, "random", extra="  normalize: imagenet\n")).endswith(
        "input.normalize: normalize applies to a picture in input.values (a .png or .jpg path); "
        "remove it or give a picture"
    )
    assert _error(_spec(tmp_path, "pic.png", extra="  normalize: imagenett\n")).endswith(
        "input.normalize: expected none, imagenet or {mean: [...], std: [...]}, got "
        "'imagenett' (did you mean 'imagenet'?)"
    )
    zero_std = "  normalize: {mean: [0.5], std: [0]}\n"
    assert _error(_spec(tmp_path, "pic.png", extra=zero_std)).endswith(
        "input.normalize.std[0]: a standard deviation must be > 0, got 0.0"
    )
    assert _error(_spec(tmp_path, "pic.gif")).endswith(
        "input.values: expected random, zeros, ones, arange, a nested list of numbers, a path to "
        "a .npy file or a PNG/JPEG picture, got 'pic.gif'"
    )
