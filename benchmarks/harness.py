"""Shared machinery of the benchmarks: interleaved timing, tables, results, chart.

The machine the numbers come from is shared and noisy, so no single timing
means much. Every part therefore

- runs all of its contenders once per repeat, in a rotated order (the first
  contender of a repeat is a different one each time), so that a burst of
  noise from a neighbour hits every contender alike;
- reports the median over the repeats, never a single run;
- computes each ratio per repeat from two timings taken seconds apart, then
  reports the median of those paired ratios: a ratio is worth far more than
  an absolute number here.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
CHART = ROOT / "docs" / "performance.png"

Kind = Literal["time", "speed"]


class Unavailable(Exception):
    """A contender that cannot run here: the message says why (shown as n/a)."""


@dataclass
class Contender:
    """One way of doing a part's work.

    ``run`` does ``ops`` operations per call; ``setup`` (optional) runs before
    every timed call, outside the timing. ``unavailable`` is why it cannot run.
    """

    name: str
    run: Callable[[], object] | None = None
    ops: int = 1
    setup: Callable[[], object] | None = None
    unavailable: str | None = None
    note: str = ""


@dataclass
class Sample:
    """One timed call of one contender: seconds per operation."""

    wall: float
    cpu: float


def time_call(contender: Contender, *, gc_off: bool = False) -> Sample:
    """Time one call of ``contender.run``: wall, and CPU of this process (all
    its threads) plus that of child processes that ended during the call."""
    assert contender.run is not None
    if contender.setup is not None:
        contender.setup()
    if gc_off:
        gc.collect()
        gc.disable()
    try:
        wall0 = time.perf_counter()
        cpu0 = time.process_time() + _children_cpu()
        contender.run()
        cpu1 = time.process_time() + _children_cpu()
        wall1 = time.perf_counter()
    finally:
        if gc_off:
            gc.enable()
    return Sample((wall1 - wall0) / contender.ops, (cpu1 - cpu0) / contender.ops)


def _children_cpu() -> float:
    # CPU of child processes reaped during the call (a `dyngen build` run);
    # servers started before the timing are reaped after it and never count.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def interleave(
    contenders: Sequence[Contender],
    repeats: int,
    *,
    warmup: int = 1,
    gc_off: bool = False,
    progress: str = "",
) -> dict[str, list[Sample]]:
    """Samples of every runnable contender, ``repeats`` each, interleaved.

    Repeat ``r`` starts with contender ``r mod n``: the order rotates, so
    each contender is first (and last) equally often. A contender that fails
    mid-run is marked unavailable with the error and left out of the rest.
    """
    runnable = [c for c in contenders if c.unavailable is None and c.run is not None]
    samples: dict[str, list[Sample]] = {c.name: [] for c in runnable}
    for _ in range(warmup):
        for contender in runnable:
            _guarded(contender, gc_off)
    for repeat in range(repeats):
        live = [c for c in runnable if c.unavailable is None]
        if not live:
            break
        shift = repeat % len(live)
        for contender in live[shift:] + live[:shift]:
            sample = _guarded(contender, gc_off)
            if sample is not None:
                samples[contender.name].append(sample)
        if progress:
            print(f"  {progress}: repeat {repeat + 1}/{repeats}", file=sys.stderr)
    return {c.name: samples[c.name] for c in runnable if c.unavailable is None}


def _guarded(contender: Contender, gc_off: bool) -> Sample | None:
    if contender.unavailable is not None:
        return None
    try:
        return time_call(contender, gc_off=gc_off)
    except Exception as error:
        contender.unavailable = f"failed: {type(error).__name__}: {error}"[:200]
        return None


def paired_ratio(
    numerator: Sequence[Sample], denominator: Sequence[Sample], metric: str
) -> float | None:
    """Median over repeats of numerator/denominator, repeat by repeat."""
    pairs = [
        getattr(a, metric) / getattr(b, metric)
        for a, b in zip(numerator, denominator, strict=False)
        if getattr(b, metric) > 0
    ]
    return statistics.median(pairs) if pairs else None


@dataclass
class Row:
    """One contender's line in a part's table."""

    name: str
    wall: float | None = None
    cpu: float | None = None
    wall_min: float | None = None
    ratio: float | None = None
    vs_reference: float | None = None
    repeats: int = 0
    na: str | None = None
    note: str = ""


@dataclass
class Target:
    """A goal stated as a ratio, checked against the run's paired ratios."""

    text: str
    value: float | None
    threshold: float
    met: bool | None
    unit: str = "x"


@dataclass
class PartResult:
    """Everything one part measured, ready to print, store and chart.

    ``metric`` is what the ratios are taken on (``"wall"`` or ``"cpu"``);
    ``kind="time"``: the ratio is time / baseline time (lower is faster);
    ``kind="speed"``: baseline time / time (higher is faster).
    """

    part: str
    title: str
    description: str
    unit: str
    scale: float
    metric: str
    kind: Kind
    baseline: str
    reference: str | None
    rows: list[Row] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    quick: bool = False
    repeats: int = 0
    measured_at: str = ""


