"""Write the stored frame goldens (and failed renders, with a diff) to PNG files to look at.

Usage: python tools/dump_goldens.py [OUT_DIR]   (default: media/goldens)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

GOLDENS = Path(__file__).resolve().parent.parent / "tests" / "goldens"


def main(argv: list[str]) -> int:
    """Dump every golden frame; for each failed render also the new frame and |diff| x 8."""
    out = Path(argv[0]) if argv else Path("media/goldens")
    out.mkdir(parents=True, exist_ok=True)
    for npz in sorted((GOLDENS / "frames").glob("*.npz")):
        frames = np.load(npz)["frames"]
        failed_path = GOLDENS / "failed" / npz.name
        failed = np.load(failed_path)["frames"] if failed_path.exists() else None
        for i, frame in enumerate(frames):
            Image.fromarray(frame).save(out / f"{npz.stem}_{i}.png")
            if failed is not None and failed.shape == frames.shape:
                Image.fromarray(failed[i]).save(out / f"{npz.stem}_{i}_new.png")
                diff = np.abs(failed[i].astype(np.int16) - frame.astype(np.int16)) * 8
                diff[..., 3] = 255
                Image.fromarray(np.clip(diff, 0, 255).astype(np.uint8)).save(
                    out / f"{npz.stem}_{i}_diff.png"
                )
    print(f"wrote PNGs to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
