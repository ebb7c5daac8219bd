"""The base of every spec model: frozen, unknown keys refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["SpecModel"]


class SpecModel(BaseModel):
    """A frozen pydantic model that refuses unknown keys (they are reported with a suggestion)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
