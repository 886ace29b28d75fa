"""The ``dyngen`` command line, as a function tests call directly.

Exit codes: 0 success; 1 schema errors (or warnings with ``lint --strict``),
stale output (``build --check``) or an internal failure; 2 usage errors (bad
arguments, missing folder).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import NoReturn, TextIO

from dyngen import names
from dyngen.diagnostics import Diagnostic, SchemaError
from dyngen.emit import files
from dyngen.emit.format import FormatError
from dyngen.pipeline import build_sources, check_files, compile_schema, display
from dyngen.schema.json_schema import schema_json

DEFAULT_OUT = Path("generated")


class UsageError(Exception):
    """Bad command-line usage: exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: error: {message}")


def _parser() -> _Parser:
    parser = _Parser(
        prog="dyngen",
        description="Compile DynamoDB single-table schemas into typed Python.",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser
    )
    build = commands.add_parser(
        "build", help="generate a package per schema file (*.yaml) in a folder"
    )
    build.add_argument("schemas", type=Path, help="a schema folder or a single file")
    build.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder (default: generated/)",
    )
    build.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 listing stale files if the output is not current",
    )
    lint = commands.add_parser(
        "lint", help="report schema errors and design warnings (DG001-DG106)"
    )
    lint.add_argument("schemas", type=Path, help="a schema folder or a single file")
    lint.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    lint.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (file:line:col: CODE message) or json for CI annotations",
    )
    commands.add_parser(
        "schema-json", help="print the JSON Schema of the schema format (for editors)"
    )
    table = commands.add_parser(
        "table",
        help="print the table's CreateTable request (aws dynamodb create-table "
        "--cli-input-json) or a CloudFormation resource",
    )
    table.add_argument("schema", type=Path, help="one schema file")
    table.add_argument(
        "--format",
        choices=("json", "cloudformation"),
        default="json",
        help="output form",
    )
    table.add_argument(
        "--table-name", help="physical table name (default: the schema's table.name)"
    )
    return parser


def schema_files(target: Path) -> list[Path]:
    """The schema files a build of ``target`` reads, sorted by name."""
    if target.is_file():
        return [target]
    if not target.is_dir():
        raise UsageError(f"dyngen: error: no such file or folder: {target}")
    found = sorted({*target.glob("*.yaml"), *target.glob("*.yml")})
    if not found:
        raise UsageError(f"dyngen: error: no *.yaml schema files in {target}")
    return found


def _rebuild_command(target: Path, out: Path) -> str:
    shown = display(target) + ("/" if target.is_dir() else "")
    command = f"dyngen build {shown}"
    if out != DEFAULT_OUT:
        command += f" --out {display(out)}"
    return command


def _print_findings(findings: list[Diagnostic], stream: TextIO) -> None:
    for finding in findings:
        print(finding.format(), file=stream)


def _build(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    paths = schema_files(args.schemas)
    result = check_files(paths, _rebuild_command(args.schemas, args.out))
    _print_findings(result.findings, stderr)
    if result.errors:
        print(f"dyngen: {len(result.errors)} error(s); nothing written", file=stderr)
        return 1
    try:
        sources = build_sources(result.modules)
    except FormatError as error:
        print(str(error), file=stderr)
        return 1
    out: Path = args.out
    if args.check:
        report = files.plan(out, sources)
        if report.stale:
            for name in report.stale:
                print(f"stale: {display(out / name)}", file=stderr)
            print(
                f"dyngen: {len(report.stale)} generated file(s) out of date; "
                f"run `{_rebuild_command(args.schemas, args.out)}`",
                file=stderr,
            )
            return 1
        print(f"dyngen: {len(sources)} generated file(s) up to date", file=stdout)
        return 0
    report = files.write(out, sources)
    for name in report.written:
        print(f"wrote {display(out / name)}", file=stdout)
    for name in report.removed:
        print(f"removed {display(out / name)}", file=stdout)
    print(
        f"dyngen: {len(result.modules)} schema(s), {len(report.written)} file(s) "
        f"written, {len(report.unchanged)} unchanged",
        file=stdout,
    )
    return 0


def _lint(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    result = check_files(schema_files(args.schemas))
    if args.format == "json":
        records = [
            {
                "path": f.path,
                "line": f.position.line,
                "column": f.position.column,
                "code": f.code,
                "severity": f.severity.value,
                "message": f.message,
            }
            for f in result.findings
        ]
        print(json.dumps(records, indent=2), file=stdout)
    else:
        _print_findings(result.findings, stdout)
        print(
            f"dyngen: {len(result.errors)} error(s), {len(result.warnings)} warning(s)",
            file=stderr,
        )
    if result.errors or (args.strict and result.warnings):
        return 1
    return 0


def _table(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    path: Path = args.schema
    if not path.is_file():
        raise UsageError(f"dyngen: error: no such schema file: {path}")
    try:
        compiled = compile_schema(path)
    except SchemaError as error:
        _print_findings(error.diagnostics, stderr)
        return 1
    schema = compiled.table
    name = args.table_name or schema.name
    request = schema.create_table_request(name)
    if args.format == "cloudformation":
        properties = dict(request)
        if schema.ttl is not None:
            properties["TimeToLiveSpecification"] = {
                "AttributeName": schema.ttl,
                "Enabled": True,
            }
        template = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {
                names.pascal_case(schema.name) + "Table": {
                    "Type": "AWS::DynamoDB::Table",
                    "Properties": properties,
                }
            },
        }
        print(json.dumps(template, indent=2), file=stdout)
        return 0
    print(json.dumps(request, indent=2), file=stdout)
    if schema.ttl is not None:
        ttl = {
            "TableName": name,
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": schema.ttl},
        }
        print(
            "# TTL is a separate request once the table is ACTIVE:\n"
            f"# aws dynamodb update-time-to-live --cli-input-json '{json.dumps(ttl)}'",
            file=stderr,
        )
    return 0


def main(argv: list[str], stdout: TextIO, stderr: TextIO) -> int:
    """Run the command line ``argv`` (without the program name); return the exit code."""
    try:
        args = _parser().parse_args(argv)
        if args.command == "build":
            return _build(args, stdout, stderr)
        if args.command == "lint":
            return _lint(args, stdout, stderr)
        if args.command == "table":
            return _table(args, stdout, stderr)
        print(json.dumps(schema_json(), indent=2, sort_keys=True), file=stdout)
        return 0
    except UsageError as error:
        print(str(error), file=stderr)
        return 2
    except SystemExit as exit_:  # argparse's --help
        return exit_.code if isinstance(exit_.code, int) else 0


def entry_point() -> None:
    """The ``dyngen`` console script."""
    try:
        code = main(sys.argv[1:], sys.stdout, sys.stderr)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`dyngen table ... | head`): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 0
    sys.exit(code)
