"""Importers: specs written from other tools' models (``convanim from-torch``).

A layer above spec and engine: an importer writes a spec, then loads it and computes it with the
engine to check that it reproduces the model. ``torch`` is an optional dependency
(``convanim[torch]``), imported only when an export runs.
"""

from convanim.importers.export import INSTALL_HINT, ExportResult, export_torch, require_torch

__all__ = ["INSTALL_HINT", "ExportResult", "export_torch", "require_torch"]
