"""Invalid schemas: each is reported as ``path:line:col: CODE`` and nothing is built.

Every case is a small complete schema that is valid except for one defect; the
expected line and column point at the offending key or value (1-based). Cases
the generator gets wrong are kept with the right expectation and marked as
strict xfails naming the gap.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli


def case(
    name: str,
    text: str | bytes,
    code: str,
    line: int | None,
    column: int | None,
    gap: str | None = None,
) -> Any:
    """One table row; ``gap`` marks a known generator gap as a strict xfail."""
    if isinstance(text, str):
        text = textwrap.dedent(text).lstrip("\n")
    marks = (
        [pytest.mark.xfail(strict=True, reason=f"generator gap: {gap}")] if gap else []
    )
    return pytest.param(name, text, code, line, column, id=name, marks=marks)


CASES = [
    # -- wrong value types ---------------------------------------------------
    case(
        "required_not_bool",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              email:
                type: str
                required: "yes"
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        12,
        19,
    ),
    case(
        "table_pk_int",
        """
        dyngen: 1
        table:
          name: app
          pk: 5
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        4,
        7,
    ),
    case(
        "entities_is_list",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities: [User]
        """,
        "DG001",
        6,
        11,
    ),
    case(
        "attributes_is_text",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes: user_id
            keys:
              primary:
                pk: USER
                sk: PROFILE
        """,
        "DG001",
        8,
        17,
    ),
    case(
        "unique_not_bool",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
            access_patterns:
              profile:
                index: primary
                unique: "yes"
        """,
        "DG001",
        17,
        17,
    ),
    case(
        "enum_values_not_text",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              level:
                type: enum
                values: [1, 2]
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        12,
        18,
    ),
    case(
        "filter_value_is_list",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              email: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
            access_patterns:
              profile:
                index: primary
                filter:
                  email: [a, b]
        """,
        "DG001",
        19,
        18,
    ),
    case(
        "index_kind_unknown",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            GSI1:
              kind: regional
              pk: GSI1PK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
              GSI1:
                pk: "USER#{user_id}"
        """,
        "DG001",
        8,
        13,
    ),
    case(
        "projection_unknown",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            GSI1:
              kind: global
              pk: GSI1PK
              projection: some
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
              GSI1:
                pk: "USER#{user_id}"
        """,
        "DG001",
        10,
        19,
    ),
    case(
        "default_factory_unknown",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              token:
                type: str
                default_factory: random
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        12,
        26,
    ),
    # -- unknown keys at every level -------------------------------------------
    case(
        "unknown_top_level_key",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        options: {}
        """,
        "DG001",
        14,
        1,
    ),
    case(
        "unknown_table_key",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          billing: on_demand
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        6,
        3,
    ),
    case(
        "unknown_index_key",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            GSI1:
              kind: global
              pk: GSI1PK
              projetion: all
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
              GSI1:
                pk: "USER#{user_id}"
        """,
        "DG001",
        10,
        7,
    ),
    case(
        "unknown_entity_key",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
            acces_patterns: {}
        """,
        "DG001",
        14,
        5,
    ),
    case(
        "unknown_attribute_key",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              nickname:
                type: str
                requred: false
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        12,
        9,
    ),
    case(
        "unknown_nested_attribute_key",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              address:
                type: object
                attributes:
                  city:
                    type: str
                    nullable: true
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        15,
        13,
    ),
    case(
        "unknown_key_template_key",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
                gsi_pk: OTHER
        """,
        "DG001",
        14,
        9,
    ),
    case(
        "unknown_access_pattern_key",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
            access_patterns:
              profile:
                index: primary
                sort: desc
        """,
        "DG001",
        17,
        9,
    ),
    case(
        "unknown_collection_key",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        collections:
          user_all:
            index: primary
            members: [User]
            limit: 10
        """,
        "DG001",
        18,
        5,
    ),
    case(
        "unknown_lint_key",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        lint:
          disable: [DG101]
        """,
        "DG001",
        15,
        3,
    ),
    # -- missing required keys -------------------------------------------------
    case(
        "missing_dyngen",
        """
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        1,
        1,
    ),
    case(
        "missing_table",
        """
        dyngen: 1
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
        """,
        "DG001",
        1,
        1,
    ),
    case(
        "missing_entities",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        """,
        "DG001",
        1,
        1,
    ),
    case(
        # Points at the mapping that lacks the key: the value of User.
        "missing_attributes",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            keys:
              primary:
                pk: USER
                sk: PROFILE
        """,
        "DG001",
        8,
        5,
    ),
    case(
        "missing_table_pk",
        """
        dyngen: 1
        table:
          name: app
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        3,
        3,
    ),
    case(
        "missing_index_kind",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            GSI1: {pk: GSI1PK, sk: GSI1SK}
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
              GSI1:
                pk: "USER#{user_id}"
                sk: USER
        """,
        "DG001",
        7,
        11,
    ),
    case(
        "missing_access_pattern_index",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
            access_patterns:
              profile: {unique: true}
        """,
        "DG001",
        15,
        16,
    ),
    # -- format version -----------------------------------------------------------
    case(
        "format_version_2",
        """
        dyngen: 2
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        1,
        9,
    ),
    case(
        "format_version_text",
        """
        dyngen: "1"
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        1,
        9,
    ),
    # -- attribute types ------------------------------------------------------------
    case(
        "unknown_type",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              email: string
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        10,
        14,
    ),
    case(
        "set_of_float",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              scores:
                type: "set[float]"
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        11,
        15,
    ),
    case(
        "list_without_element",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              tags: "list[]"
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        10,
        13,
    ),
    case(
        "map_of_unknown",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              meta: "map[foo]"
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        10,
        13,
    ),
    case(
        "enum_without_values",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              status: enum
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        10,
        15,
    ),
    case(
        "enum_with_empty_values",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              status:
                type: enum
                values: []
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        12,
        17,
    ),
    case(
        "enum_duplicate_value",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              status:
                type: enum
                values:
                  - active
                  - active
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        14,
        13,
    ),
    case(
        "object_without_attributes",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              address: object
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        10,
        16,
    ),
    case(
        "list_of_object_without_attributes",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              lines: "list[object]"
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        10,
        14,
    ),
    case(
        "attributes_on_a_str",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              email:
                type: str
                attributes: {local: str}
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        12,
        21,
    ),
    case(
        "nested_attribute_unknown_type",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              address:
                type: object
                attributes:
                  zip: zipcode
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        13,
        16,
    ),
    case(
        "empty_alias",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              email:
                type: str
                alias: ""
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        12,
        16,
    ),
    case(
        "two_attributes_stored_alike",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              email: str
              mail:
                type: str
                alias: email
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        11,
        7,
    ),
    case(
        "attribute_stored_as_type_attribute",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              kind:
                type: str
                alias: _type
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        10,
        7,
    ),
    # -- defaults -------------------------------------------------------------------
    case(
        "default_of_wrong_type",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              logins:
                type: int
                default: "x"
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        12,
        18,
    ),
    case(
        "default_not_an_enum_value",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              status:
                type: enum
                values: [active, banned]
                default: deleted
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        13,
        18,
    ),
    case(
        "default_nonempty_set",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              tags:
                type: "set[str]"
                default: [a]
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        12,
        18,
    ),
    case(
        "default_factory_now_on_str",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              created:
                type: str
                default_factory: now
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        12,
        26,
    ),
    case(
        "default_and_default_factory",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              token:
                type: str
                default_factory: uuid4
                default: none
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        13,
        18,
    ),
    # -- key templates --------------------------------------------------------------
    case(
        "template_unbalanced_open",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id"
                sk: PROFILE
        """,
        "DG001",
        12,
        13,
    ),
    case(
        "template_unbalanced_close",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}}"
                sk: PROFILE
        """,
        "DG001",
        12,
        13,
    ),
    case(
        "template_empty_placeholder",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{}"
                sk: PROFILE
        """,
        "DG001",
        12,
        13,
    ),
    case(
        "template_empty",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: ""
        """,
        "DG001",
        13,
        13,
    ),
    case(
        "template_adjacent_placeholders",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              first: str
              last: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: "{first}{last}"
        """,
        "DG001",
        15,
        13,
    ),
    case(
        "template_pads_a_str",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id:08}"
                sk: PROFILE
        """,
        "DG001",
        12,
        13,
    ),
    case(
        "template_bad_pad_width",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: int
            keys:
              primary:
                pk: "USER#{user_id:8}"
                sk: PROFILE
        """,
        "DG001",
        12,
        13,
    ),
    case(
        "template_shard_zero",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            GSI1: {kind: global, pk: GSI1PK, sk: GSI1SK}
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
              GSI1:
                pk: "USERS#{shard(0)}"
                sk: "{user_id}"
        """,
        "DG001",
        17,
        13,
    ),
    case(
        "template_shard_in_primary_pk",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}#{shard(4)}"
                sk: PROFILE
        """,
        "DG001",
        12,
        13,
    ),
    case(
        "template_shard_in_global_sk",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            GSI1: {kind: global, pk: GSI1PK, sk: GSI1SK}
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
              GSI1:
                pk: USERS
                sk: "{user_id}#{shard(4)}"
        """,
        "DG001",
        18,
        13,
    ),
    case(
        "template_shard_in_local_sk",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            LSI1: {kind: local, sk: LSI1SK}
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
              LSI1:
                sk: "S#{shard(4)}"
        """,
        "DG001",
        17,
        13,
    ),
    case(
        "template_unknown_field",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_name}"
                sk: PROFILE
        """,
        "DG001",
        12,
        13,
    ),
    # -- DG003: key templates naming non-scalar or optional fields -----------------
    *(
        case(
            f"template_names_{label}",
            f"""
            dyngen: 1
            table:
              name: app
              pk: PK
              sk: SK
            entities:
              User:
                attributes:
                  user_id: str
                  data: {spec}
                keys:
                  primary:
                    pk: "USER#{{user_id}}"
                    sk: "DATA#{{data}}"
            """,
            "DG003",
            14,
            13,
        )
        for label, spec in [
            ("list", '"list[str]"'),
            ("map", '"map[int]"'),
            ("set", '"set[str]"'),
            ("json", "json"),
            ("object", "{type: object, attributes: {a: str}}"),
            ("float", "float"),
            ("bytes", "bytes"),
        ]
    ),
    case(
        "primary_template_names_optional",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              email: {type: str, required: false}
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: "EMAIL#{email}"
        """,
        "DG003",
        14,
        13,
    ),
    case(
        "plain_key_attribute_of_bool",
        """
        dyngen: 1
        table:
          name: app
          pk: id
        entities:
          User:
            attributes:
              id: bool
        """,
        "DG003",
        8,
        11,
    ),
    case(
        "plain_key_attribute_optional",
        """
        dyngen: 1
        table:
          name: app
          pk: id
        entities:
          User:
            attributes:
              id: {type: str, required: false}
        """,
        "DG003",
        8,
        11,
    ),
    case(
        "key_attribute_with_two_types",
        """
        dyngen: 1
        table:
          name: app
          pk: id
        entities:
          User:
            attributes:
              id: int
          Group:
            attributes:
              group_id: str
            keys:
              primary:
                pk: "GROUP#{group_id}"
        """,
        "DG001",
        14,
        13,
    ),
    # -- YAML structure -------------------------------------------------------------
    case(
        "duplicate_mapping_key",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              user_id: int
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        10,
        7,
    ),
    # -- names ----------------------------------------------------------------------
    *(
        case(
            f"attribute_named_{label}",
            f"""
            dyngen: 1
            table:
              name: app
              pk: PK
              sk: SK
            entities:
              User:
                attributes:
                  user_id: str
                  {name}: str
                keys:
                  primary:
                    pk: "USER#{{user_id}}"
                    sk: PROFILE
            """,
            "DG001",
            10,
            7,
        )
        for label, name in [
            ("keyword", "class"),
            ("underscore", "_x"),
            ("fields", "fields"),
            ("key", "key"),
            ("model_prefix", "model_x"),
            ("to_item", "to_item"),
            ("from_item", "from_item"),
            ("with_dash", "my-attr"),
            ("with_space", '"my attr"'),
            ("digit_first", '"2fa"'),
        ]
    ),
    case(
        "nested_attribute_keyword",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              address:
                type: object
                attributes:
                  class: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        13,
        11,
    ),
    case(
        # Nested models have to_map()/from_map(); a field of that name
        # shadows the method and the generated to_item() fails at runtime.
        "nested_attribute_named_to_map",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              address:
                type: object
                attributes:
                  to_map: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        13,
        11,
    ),
    case(
        "entity_name_not_identifier",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          user-profile:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        7,
        3,
    ),
    case(
        "entity_name_keyword",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          class:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        7,
        3,
    ),
    case(
        "table_name_not_identifier",
        """
        dyngen: 1
        table:
          name: my-table
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        3,
        9,
    ),
    case(
        "access_pattern_name_not_identifier",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
            access_patterns:
              by-id:
                index: primary
        """,
        "DG001",
        15,
        7,
    ),
    case(
        # The repository already has get(); the query would replace it.
        "access_pattern_named_like_a_repository_method",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
            access_patterns:
              get:
                index: primary
        """,
        "DG001",
        15,
        7,
    ),
    case(
        "collection_name_not_identifier",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        collections:
          user-all:
            index: primary
            members: [User]
        """,
        "DG001",
        15,
        3,
    ),
    case(
        "repository_not_identifier",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
            repository: all-users
        """,
        "DG001",
        14,
        17,
    ),
    case(
        # The default repositories of OrderItem and Order_item are both
        # order_items: the second entity is the one to rename.
        "same_default_repository",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          OrderItem:
            attributes:
              item_id: str
            keys:
              primary:
                pk: "ITEM#{item_id}"
                sk: ITEM
          Order_item:
            attributes:
              item_id: str
            keys:
              primary:
                pk: "OTHER#{item_id}"
                sk: ITEM
        """,
        "DG001",
        14,
        3,
    ),
    case(
        "same_explicit_repository",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
          Member:
            attributes:
              member_id: str
            keys:
              primary:
                pk: "MEMBER#{member_id}"
                sk: PROFILE
            repository: users
        """,
        "DG001",
        21,
        17,
    ),
    case(
        "same_type_value",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
          Member:
            attributes:
              member_id: str
            keys:
              primary:
                pk: "MEMBER#{member_id}"
                sk: PROFILE
            type_value: User
        """,
        "DG001",
        21,
        17,
    ),
    # -- table and indexes -----------------------------------------------------------
    case(
        "local_index_on_pk_only_table",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          indexes:
            LSI1: {kind: local, sk: LSI1SK}
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
        """,
        "DG001",
        6,
        11,
    ),
    case(
        "local_index_with_pk",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            LSI1: {kind: local, pk: PK, sk: LSI1SK}
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        7,
        29,
    ),
    case(
        "local_index_without_sk",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            LSI1: {kind: local}
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        7,
        11,
    ),
    case(
        "global_index_without_pk",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            GSI1: {kind: global, sk: GSI1SK}
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        7,
        11,
    ),
    case(
        "index_named_primary",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            primary: {kind: global, pk: GSI1PK}
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        7,
        5,
    ),
    case(
        "six_local_indexes",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            LSI1: {kind: local, sk: LSI1SK}
            LSI2: {kind: local, sk: LSI2SK}
            LSI3: {kind: local, sk: LSI3SK}
            LSI4: {kind: local, sk: LSI4SK}
            LSI5: {kind: local, sk: LSI5SK}
            LSI6: {kind: local, sk: LSI6SK}
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        7,
        5,
    ),
    case(
        # DynamoDB rejects a key schema naming one attribute twice.
        "table_pk_equals_sk",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: PK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        5,
        7,
    ),
    case(
        "global_index_pk_equals_sk",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            GSI1:
              kind: global
              pk: GSI1PK
              sk: GSI1PK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        10,
        11,
    ),
    case(
        "type_attribute_is_the_pk",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          type_attribute: PK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        6,
        19,
    ),
    # -- empty names and values DynamoDB or Python cannot take ------------------------
    case(
        "table_pk_empty",
        """
        dyngen: 1
        table:
          name: app
          pk: ""
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        4,
        7,
    ),
    case(
        "table_sk_empty",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: ""
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        5,
        7,
    ),
    case(
        "type_attribute_empty",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          type_attribute: ""
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        6,
        19,
    ),
    case(
        "global_index_pk_empty",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            GSI1:
              kind: global
              pk: ""
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        9,
        11,
    ),
    case(
        "index_name_empty",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            "": {kind: global, pk: GSI1PK}
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        7,
        5,
    ),
    case(
        # repr(float("nan")) is `nan`: the generated default is a NameError.
        "float_default_nan",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              score:
                type: float
                default: .nan
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        12,
        18,
    ),
    case(
        "float_default_infinity",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              score:
                type: float
                default: -.inf
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        12,
        18,
    ),
    case(
        "decimal_default_nan",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              total:
                type: decimal
                default: NaN
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        12,
        18,
    ),
    case(
        "decimal_default_too_many_digits",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              total:
                type: decimal
                default: "1234567890123456789012345678901234567891"
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        12,
        18,
    ),
    case(
        # A TTL is a top-level attribute: DynamoDB ignores one inside a map.
        "ttl_inside_an_object",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              session:
                type: object
                attributes:
                  expires_at: ttl
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG004",
        13,
        23,
    ),
    case(
        "list_of_ttl",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              reminders: "list[ttl]"
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG004",
        10,
        18,
    ),
    # -- generated names that collide ---------------------------------------------
    case(
        # Table app -> client class App, the same name as the entity's model.
        "entity_named_like_the_client",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          App:
            attributes:
              app_id: str
            keys:
              primary:
                pk: "APP#{app_id}"
                sk: APP
        """,
        "DG001",
        7,
        3,
    ),
    case(
        "entity_named_like_an_enum",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              status: {type: enum, values: [active, banned]}
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
          UserStatus:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "STATUS#{user_id}"
                sk: STATUS
        """,
        "DG001",
        15,
        3,
    ),
    case(
        "entity_named_like_a_repository",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
          UserRepository:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "REPO#{user_id}"
                sk: REPO
        """,
        "DG001",
        14,
        3,
    ),
    case(
        "entity_named_like_a_generated_import",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          TableClient:
            attributes:
              client_id: str
            keys:
              primary:
                pk: "CLIENT#{client_id}"
                sk: CLIENT
        """,
        "DG001",
        7,
        3,
    ),
    case(
        "entity_named_decimal",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          Decimal:
            attributes:
              amount_id: str
              amount: decimal
            keys:
              primary:
                pk: "AMOUNT#{amount_id}"
                sk: AMOUNT
        """,
        "DG001",
        7,
        3,
    ),
    # -- keys of entities -------------------------------------------------------------
    case(
        "keys_name_unknown_index",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
              GSI9:
                pk: "USER#{user_id}"
        """,
        "DG001",
        14,
        7,
    ),
    case(
        "sk_template_without_table_sk",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        12,
        13,
    ),
    case(
        "missing_sk_template",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
        """,
        "DG001",
        11,
        7,
    ),
    case(
        "missing_primary_key",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
        """,
        "DG001",
        8,
        5,
    ),
    case(
        "global_key_without_pk_template",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            GSI1: {kind: global, pk: GSI1PK, sk: GSI1SK}
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
              GSI1:
                sk: USER
        """,
        "DG001",
        16,
        7,
    ),
    case(
        "local_key_with_pk_template",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          indexes:
            LSI1: {kind: local, sk: LSI1SK}
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
              LSI1:
                pk: "USER#{user_id}"
                sk: USER
        """,
        "DG001",
        17,
        13,
    ),
    # -- DG004: ttl and version -----------------------------------------------------
    case(
        "ttl_without_table_ttl",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              expires_at: ttl
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG004",
        10,
        19,
    ),
    case(
        "ttl_with_another_name",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          ttl: expires_at
        entities:
          User:
            attributes:
              user_id: str
              deleted_at: ttl
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG004",
        11,
        19,
    ),
    case(
        "table_ttl_attribute_of_another_type",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          ttl: expires_at
        entities:
          User:
            attributes:
              user_id: str
              expires_at: int
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG004",
        11,
        19,
    ),
    case(
        "version_names_a_str",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              revision: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
            version: revision
        """,
        "DG004",
        15,
        14,
    ),
    case(
        "version_names_an_optional_int",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              revision: {type: int, required: false}
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
            version: revision
        """,
        "DG004",
        15,
        14,
    ),
    case(
        "version_not_identifier",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
            version: my-version
        """,
        "DG001",
        14,
        14,
    ),
    case(
        # The implied version field would be named key and shadow Model.key().
        "version_named_key",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
            version: key
        """,
        "DG001",
        14,
        14,
    ),
    # -- access patterns and collections -------------------------------------------
    case(
        "access_pattern_unknown_index",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
            access_patterns:
              by_email:
                index: GSI9
        """,
        "DG001",
        16,
        16,
    ),
    case(
        "filter_unknown_field",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              status: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
            access_patterns:
              active:
                index: primary
                filter:
                  state: active
        """,
        "DG001",
        19,
        11,
    ),
    case(
        "filter_value_of_wrong_type",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              logins: int
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
            access_patterns:
              never_logged_in:
                index: primary
                filter:
                  logins: none
        """,
        "DG001",
        19,
        19,
    ),
    case(
        "collection_unknown_member",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        collections:
          user_all:
            index: primary
            members:
              - User
              - Admin
        """,
        "DG001",
        19,
        9,
    ),
    case(
        "collection_unknown_index",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        collections:
          user_all:
            index: GSI9
            members: [User]
        """,
        "DG001",
        16,
        12,
    ),
    case(
        "collection_members_differ_in_pk",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
          Post:
            attributes:
              post_id: str
            keys:
              primary:
                pk: "POST#{post_id}"
                sk: POST
        collections:
          user_all:
            index: primary
            members:
              - User
              - Post
        """,
        "DG001",
        25,
        7,
    ),
    # -- YAML syntax and encoding ----------------------------------------------------
    case(
        # Reported where the parser finds the unexpected ':' (the '[' of line 10
        # is never closed, so `keys:` is read inside the flow sequence).
        "yaml_unclosed_bracket",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              tags: [a, b
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        11,
        9,
    ),
    case(
        "yaml_mismatched_bracket",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              status: {type: enum, values: [on, off}
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        10,
        44,
    ),
    case(
        "yaml_deeper_indentation",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
               email: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        10,
        13,
    ),
    case(
        "yaml_shallower_indentation",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
           keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        10,
        4,
    ),
    case(
        "yaml_tab_indentation",
        "dyngen: 1\n"
        "table:\n"
        "  name: app\n"
        "  pk: PK\n"
        "  sk: SK\n"
        "entities:\n"
        "  User:\n"
        "    attributes:\n"
        "\tuser_id: str\n"
        "    keys:\n"
        "      primary:\n"
        '        pk: "USER#{user_id}"\n'
        "        sk: PROFILE\n",
        "DG001",
        9,
        1,
    ),
    case(
        "yaml_two_documents",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
        ---
        dyngen: 1
        """,
        "DG001",
        12,
        1,
    ),
    case(
        "yaml_unknown_tag",
        """
        dyngen: 1
        table:
          name: !shout app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        3,
        9,
    ),
    case(
        "yaml_python_tag",
        """
        dyngen: 1
        table:
          name: !!python/object/apply:os.system [echo hi]
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        3,
        9,
    ),
    case(
        "yaml_complex_key",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          ? [User, Admin]
          : attributes:
              user_id: str
        """,
        "DG001",
        7,
        5,
    ),
    case(
        "yaml_null_key",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
          ~: x
        entities:
          User:
            attributes:
              user_id: str
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
        """,
        "DG001",
        6,
        3,
    ),
    case(
        # The alias *t makes the table contain itself: point at the alias.
        "yaml_recursive_alias",
        """
        dyngen: 1
        table: &t
          name: app
          pk: PK
          sk: SK
          self: *t
        entities: {}
        """,
        "DG001",
        6,
        9,
    ),
    case(
        "yaml_alias_bomb",
        """
        dyngen: 1
        a: &a [x, x, x, x, x, x, x, x, x, x]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
        """,
        "DG001",
        # Found while reading, at whichever node crosses the limit: no position.
        None,
        None,
    ),
    case("empty_file", "", "DG001", 1, 1),
    case(
        "only_comments",
        """
        # dyngen: 1
        # table: {name: app, pk: PK}
        """,
        "DG001",
        1,
        1,
    ),
    case(
        "top_level_list",
        """
        - dyngen: 1
        - table: {name: app, pk: PK}
        """,
        "DG001",
        1,
        1,
    ),
    case("top_level_scalar", "just some text\n", "DG001", 1, 1),
    case("binary_png_header", b"\x89PNG\r\n\x1a\n\x00\x00", "DG001", 1, 1),
    case(
        "invalid_utf8",
        b"dyngen: 1\ntable:\n  name: caf\xe9\n  pk: PK\n",
        "DG001",
        3,
        12,
    ),
    case(
        "utf16_file",
        "dyngen: 1\ntable: {name: app, pk: PK}\n".encode("utf-16"),
        "DG001",
        1,
        1,
    ),
    case(
        "control_character",
        "dyngen: 1\ntable:\n  name: a\x00pp\n  pk: PK\n",
        "DG001",
        3,
        10,
    ),
]


@pytest.mark.parametrize(("name", "text", "code", "line", "column"), CASES)
def test_invalid_schema_is_reported_at_its_position(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    text: str | bytes,
    code: str,
    line: int | None,
    column: int | None,
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "schemas"
    folder.mkdir()
    schema = folder / f"{name}.yaml"
    if isinstance(text, bytes):
        schema.write_bytes(text)
    else:
        schema.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    exit_code, stdout, stderr = run_cli("build", str(folder), "--out", str(out))
    assert "Traceback" not in stdout + stderr
    assert exit_code == 1, stderr
    assert not out.exists()
    if line is None:
        assert re.search(rf"^schemas/{name}\.yaml:\d+:\d+: {code} ", stderr, re.M)
    else:
        assert f"schemas/{name}.yaml:{line}:{column}: {code} " in stderr, stderr


def test_the_valid_base_schema_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schema every case starts from is valid, so each case has one defect."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "app.yaml").write_text(
        textwrap.dedent(
            """
            dyngen: 1
            table:
              name: app
              pk: PK
              sk: SK
              ttl: expires_at
              indexes:
                GSI1: {kind: global, pk: GSI1PK, sk: GSI1SK}
                LSI1: {kind: local, sk: LSI1SK}
            entities:
              User:
                attributes:
                  user_id: str
                  email: {type: str, required: false}
                  status: {type: enum, values: [active, banned], default: active}
                  address: {type: object, attributes: {city: str}, required: false}
                  expires_at: {type: ttl, required: false}
                  revision: int
                keys:
                  primary:
                    pk: "USER#{user_id}"
                    sk: PROFILE
                  GSI1:
                    pk: "EMAIL#{email}#{shard(4)}"
                    sk: USER
                  LSI1:
                    sk: "STATUS#{status}"
                version: revision
                access_patterns:
                  by_email: {index: GSI1, unique: true}
                  active: {index: primary, filter: {status: active}}
            collections:
              user_all:
                index: primary
                members: [User]
            lint:
              ignore: [DG101, DG105]
            """
        ),
        encoding="utf-8",
    )
    exit_code, _, stderr = run_cli("build", str(folder), "--out", "out")
    assert exit_code == 0, stderr


def _findings(name: str, stderr: str) -> list[tuple[int, int, str]]:
    """(line, column, code) of every error printed for ``schemas/<name>.yaml``."""
    pattern = rf"^schemas/{name}\.yaml:(\d+):(\d+): (DG00\d) "
    return [
        (int(m.group(1)), int(m.group(2)), m.group(3))
        for m in re.finditer(pattern, stderr, re.M)
    ]


def _build_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str
) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / f"{name}.yaml").write_text(
        textwrap.dedent(text).lstrip("\n"), encoding="utf-8"
    )
    out = tmp_path / "out"
    exit_code, stdout, stderr = run_cli("build", str(folder), "--out", str(out))
    assert "Traceback" not in stdout + stderr
    assert not out.exists()
    return exit_code, stderr


def test_several_errors_are_reported_at_once_sorted_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exit_code, stderr = _build_one(
        tmp_path,
        monkeypatch,
        "many",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              email: string
              expires_at: ttl
            keys:
              primary:
                pk: "USER#{user_name}"
                sk: PROFILE
          Post:
            attributes:
              post_id: str
              tags: "list[str]"
            keys:
              primary:
                pk: "POST#{post_id}"
                sk: "TAG#{tags}"
            access_patterns:
              recent: {index: GSI9}
        collections:
          everything:
            index: primary
            members: [User, Comment]
        """,
    )
    assert exit_code == 1
    assert _findings("many", stderr) == [
        (10, 14, "DG001"),  # unknown type 'string'
        (11, 19, "DG004"),  # ttl attribute, but the table has no ttl
        (14, 13, "DG001"),  # template names unknown field user_name
        (23, 13, "DG003"),  # template names a list
        (25, 23, "DG001"),  # access pattern on unknown index GSI9
        (29, 21, "DG001"),  # collection member Comment is unknown
    ], stderr
    assert "dyngen: 6 error(s); nothing written" in stderr


def test_shape_and_semantic_errors_are_reported_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exit_code, stderr = _build_one(
        tmp_path,
        monkeypatch,
        "mixed",
        """
        dyngen: 1
        table:
          name: app
          pk: PK
          sk: SK
        entities:
          User:
            attributes:
              user_id: str
              email: string
            keys:
              primary:
                pk: "USER#{user_id}"
                sk: PROFILE
          Post:
            descripton: A post.
            attributes:
              post_id: str
            keys:
              primary:
                pk: "POST#{post_id}"
                sk: POST
        """,
    )
    assert exit_code == 1
    assert _findings("mixed", stderr) == [
        (10, 14, "DG001"),  # unknown type 'string'
        (16, 5, "DG001"),  # unknown key 'descripton'
    ], stderr
