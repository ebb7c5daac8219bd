"""The JSON Schema of a spec, generated from the pydantic models.

Editors with the YAML language server read it through the modeline at the top of each scene
(``# yaml-language-server: $schema=../convanim-schema.json``) to validate and complete specs.
``convanim schema`` prints it; ``convanim-schema.json`` at the repository root is the same text,
kept equal by a test.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["SCHEMA_DIALECT", "SCHEMA_FILE", "SCHEMA_TITLE", "schema_text", "spec_schema"]

#: The JSON Schema dialect pydantic v2 generates.
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: Title of the schema, shown by editors.
SCHEMA_TITLE = "convanim scene spec"
#: File name of the committed schema at the repository root.
SCHEMA_FILE = "convanim-schema.json"


def spec_schema() -> dict[str, Any]:
    """The JSON Schema of a scene spec (what a YAML file may contain).

    Returns
    -------
    dict
        A JSON Schema (draft 2020-12) of :class:`convanim.spec.SceneSpec` in validation mode (the
        forms a user may write, e.g. ``kernel_size: 3`` as well as ``[3, 3]``), with ``$schema``,
        ``title`` and a ``description`` at the top.
    """
    from convanim.spec import SceneSpec

    generated = SceneSpec.model_json_schema(mode="validation")
    head: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "title": SCHEMA_TITLE,
        "description": (
            "A YAML description of a tensor and a chain of convolution-family ops, rendered by "
            "convanim into a 3D animation."
        ),
    }
    body = {key: value for key, value in generated.items() if key not in ("title", "description")}
    return {**head, **body}


def schema_text() -> str:
    """The schema as ``convanim schema`` prints it: indented JSON with a final newline."""
    return json.dumps(spec_schema(), indent=2, ensure_ascii=False) + "\n"
