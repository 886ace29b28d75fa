"""What a lint rule yields: a code, where, and why."""

from __future__ import annotations

from dataclasses import dataclass

from dyngen.schema.source import Path


@dataclass(frozen=True)
class Finding:
    """One lint finding, located by its source path.

    ``entity`` names the entity the finding lies in (for entity-level
    ``lint: ignore``); ``at_key`` points at the mapping key instead of its value.
    """

    code: str
    path: Path
    message: str
    entity: str | None = None
    at_key: bool = False
