"""Lint rules DG002 and DG101-DG106: one triggering and one clean schema per rule,
checked for code, line and column; suppression; the lint and build commands."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, run_cli


def locate(text: str, line_marker: str, token: str) -> tuple[int, int]:
    """1-based (line, column) of ``token`` on the first line containing ``line_marker``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line_marker in line:
            return number, line.index(token) + 1
    raise AssertionError(f"no line contains {line_marker!r}")


def findings(
    tmp_path: Path, text: str, *extra: str
) -> tuple[int, list[dict[str, object]]]:
    path = tmp_path / "schema.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_cli("lint", str(path), "--format", "json", *extra)
    assert "Traceback" not in err
    records: list[dict[str, object]] = json.loads(out)
    return code, records


def located(records: list[dict[str, object]], code: str) -> list[tuple[object, object]]:
    return [(r["line"], r["column"]) for r in records if r["code"] == code]


def schema(body: str, table: str = "table: {name: t, pk: PK, sk: SK}") -> str:
    return f"dyngen: 1\n{table}\n" + textwrap.dedent(body).lstrip("\n")


LSI_TABLE = """table:
  name: t
  pk: PK
  sk: SK
  indexes:
    LSI1: {kind: local, sk: LSI1SK}
    GSI1: {kind: global, pk: GSI1PK, sk: GSI1SK}"""

GSI_TABLE = """table:
  name: t
  pk: PK
  sk: SK
  indexes:
    GSI1: {kind: global, pk: GSI1PK, sk: GSI1SK}
    GSI2: {kind: global, pk: GSI2PK, sk: GSI2SK, projection: keys_only}"""

