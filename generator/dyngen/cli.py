"""The ``dyngen`` command line, as a function tests call directly.

Exit codes: 0 success; 1 schema errors, stale output (``--check``) or an
internal failure; 2 usage errors (bad arguments, missing folder).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn, TextIO

from dyngen.diagnostics import START, Diagnostic, SchemaError
from dyngen.emit import files
from dyngen.emit.format import FormatError
from dyngen.ir.model import ModuleIR
from dyngen.pipeline import build_sources, display, load_module

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


def _load_all(
    paths: list[Path], command: str
) -> tuple[list[ModuleIR], list[Diagnostic]]:
    modules: list[ModuleIR] = []
    findings: list[Diagnostic] = []
    seen: dict[str, str] = {}
    for path in paths:
        try:
            module = load_module(path, command)
        except SchemaError as error:
            findings.extend(error.diagnostics)
            continue
        if module.module in seen:
            findings.append(
                Diagnostic(
                    module.schema_path,
                    START,
                    "DG001",
                    f"table name '{module.module}' is also used by {seen[module.module]}; "
                    "each schema builds one module named after its table",
                )
            )
            continue
        seen[module.module] = module.schema_path
        modules.append(module)
    return modules, findings


def _build(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    paths = schema_files(args.schemas)
    modules, findings = _load_all(paths, _rebuild_command(args.schemas, args.out))
    if findings:
        for finding in sorted(findings, key=Diagnostic.sort_key):
            print(finding.format(), file=stderr)
        print(f"dyngen: {len(findings)} error(s); nothing written", file=stderr)
        return 1
    try:
        sources = build_sources(modules)
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
        f"dyngen: {len(modules)} schema(s), {len(report.written)} file(s) written, "
        f"{len(report.unchanged)} unchanged",
        file=stdout,
    )
    return 0


def main(argv: list[str], stdout: TextIO, stderr: TextIO) -> int:
    """Run the command line ``argv`` (without the program name); return the exit code."""
    try:
        args = _parser().parse_args(argv)
        if args.command == "build":
            return _build(args, stdout, stderr)
        raise UsageError(f"dyngen: error: unknown command {args.command}")
    except UsageError as error:
        print(str(error), file=stderr)
        return 2


def entry_point() -> None:
    """The ``dyngen`` console script."""
    sys.exit(main(sys.argv[1:], sys.stdout, sys.stderr))
