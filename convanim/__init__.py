"""convanim: 3D animations of convolution-family operations from a short YAML spec.

The Python API mirrors the command line::

    import convanim
    spec = convanim.load_spec("scenes/standard_conv.yaml")
    data = convanim.inspect(spec)                 # the same data as `convanim inspect --json`
    path = convanim.render(spec, format="gif")    # media/standard_conv.gif

Heavy modules (the engine's ops, manim, PyAV) load on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from convanim.errors import ConvanimError, ShapeError, SpecError, UsageError

if TYPE_CHECKING:
    from convanim.engine import Plan
    from convanim.spec import SceneSpec

__all__ = [
    "ConvanimError",
    "ShapeError",
    "SpecError",
    "UsageError",
    "inspect",
    "load_spec",
    "plan",
    "render",
]

__version__ = "0.1.0"


def load_spec(path: str | Path) -> SceneSpec:
    """Load and validate a YAML spec (raises :class:`SpecError` with file, line and YAML path)."""
    from convanim.spec import load

    return load(Path(path))


def _as_spec(spec_or_path: SceneSpec | str | Path) -> SceneSpec:
    if isinstance(spec_or_path, str | Path):
        return load_spec(spec_or_path)
    return spec_or_path


def plan(spec_or_path: SceneSpec | str | Path) -> Plan:
    """Compute every op of a spec (arrays, traces, costs, receptive field)."""
    from convanim.engine import plan as engine_plan

    return engine_plan(_as_spec(spec_or_path))


def inspect(spec_or_path: SceneSpec | str | Path, *, values: bool = False) -> dict[str, Any]:
    """The data ``convanim inspect --json [--values]`` prints, as a dict."""
    from convanim.report import plan_to_dict

    return plan_to_dict(plan(spec_or_path), values=values)


def render(
    spec_or_path: SceneSpec | str | Path,
    *,
    format: str = "mp4",
    quality: str = "l",
    output: str | Path | None = None,
    max_size: str | int | None = None,
    transparent: bool = False,
) -> Path:
    """Render a spec and return the path of the written file (default ``media/<stem>.<ext>``)."""
    from convanim.output import QUALITIES, parse_size
    from convanim.render import RenderJob, render_plan

    spec = _as_spec(spec_or_path)
    if output is None:
        stem = Path(spec.source.file).stem if spec.source.file else "scene"
        output = Path("media") / f"{stem}.{format}"
    if quality not in QUALITIES:
        raise UsageError(f"unknown quality {quality!r} (allowed: {', '.join(QUALITIES)})")
    max_bytes = parse_size(max_size) if isinstance(max_size, str) else max_size
    job = RenderJob(spec, Path(output), format, QUALITIES[quality], max_bytes, transparent)
    return Path(render_plan(plan(spec), job).path)
