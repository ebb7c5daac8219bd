"""``python -m convanim``: the same as the ``convanim`` command."""

from convanim.cli import main

main(prog_name="convanim")
