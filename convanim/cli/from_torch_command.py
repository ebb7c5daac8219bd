"""``convanim from-torch FILE.py:NAME --input-shape 1,3,32,32``: a PyTorch module -> a spec.

The conversion is :func:`convanim.importers.export_torch`; this module only reads the options and
prints what was written. It runs FILE.py, like ``python FILE.py`` would: only for files you trust.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["from_torch_command"]


def _shape(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, ...]:
    parts = [p.strip() for p in value.replace("x", ",").split(",")]
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        raise click.BadParameter(f"expected sizes like 1,3,32,32, got {value!r}") from None
    if not 1 <= len(sizes) <= 5 or any(s < 1 for s in sizes):
        raise click.BadParameter(f"expected 1 to 5 positive sizes like 1,3,32,32, got {value!r}")
    return sizes


@click.command("from-torch", short_help="Write a spec from a PyTorch module, with its weights.")
@click.argument("target", metavar="FILE.py:NAME")
@click.option(
    "--input-shape",
    required=True,
    callback=_shape,
    metavar="N,C,H,W",
    help="The input's shape, e.g. 1,3,32,32 (N,C,L for Conv1d; N,C,D,H,W for Conv3d; N,F for "
    "Linear).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="The spec to write (default: NAME in lower case + .yaml). The weights go to "
    "<stem>_weights/ beside it.",
)
@click.option(
    "--until",
    default=None,
    metavar="LAYER",
    help="Stop after this layer: a module path (features.3; a container such as features "
    "stops after its last layer) or a torch.fx node name (relu_1).",
)
@click.option(
    "--input-image",
    type=click.Path(path_type=Path),
    default=None,
    help="A PNG or JPEG picture as the input (copied into <stem>_weights/ when it is not in the "
    "spec's folder).",
)
def from_torch_command(
    target: str,
    input_shape: tuple[int, ...],
    output: Path | None,
    until: str | None,
    input_image: Path | None,
) -> None:
    """Write a spec of the PyTorch module NAME defined in FILE.py, with its real weights.

    NAME is an nn.Module class (called with no arguments), a function returning a module, or a
    module instance. The module is put in eval mode, traced with torch.fx, and its layers are
    written in execution order; the spec is then computed and compared with the module before it
    is put in place. Supported layers: Conv1d/2d/3d, ConvTranspose2d, MaxPool2d, AvgPool2d,
    ChannelShuffle, ReLU, Flatten, Linear, BatchNorm2d. Anything else stops the export (exit 2)
    with the node, its module path and source line: use --until to export the layers before it.

    FILE.py is run, as `python FILE.py` would run it: only use files you trust. Needs PyTorch
    (pip install 'convanim[torch]').
    """
    from convanim.importers import export_torch
    from convanim.output import install_signal_cleanup

    install_signal_cleanup()  # SIGTERM / SIGINT remove the staging folder
    result = export_torch(target, input_shape, output, until=until, input_image=input_image)
    click.echo(
        f"wrote {result.spec_path} ({len(result.ops)} ops; {result.files} files in "
        f"{result.spec_path.stem}_weights/)"
    )
    for index, op in enumerate(result.ops):
        click.echo(f"  ops[{index}]: {op}")
    if result.skipped:
        click.echo(f"  left out (no effect in eval mode): {', '.join(result.skipped)}")
    click.echo(
        f"the spec reproduces the module: largest difference {result.max_difference:.2g} (float64)"
    )
