"""Quality presets, format checks, size parsing and the report text."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from convanim.errors import UsageError
from convanim.output import ALL_FORMATS, FORMATS, QUALITIES, OutputReport, Quality, parse_size
from convanim.output.formats import GifAttempt, GifChoice, check_format, human_size


def test_quality_presets() -> None:
    assert {k: (q.width, q.height, q.fps) for k, q in QUALITIES.items()} == {
        "l": (854, 480, 15),
        "m": (1280, 720, 30),
        "h": (1920, 1080, 60),
        "k": (3840, 2160, 60),
    }
    assert all(q.name == k for k, q in QUALITIES.items())
    assert QUALITIES["l"].label == "854×480@15"
    with pytest.raises(dataclasses.FrozenInstanceError):
        QUALITIES["l"].fps = 30  # type: ignore[misc]
    assert Quality("x", 2, 2, 1) == Quality("x", 2, 2, 1)


def test_formats() -> None:
    assert FORMATS == ("mp4", "gif", "webm", "png")
    assert ALL_FORMATS == ("mp4", "gif", "webm", "png", "png-seq")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5MB", 5_000_000),
        ("5mb", 5_000_000),
        ("1.5 MB", 1_500_000),
        ("800KB", 800_000),
        ("800KiB", 819_200),
        ("2MiB", 2 * 1024 * 1024),
        ("1000", 1000),
        ("1000B", 1000),
        (" 3 kb ", 3000),
        (".5MB", 500_000),
    ],
)
def test_parse_size(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["5XB", "", "MB", "-5MB", "5 M B", "five MB", "1e6"])
def test_parse_size_rejects_bad_text(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_size(text)
    assert str(info.value) == (
        f"cannot read {text!r} as a size: use a number with a unit B, KB, MB, KiB or MiB, "
        "e.g. 5MB or 800KiB"
    )
    assert info.value.exit_code == 2


def test_parse_size_rejects_zero() -> None:
    with pytest.raises(UsageError, match="must be more than 0 bytes"):
        parse_size("0MB")


def test_check_format_messages() -> None:
    check_format("gif", max_bytes=10)
    check_format("webm", transparent=True)
    with pytest.raises(UsageError) as info:
        check_format("avi")
    assert str(info.value) == ("unknown output format 'avi'; allowed: mp4, gif, webm, png, png-seq")
    with pytest.raises(UsageError, match="transparent background needs webm, png or png-seq"):
        check_format("mp4", transparent=True)
    with pytest.raises(UsageError, match="applies to gif only, not mp4"):
        check_format("mp4", max_bytes=1000)
    with pytest.raises(UsageError, match="must be positive"):
        check_format("gif", max_bytes=0)


def test_human_size() -> None:
    assert human_size(999) == "999 B"
    assert human_size(4_812_345) == "4.81 MB"
    assert human_size(150_000) == "150 KB"
    assert human_size(1_500_000) == "1.5 MB"


def test_report_note_says_what_the_gif_chose() -> None:
    attempts = (
        GifAttempt(15.0, 1.0, 256, 7_000_000, False),
        GifAttempt(12.0, 0.85, 128, 4_900_000, True),
    )
    choice = GifChoice(12.0, 0.85, 726, 408, 128, 140, attempts)
    report = OutputReport(Path("a.gif"), "gif", 4_900_000, 137, 12.0, 726, 408, choice)
    assert report.note == (
        "GIF 12 fps, 726×408 (scale 0.85), 128 colours, 140 images, chosen after 2 tries"
    )
    assert OutputReport(Path("a.mp4"), "mp4", 10, 1, 15.0, 2, 2).note == ""