def summarise(
    part: str,
    title: str,
    description: str,
    contenders: Sequence[Contender],
    samples: dict[str, list[Sample]],
    *,
    unit: str,
    scale: float,
    metric: str,
    kind: Kind,
    baseline: str,
    reference: str | None,
    quick: bool,
    repeats: int,
) -> PartResult:
    """Medians and paired ratios of every contender, in the contenders' order."""
    result = PartResult(
        part=part,
        title=title,
        description=description,
        unit=unit,
        scale=scale,
        metric=metric,
        kind=kind,
        baseline=baseline,
        reference=reference,
        quick=quick,
        repeats=repeats,
        measured_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    base = samples.get(baseline)
    ref = samples.get(reference) if reference else None
    for contender in contenders:
        got = samples.get(contender.name)
        if contender.unavailable is not None or not got:
            reason = contender.unavailable or "no samples"
            result.rows.append(Row(contender.name, na=reason, note=contender.note))
            continue
        row = Row(
            contender.name,
            wall=statistics.median(s.wall for s in got),
            cpu=statistics.median(s.cpu for s in got),
            wall_min=min(s.wall for s in got),
            repeats=len(got),
            note=contender.note,
        )
        if base:
            row.ratio = _ratio(got, base, metric, kind)
        if ref:
            row.vs_reference = paired_ratio(got, ref, metric)
        result.rows.append(row)
    return result


def _ratio(
    got: Sequence[Sample], base: Sequence[Sample], metric: str, kind: Kind
) -> float | None:
    if kind == "time":
        return paired_ratio(got, base, metric)
    return paired_ratio(base, got, metric)


def add_target(
    result: PartResult,
    samples: dict[str, list[Sample]],
    text: str,
    slower: str,
    faster: str,
    threshold: float,
    *,
    at_most: bool = False,
) -> None:
    """Check ``time(slower) / time(faster)`` against ``threshold``.

    With ``at_most`` the goal is ratio <= threshold ("within 3x"), otherwise
    ratio >= threshold ("at least 2x faster").
    """
    a, b = samples.get(slower), samples.get(faster)
    value = paired_ratio(a, b, result.metric) if a and b else None
    met = (
        None
        if value is None
        else (value <= threshold if at_most else value >= threshold)
    )
    result.targets.append(Target(text, value, threshold, met))


# ----------------------------------------------------------------- printing


def fmt(value: float | None, digits: int = 2) -> str:
    """A number for a table cell ('-' when absent)."""
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.{digits}f}"


def ratio_header(result: PartResult) -> str:
    """The header of the ratio column."""
    if result.kind == "time":
        return f"time / {result.baseline}"
    return f"speed vs {result.baseline}"


def table_cells(
    result: PartResult, na_text: str = "n/a (see below)"
) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a part's table, as text cells."""
    per = "s" if result.unit in ("items/s",) else result.unit
    headers = ["contender"]
    if result.unit == "items/s":
        headers += ["items/s (median)", "CPU s per 1k items"]
    else:
        headers += [f"wall {per}/op (median)", f"CPU {per}/op (median)"]
    headers.append(ratio_header(result))
    if result.reference:
        headers.append(f"time / {result.reference}")
    rows = []
    for row in result.rows:
        cells = [row.name]
        if row.na is not None:
            cells += [na_text] + ["-"] * (len(headers) - 2)
        else:
            assert row.wall is not None
            assert row.cpu is not None
            if result.unit == "items/s":
                cells += [fmt(1 / row.wall, 0), fmt(row.cpu * 1000)]
            else:
                cells += [fmt(row.wall * result.scale), fmt(row.cpu * result.scale)]
            cells.append(fmt(row.ratio) + "x" if row.ratio is not None else "-")
            if result.reference:
                cells.append(
                    fmt(row.vs_reference) + "x" if row.vs_reference is not None else "-"
                )
        rows.append(cells)
    return headers, rows


def print_result(result: PartResult) -> None:
    """Print a part's table, targets and notes to stdout."""
    headers, rows = table_cells(result)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print()
    print(
        f"== {result.title} ({result.repeats} repeats, medians"
        f"{', quick' if result.quick else ''})"
    )
    print(_line(headers, widths))
    print("-" * sum(w + 2 for w in widths))
    for cells in rows:
        print(_line(cells, widths))
    for row in result.rows:
        if row.na is not None:
            print(f"  n/a: {row.name}: {row.na}")
    for target in result.targets:
        print(f"  target: {target_text(target)}")
    for note in result.notes:
        print(f"  note: {note}")


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    first = cells[0].ljust(widths[0])
    rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
    return "  ".join([first, *rest]).rstrip()


def target_value(target: Target) -> str:
    """The measured value of a target as text."""
    if target.value is None:
        return "-"
    if target.unit == "%":
        return f"{target.value:.1%}"
    return f"{target.value:.2f}{target.unit}"


