"""The JSON Schema of the schema format, for editor completion and validation.

Generated from the same pydantic models that check the shape of schema files,
so the two never disagree on what keys exist.
"""

from __future__ import annotations

from typing import Any

from dyngen.schema.model import SchemaDecl

SCHEMA_ID = "https://dyngen.dev/schema/v1.json"


def schema_json() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a dyngen schema file."""
    document = SchemaDecl.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "dyngen schema (format version 1)",
        **document,
    }