CASES = {
    # code: (triggering schema, clean schema, line marker, token)
    "DG002": (
        schema("""
            entities:
              Alpha:
                attributes: {id: str}
                keys: {primary: {pk: "X#{id}", sk: "META"}}
              Beta:
                attributes: {id: str}
                keys: {primary: {pk: "X#{id}", sk: "{id}"}}
            """),
        schema("""
            entities:
              Alpha:
                attributes: {id: str}
                keys: {primary: {pk: "X#{id}", sk: "META"}}
              Beta:
                attributes: {id: str}
                keys: {primary: {pk: "X#{id}", sk: "BETA#{id}"}}
            """),
        'sk: "{id}"',
        "primary",
    ),
    "DG101": (
        schema(
            """
            entities:
              Alpha:
                attributes: {id: str, n: int}
                keys: {primary: {pk: "A#{id}", sk: "A"}, LSI1: {sk: "N#{n:08}"}, GSI1: {pk: "G#{id}", sk: "A"}}
            """,
            LSI_TABLE,
        ),
        schema(
            """
            entities:
              Alpha:
                attributes: {id: str, n: int}
                keys: {primary: {pk: "A#{id}", sk: "A"}, GSI1: {pk: "G#{id}", sk: "N#{n:08}"}, GSI2: {pk: "H#{id}", sk: "A"}}
            """,
            GSI_TABLE,
        ),
        "LSI1: {kind: local",
        "LSI1",
    ),
    "DG102": (
        schema("""
            entities:
              Setting:
                attributes: {name: str}
                keys: {primary: {pk: "SETTINGS", sk: "{name}"}}
            """),
        schema("""
            entities:
              Setting:
                attributes: {name: str}
                keys: {primary: {pk: "SETTING#{name}", sk: "SETTING"}}
            """),
        'pk: "SETTINGS"',
        '"SETTINGS"',
    ),
    "DG103": (
        schema(
            """
            entities:
              Event:
                attributes: {id: str, day: date}
                keys: {primary: {pk: "E#{id}", sk: "E"}, GSI1: {pk: "{day}", sk: "{id}"}, GSI2: {pk: "X#{id}", sk: "E"}}
            """,
            GSI_TABLE,
        ),
        schema(
            """
            entities:
              Event:
                attributes: {id: str, day: date}
                keys: {primary: {pk: "E#{id}", sk: "E"}, GSI1: {pk: "{day}#{shard(4)}", sk: "{id}"}, GSI2: {pk: "X#{id}", sk: "E"}}
            """,
            GSI_TABLE,
        ),
        'pk: "{day}"',
        '"{day}"',
    ),
    "DG104": (
        schema(
            """
            entities:
              Thing:
                attributes: {id: str, owner: str, note: str}
                keys: {primary: {pk: "I#{id}", sk: "I"}, GSI1: {pk: "X#{id}", sk: "I"}, GSI2: {pk: "O#{owner}", sk: "I#{id}"}}
                access_patterns:
                  by_owner: {index: GSI2}
            """,
            GSI_TABLE,
        ),
        schema(
            """
            entities:
              Thing:
                attributes: {id: str, owner: str, note: str}
                keys: {primary: {pk: "I#{id}", sk: "I"}, GSI1: {pk: "O#{owner}", sk: "I#{id}"}, GSI2: {pk: "X#{id}", sk: "I"}}
                access_patterns:
                  by_owner: {index: GSI1}
            """,
            GSI_TABLE,
        ),
        "by_owner:",
        "by_owner",
    ),
    "DG105": (
        schema("""
            entities:
              Order:
                attributes: {customer: str, id: str, state: str}
                keys: {primary: {pk: "C#{customer}", sk: "O#{id}"}}
                access_patterns:
                  open: {index: primary, filter: {state: open}}
            """),
        schema("""
            entities:
              Order:
                attributes: {customer: str, id: str, state: str}
                keys: {primary: {pk: "C#{customer}", sk: "O#{state}#{id}"}}
                access_patterns:
                  open: {index: primary, filter: {state: open}}
            """),
        "filter: {state",
        "state",
    ),
    "DG106": (
        schema(
            """
            entities:
              Thing:
                attributes: {id: str}
                keys: {primary: {pk: "I#{id}", sk: "I"}, GSI1: {pk: "G#{id}", sk: "I"}}
            """,
            GSI_TABLE,
        ),
        schema(
            """
            entities:
              Thing:
                attributes: {id: str}
                keys: {primary: {pk: "I#{id}", sk: "I"}, GSI1: {pk: "G#{id}", sk: "I"}, GSI2: {pk: "H#{id}", sk: "I"}}
            """,
            GSI_TABLE,
        ),
        "GSI2: {kind: global",
        "GSI2",
    ),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_triggers_at_its_position(tmp_path: Path, code: str) -> None:
    text, _, marker, token = CASES[code]
    _, records = findings(tmp_path, text)
    assert located(records, code) == [locate(text, marker, token)], records


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_stays_quiet_on_the_clean_schema(tmp_path: Path, code: str) -> None:
    _, clean, _, _ = CASES[code]
    exit_code, records = findings(tmp_path, clean, "--strict")
    assert records == []
    assert exit_code == 0


def test_query_on_an_index_the_entity_never_writes(tmp_path: Path) -> None:
    text = schema(
        """
        entities:
          Thing:
            attributes: {id: str}
            keys: {primary: {pk: "I#{id}", sk: "I"}, GSI1: {pk: "G#{id}", sk: "I"}}
            access_patterns:
              lost: {index: GSI2}
        """,
        GSI_TABLE,
    )
    _, records = findings(tmp_path, text)
    assert locate(text, "lost:", "GSI2") in located(records, "DG106")


def test_dg102_on_low_cardinality_fields_and_not_on_sharded_keys(
    tmp_path: Path,
) -> None:
    text = schema(
        """
        entities:
          Job:
            attributes: {id: str, state: {type: enum, values: [new, done]}, urgent: bool}
            keys: {primary: {pk: "J#{id}", sk: "J"}, GSI1: {pk: "S#{state}#{urgent}", sk: "{id}"}, GSI2: {pk: "S#{state}#{shard(8)}", sk: "{id}"}}
        """,
        GSI_TABLE,
    )
    _, records = findings(tmp_path, text)
    assert located(records, "DG102") == [
        locate(text, "S#{state}#{urgent}", '"S#{state}#{urgent}"')
    ]
    message = next(r["message"] for r in records if r["code"] == "DG102")
    assert "state: enum, urgent: bool" in str(message)


def test_dg002_sees_through_enum_values(tmp_path: Path) -> None:
    text = schema("""
        entities:
          Alpha:
            attributes: {id: str}
            keys: {primary: {pk: "X#{id}", sk: "STATE#open"}}
          Beta:
            attributes: {id: str, state: {type: enum, values: [open, closed]}}
            keys: {primary: {pk: "X#{id}", sk: "STATE#{state}"}}
        """)
    _, records = findings(tmp_path, text)
    assert len(located(records, "DG002")) == 1
    quiet = text.replace("STATE#open", "STATE#archived")
    _, records = findings(tmp_path, quiet)
    assert located(records, "DG002") == []


def test_table_level_ignore_covers_the_file(tmp_path: Path) -> None:
    text, _, _, _ = CASES["DG101"]
    _, records = findings(tmp_path, text + "lint: {ignore: [DG101]}\n")
    assert located(records, "DG101") == []


def test_entity_level_ignore_covers_only_that_entity(tmp_path: Path) -> None:
    text = schema("""
        entities:
          Setting:
            attributes: {name: str}
            keys: {primary: {pk: "SETTINGS", sk: "{name}"}}
            lint: {ignore: [DG102]}
          Flag:
            attributes: {name: str}
            keys: {primary: {pk: "FLAGS", sk: "{name}"}}
        """)
    _, records = findings(tmp_path, text)
    assert located(records, "DG102") == [locate(text, 'pk: "FLAGS"', '"FLAGS"')]


def test_ignore_lists_must_name_known_warnings(tmp_path: Path) -> None:
    text, _, _, _ = CASES["DG101"]
    _, records = findings(tmp_path, text + "lint: {ignore: [DG999, DG003]}\n")
    messages = [str(r["message"]) for r in records if r["code"] == "DG001"]
    assert any("unknown lint code 'DG999'" in m for m in messages)
    assert any("DG003 is an error" in m for m in messages)


def test_lint_exit_codes(tmp_path: Path) -> None:
    warned, _, _, _ = CASES["DG101"]
    path = tmp_path / "warned.yaml"
    path.write_text(warned)
    code, out, _ = run_cli("lint", str(path))
    assert code == 0
    assert ": DG101 local index LSI1" in out
    assert run_cli("lint", str(path), "--strict")[0] == 1
    broken, _, _, _ = CASES["DG002"]
    path.write_text(broken)
    assert run_cli("lint", str(path))[0] == 1


def test_findings_are_sorted_and_all_reported(tmp_path: Path) -> None:
    text = schema(
        """
        entities:
          Alpha:
            attributes: {id: str}
            keys: {primary: {pk: "ALPHAS", sk: "{id}"}}
          Beta:
            attributes: {id: str}
            keys: {primary: {pk: "BETAS", sk: "{id}"}}
        """,
        LSI_TABLE,
    )
    _, records = findings(tmp_path, text)
    codes = [r["code"] for r in records]
    assert codes.count("DG102") == 2
    assert "DG101" in codes
    assert "DG106" in codes
    order = [(r["line"], r["column"]) for r in records]
    assert order == sorted(order)


def test_build_prints_warnings_and_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("schemas").mkdir()
    text, _, _, _ = CASES["DG102"]
    Path("schemas/t.yaml").write_text(text)
    code, out, err = run_cli("build", "schemas/")
    assert code == 0
    line, column = locate(text, 'pk: "SETTINGS"', '"SETTINGS"')
    assert f"schemas/t.yaml:{line}:{column}: DG102" in err
    assert "wrote generated/t/models.py" in out


def test_build_refuses_dg002(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("schemas").mkdir()
    text, _, _, _ = CASES["DG002"]
    Path("schemas/t.yaml").write_text(text)
    code, _, err = run_cli("build", "schemas/")
    assert code == 1
    assert "DG002 Beta and Alpha can render the same primary key" in err
    assert not Path("generated").exists()


def test_example_schemas_lint_clean_in_strict_mode() -> None:
    code, out, err = run_cli("lint", str(ROOT / "schemas"), "--strict")
    assert code == 0, out + err
    assert out == ""


def test_example_schemas_keep_their_suppressions_on_purpose(tmp_path: Path) -> None:
    """Without their ignore lists the examples do warn: the suppressions are live."""
    for name, expected in (
        ("shop", {"DG101", "DG104", "DG105"}),
        ("saas", {"DG101", "DG105"}),
    ):
        document = yaml.safe_load((ROOT / "schemas" / f"{name}.yaml").read_text())
        document.pop("lint", None)
        for entity in document["entities"].values():
            entity.pop("lint", None)
        _, records = findings(tmp_path, yaml.safe_dump(document))
        assert {str(r["code"]) for r in records} == expected


def test_schema_json_is_committed_and_current() -> None:
    code, out, _ = run_cli("schema-json")
    assert code == 0
    document = json.loads(out)
    assert document["$schema"].startswith("https://json-schema.org/")
    assert set(document["required"]) == {"dyngen", "table", "entities"}
    committed = (ROOT / "docs" / "dyngen.schema.json").read_text()
    assert json.loads(committed) == document, (
        "run: dyngen schema-json > docs/dyngen.schema.json"
    )
