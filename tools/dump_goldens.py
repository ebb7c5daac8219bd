"""Write the stored frame goldens (and failed renders, with a diff) to PNG files to look at.

Usage: python tools/dump_goldens.py [OUT_DIR]   (default: media/goldens)

Also writes ``contact_sheet.png``: every golden frame, labelled, in one picture.
"""

from __future__ import annotations

import io
import lzma
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

GOLDENS = Path(__file__).resolve().parent.parent / "tests" / "goldens"
SUFFIX = ".npy.xz"
SHEET_COLUMNS = 3


def _load(path: Path) -> np.ndarray:
    """Frames stored by tests/frame_harness.py (``np.save`` bytes, xz-compressed)."""
    return np.load(io.BytesIO(lzma.decompress(path.read_bytes())), allow_pickle=False)


def contact_sheet(tiles: list[tuple[str, np.ndarray]]) -> Image.Image:
    """The frames in a grid, each with its name above it."""
    height, width = tiles[0][1].shape[:2]
    rows = (len(tiles) + SHEET_COLUMNS - 1) // SHEET_COLUMNS
    sheet = Image.new("RGB", (SHEET_COLUMNS * (width + 4), rows * (height + 14)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (label, frame) in enumerate(tiles):
        x, y = (i % SHEET_COLUMNS) * (width + 4), (i // SHEET_COLUMNS) * (height + 14)
        draw.text((x + 2, y + 1), label, fill="black")
        sheet.paste(Image.fromarray(frame[..., :3]), (x, y + 14))
    return sheet


def main(argv: list[str]) -> int:
    """Dump every golden frame; for each failed render also the new frame and |diff| x 8."""
    out = Path(argv[0]) if argv else Path("media/goldens")
    out.mkdir(parents=True, exist_ok=True)
    tiles: list[tuple[str, np.ndarray]] = []
    for path in sorted((GOLDENS / "frames").glob(f"*{SUFFIX}")):
        name = path.name[: -len(SUFFIX)]
        frames = _load(path)
        failed_path = GOLDENS / "failed" / path.name
        failed = _load(failed_path) if failed_path.exists() else None
        for i, frame in enumerate(frames):
            tiles.append((f"{name} [{i}]", frame))
            Image.fromarray(frame).save(out / f"{name}_{i}.png")
            if failed is not None and failed.shape == frames.shape:
                Image.fromarray(failed[i]).save(out / f"{name}_{i}_new.png")
                diff = np.abs(failed[i].astype(np.int16) - frame.astype(np.int16)) * 8
                Image.fromarray(np.clip(diff, 0, 255).astype(np.uint8)).save(
                    out / f"{name}_{i}_diff.png"
                )
    if tiles:
        contact_sheet(tiles).save(out / "contact_sheet.png")
    print(f"wrote PNGs to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
