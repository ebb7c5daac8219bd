"""The ``convanim`` command line.

Every subcommand runs inside one error policy (docs/design.md §4.3):

- a :class:`~convanim.errors.ConvanimError` prints ``convanim: error: <message>`` on stderr and
  exits with its ``exit_code`` (2 for spec and usage errors);
- click's own usage errors exit 2;
- anything else is a bug: one line ``convanim: internal error: ...`` and exit 1 (the traceback
  too when the environment sets ``CONVANIM_DEBUG=1``).

Commands are added to :data:`main` with ``main.add_command(...)``; manim is never imported here.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from convanim.errors import ConvanimError
from convanim.version import version

__all__ = ["ConvanimGroup", "inspect_command", "main", "schema_command", "version"]


def _debug() -> bool:
    return os.environ.get("CONVANIM_DEBUG", "") not in ("", "0")


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class ConvanimGroup(click.Group):
    """A click group turning exceptions into the exit codes and messages of docs/design.md §4.3."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand; report errors on stderr and exit with the right code."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except ConvanimError as err:
            click.echo(f"convanim: error: {err}", err=True)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("convanim: interrupted", err=True)
            ctx.exit(130)
        except SystemExit as exc:  # raised by the SIGTERM handler as 128 + signal number
            if isinstance(exc.code, int) and exc.code > 128:
                click.echo(f"convanim: stopped by {_signal_name(exc.code - 128)}", err=True)
            raise
        except Exception as exc:  # the one place that catches everything
            if _debug():
                traceback.print_exc(file=sys.stderr)
            message = " ".join(f"{type(exc).__name__}: {exc}".split())
            hint = "" if _debug() else " (set CONVANIM_DEBUG=1 for the traceback)"
            click.echo(f"convanim: internal error: {message}{hint}", err=True)
            ctx.exit(1)


@click.group(cls=ConvanimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version(), "--version", prog_name="convanim", message="%(prog)s %(version)s")
def main() -> None:
    """Turn a YAML description of a tensor and a chain of convolution-family ops into a 3D
    animation, with every number computed by a NumPy engine that agrees with PyTorch."""


@main.command("inspect")
@click.argument("spec_path", metavar="SPEC", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object to stdout.")
@click.option(
    "--values",
    is_flag=True,
    help="With --json: include the input values, weights, biases and outputs as nested lists.",
)
def inspect_command(spec_path: Path, as_json: bool, values: bool) -> None:
    """Show what SPEC computes: per op the shape table (Input / Kernel / Output), the output-size
    formula with the numbers, params / MACs / FLOPs and the receptive field."""
    from convanim.cli.report import format_plan
    from convanim.engine import plan
    from convanim.engine.report import plan_to_dict
    from convanim.spec import load

    the_plan = plan(load(spec_path))
    if as_json:
        click.echo(json.dumps(plan_to_dict(the_plan, values=values)))
        return
    if values:
        click.echo("note: --values only changes the --json output", err=True)
    click.echo(format_plan(the_plan))


@main.command("schema", short_help="Print the JSON Schema of a spec.")
def schema_command() -> None:
    """Print the JSON Schema of a spec (for editors with the YAML language server).

    The scenes point their editors at the committed copy, convanim-schema.json, with a
    yaml-language-server modeline on their first line.
    """
    from convanim.schema import schema_text

    click.echo(schema_text(), nl=False)


def _register_commands() -> None:
    from convanim.cli.cache_command import cache_command
    from convanim.cli.check_command import check_command
    from convanim.cli.from_torch_command import from_torch_command
    from convanim.cli.gallery_command import gallery_command
    from convanim.cli.render_command import render_command
    from convanim.cli.slides_command import slides_command

    main.add_command(render_command)
    main.add_command(gallery_command)
    main.add_command(check_command)
    main.add_command(slides_command)
    main.add_command(cache_command)
    main.add_command(from_torch_command)


_register_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