def target_text(target: Target) -> str:
    """One line: the goal, the measured ratio, met or not."""
    verdict = {True: "met", False: "NOT met", None: "not measured"}[target.met]
    return f"{target.text}: {target_value(target)} -> {verdict}"


# ------------------------------------------------------------------ results


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": _load(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.release()}",
        "versions": versions(),
    }


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def versions() -> dict[str, str]:
    """Installed versions of the contenders' packages."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("dyngen", "boto3", "botocore", "pydantic", "pynamodb", "pydynox"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def load_results(path: Path = RESULTS) -> dict[str, Any]:
    """The stored results (empty when there are none yet)."""
    if not path.is_file():
        return {"parts": {}}
    data: dict[str, Any] = json.loads(path.read_text())
    data.setdefault("parts", {})
    return data


def save_results(
    results: Sequence[PartResult], path: Path = RESULTS, *, merge: bool = True
) -> dict[str, Any]:
    """Write results to JSON, keeping other parts' stored results when merging."""
    data = load_results(path) if merge else {"parts": {}}
    for result in results:
        data["parts"][result.part] = asdict(result)
    data["machine"] = machine()
    data["written_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    path.write_text(json.dumps(data, indent=2) + "\n")
    return data


def result_from_dict(data: dict[str, Any]) -> PartResult:
    """A stored part result back as a :class:`PartResult`."""
    values = dict(data)
    values["rows"] = [Row(**r) for r in values.get("rows", [])]
    values["targets"] = [Target(**t) for t in values.get("targets", [])]
    return PartResult(**values)


# -------------------------------------------------------------------- chart


def draw_chart(results: Sequence[PartResult], path: Path = CHART) -> Path | None:
    """One horizontal bar chart per part (ratios to its baseline) into a PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        print(f"no chart: matplotlib is not installed ({error})", file=sys.stderr)
        return None
    shown = [r for r in results if any(row.ratio is not None for row in r.rows)]
    if not shown:
        return None
    heights = [max(1.6, 0.42 * len(r.rows) + 0.9) for r in shown]
    figure, axes = plt.subplots(
        len(shown),
        1,
        figsize=(9, sum(heights)),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    for axis, result in zip(axes[:, 0], shown, strict=True):
        rows = [row for row in result.rows if row.ratio is not None]
        names = [row.name for row in rows][::-1]
        values = [row.ratio or 0.0 for row in rows][::-1]
        colours = [_colour(name, result) for name in names]
        bars = axis.barh(names, values, color=colours)
        axis.axvline(1.0, color="#444444", linewidth=0.8, linestyle="--")
        for bar, value in zip(bars, values, strict=True):
            axis.text(
                bar.get_width(),
                bar.get_y() + bar.get_height() / 2,
                f" {value:.2f}x",
                va="center",
                fontsize=8,
            )
        better = "lower is faster" if result.kind == "time" else "higher is faster"
        what = "CPU" if result.metric == "cpu" else "wall"
        axis.set_title(
            f"{result.title}: {what}, {ratio_header(result)} ({better})",
            fontsize=9,
            loc="left",
        )
        axis.tick_params(axis="y", labelsize=8)
        axis.tick_params(axis="x", labelsize=8)
        if max(values) / max(min(v for v in values if v > 0), 1e-9) > 50:
            axis.set_xscale("log")
        axis.set_xlim(right=max(values) * (1.6 if axis.get_xscale() == "log" else 1.18))
    figure.suptitle(
        "dyngen benchmarks: ratios measured in one run (medians of paired repeats)",
        fontsize=10,
    )
    figure.tight_layout(rect=(0, 0, 1, 0.985))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _colour(name: str, result: PartResult) -> str:
    # dyngen blue, the baseline and the floors grey, peers orange; parts without
    # peers (the build, the size check) measure only dyngen against a baseline.
    if name == result.baseline or name.startswith(("hand-written", "raw socket")):
        return "#8c8c8c"
    if name.startswith("dyngen") or result.reference is None:
        return "#2b7bba"
    return "#e3873a"


# --------------------------------------------------------------- command line


@dataclass
class Options:
    """Settings every part understands."""

    quick: bool = False
    repeats: int | None = None
    profile: bool = False

    def pick(self, full: int, quick: int) -> int:
        """``repeats`` when given, else the full or the quick default."""
        if self.repeats is not None:
            return self.repeats
        return quick if self.quick else full


def part_arguments(description: str | None) -> argparse.ArgumentParser:
    """The argument parser of a part run on its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, less data")
    parser.add_argument(
        "--repeats", type=int, default=None, help="repeats per contender"
    )
    return parser


def standalone(
    run: Callable[[Options], PartResult | Sequence[PartResult]],
    description: str | None,
) -> None:
    """Run one part from the command line and print its table."""
    parser = part_arguments(description)
    args = parser.parse_args()
    found = run(Options(quick=args.quick, repeats=args.repeats))
    for result in [found] if isinstance(found, PartResult) else found:
        print_result(result)
