"""`dtsen quality`: after `dbt build`, run every suite in expectations/ through a Great
Expectations checkpoint on the DuckDB tables (GX's SQL path: the metrics are computed in
DuckDB), store the results with the run date, write the ministries' HTML report and GX's
Data Docs. Exit code 1 when a blocking (`critical`) expectation fails, 0 otherwise
(warnings included), so a scheduled job sees a blocking failure. A blocking failure or a
warning also notifies by e-mail or webhook where alerts are configured (dtsen.quality.alerts).

Besides the suites, one blocking outcome of its own (build/one_complete_build): the marts
must all be of one dbt build that finished with every node passing (the build ledger,
dtsen.marts.build_state). Each run records that build's id with the marts' content
hashes in runs.jsonl, and publishing publishes only the build quality judged.

The results stores are JSON lines appended with one write per run; a line torn by a crash
or a full disk is reported (file and line) and skipped when read, never fatal.

The GX file context under <report dir>/gx/ is generated from expectations/ on every run;
only its uncommitted/ part (validation results, Data Docs) is kept from run to run.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from dtsen.marts import LEDGER_SCHEMA, build_state, mart_content_hashes
from dtsen.quality import figures as figures_module
from dtsen.quality.alerts import notify
from dtsen.quality.suites import Suite, load_suites, load_thresholds

REPORT_NAME = "laporan_kualitas_data.html"
RESULTS_NAME = "results.jsonl"  # one line per expectation per run
RUNS_NAME = "runs.jsonl"  # one line per run: summary and key figures, for the trend
MAX_ROWS_KEPT = 20  # failing rows kept per expectation in the store and the report
# Rows a query expectation returns (programme x region breaches): all that GX returns (200 at
# most), so the report's table of breaches and its headline count every programme.
MAX_QUERY_ROWS_KEPT = 200
BUILD_SUITE, BUILD_CHECK = "build", "one_complete_build"  # the outcome of the build ledger check


def default_report_dir(db: Path) -> Path:
    return db.resolve().parent / "quality"


@dataclass
class Outcome:
    """One expectation's verdict on one table."""

    suite: str
    table: str
    check: str
    label_id: str
    label_en: str
    expectation: str
    severity: str
    success: bool
    thresholds: dict = field(default_factory=dict)
    observed: float | int | None = None  # share passing (mostly expectations) or rows returned
    unexpected_count: int | None = None
    element_count: int | None = None
    rows: list = field(default_factory=list)  # failing rows / values (a sample)
    delivery: str | None = None  # "<source> <extract date>" for staging tables
    error: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == "critical"

    def message(self) -> str:
        verdict = "PASSED" if self.success else ("FAILED [blocking]" if self.blocking else "FAILED [warning]")
        where = self.table + (f" (delivery {self.delivery})" if self.delivery else "")
        text = f"{verdict} {self.suite}/{self.check}: {self.expectation} on {where}"
        if self.error:
            return f"{text}: {self.error}"
        if self.expectation == "unexpected_rows_expectation":
            text += f": {self.observed} row(s) breach"
        elif self.observed is not None:
            text += (
                f": {self.observed:.2%} of {self.element_count:,} rows pass ({self.unexpected_count:,} fail)"
            )
        if self.thresholds:
            text += "; threshold " + ", ".join(f"{name} = {value}" for name, value in self.thresholds.items())
        if not self.success and self.rows:
            text += "; e.g. " + "; ".join(_row_text(row) for row in self.rows[:5])
        return text


def _row_text(row) -> str:
    if isinstance(row, dict):
        return " ".join(f"{key}={value}" for key, value in row.items())
    return repr(row)


@dataclass
class QualityRun:
    run_id: str
    run_date: str
    db: str
    report_dir: str
    outcomes: list[Outcome]
    figures: dict
    mart_hashes: dict = field(default_factory=dict)  # what was checked: publishing compares it
    build_id: str | None = None  # the one successful build the marts are of (None: not one)
    seconds: float = 0.0
    report_path: str = ""
    data_docs_path: str = ""

    @property
    def blocking_failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.blocking]

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and not o.blocking]

    @property
    def exit_code(self) -> int:
        return 1 if self.blocking_failures else 0


def _duckdb_config() -> dict[str, str]:
    """The build's DuckDB memory limit (the variable profiles.yml reads, the same default), so
    the suites spill rather than take most of the machine on large populations."""
    return {"memory_limit": os.environ.get("DTSEN_MEMORY_LIMIT", "12GB")}


def run_quality(db: Path, report_dir: Path | None = None, now: dt.datetime | None = None) -> QualityRun:
    """Run the suites, store the results, write the report and Data Docs."""
    from dtsen.quality import datadocs, html_report

    started = time.perf_counter()
    db = Path(db).resolve()
    report_dir = Path(report_dir or default_report_dir(db)).resolve()
    report_dir.mkdir(parents=True, exist_ok=True)
    now = now or dt.datetime.now().astimezone()
    run = QualityRun(
        run_id=uuid.uuid4().hex[:12],
        run_date=now.isoformat(timespec="seconds"),
        db=str(db),
        report_dir=str(report_dir),
        outcomes=[],
        figures={},
    )
    suites = load_suites(load_thresholds())

    # Figures first, on a plain read-only connection closed before GX opens the file: one
    # process cannot hold a DuckDB file under two connection configurations.
    con = duckdb.connect(str(db), read_only=True, config=_duckdb_config())
    try:
        run.figures = figures_module.collect(con)
        run.mart_hashes = mart_content_hashes(con)
        state = build_state(con)
    finally:
        con.close()
    run.build_id = state.build_id
    run.outcomes.append(
        Outcome(
            suite=BUILD_SUITE,
            table=f"{LEDGER_SCHEMA}.mart_builds",
            check=BUILD_CHECK,
            label_id="Semua mart berasal dari satu build yang selesai tanpa galat",
            label_en="Every mart is of one build that finished without errors",
            expectation="one_complete_build",
            severity="critical",
            success=state.problem is None,
            rows=[{"build": build, "marts": ", ".join(marts)} for build, marts in state.builds.items()],
            error=state.problem and f"{db.name}: {state.problem}",
        )
    )
    present = set(run.figures["tables"])
    deliveries = {
        table: f"{source} {run.figures['current_delivery'].get(source, '?')}"
        for table, source in figures_module.person_model_sources().items()
    }
    if "staging.stg_landing__delivery_files" in present:
        deliveries["staging.stg_landing__delivery_files"] = ", ".join(
            f"{s} {d}" for s, d in sorted(run.figures["current_delivery"].items())
        )

    runnable = [suite for suite in suites if suite.table in present]
    for suite in suites:
        if suite.table not in present:  # the build did not make a table a suite needs
            run.outcomes += [_missing_table(suite, index) for index in range(len(suite.expectations))]
    if runnable:
        run.outcomes += _validate(db, report_dir, runnable, now, run.run_id)
    for outcome in run.outcomes:
        outcome.delivery = deliveries.get(outcome.table)

    run.seconds = time.perf_counter() - started
    _store(run, report_dir)
    run.data_docs_path = str(
        datadocs.make_offline(report_dir / "gx" / "uncommitted" / "data_docs" / "local_site")
    )
    run.report_path = str(html_report.write(run, _history(report_dir), report_dir / REPORT_NAME))
    return run


def _missing_table(suite: Suite, index: int) -> Outcome:
    spec = suite.expectations[index]
    meta = spec.get("meta", {})
    return Outcome(
        suite=suite.name,
        table=suite.table,
        check=meta.get("check", spec["type"]),
        label_id=meta.get("id", ""),
        label_en=meta.get("en", ""),
        expectation=spec["type"],
        severity=spec.get("severity", "critical"),
        success=False,
        thresholds=suite.thresholds[index],
        error=f"table {suite.table} does not exist in the warehouse (did dbt build finish?)",
    )


def _fresh_context(report_dir: Path):
    """A GX file context generated from expectations/: the configuration is rewritten on
    every run, validation results and Data Docs (gx/uncommitted) are kept."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    root = report_dir / "gx"
    if root.exists():
        for child in root.iterdir():
            if child.name != "uncommitted":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    context = gx.get_context(mode="file", project_root_dir=str(report_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # no tqdm bars on stderr
    context.variables.save()
    return context


def _validate(
    db: Path, report_dir: Path, suites: list[Suite], now: dt.datetime, run_id: str
) -> list[Outcome]:
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    from dtsen.quality import gx_duckdb

    gx_duckdb.apply()
    context = _fresh_context(report_dir)
    source = context.data_sources.add_sql(
        "dtsen_warehouse",
        connection_string=f"duckdb:///{db}",
        # never take the build's write lock
        kwargs={"connect_args": {"read_only": True, "config": _duckdb_config()}},
    )
    by_format: dict[str, list] = {"SUMMARY": [], "COMPLETE": []}
    by_name = {suite.name: suite for suite in suites}
    for suite in suites:
        asset = source.add_table_asset(
            name=suite.table, schema_name=suite.schema, table_name=suite.table_name
        )
        batch = asset.add_batch_definition_whole_table("whole_table")
        gx_suite = context.suites.add(
            gx.ExpectationSuite(
                name=suite.name, expectations=suite.expectations, meta={"description": suite.description}
            )
        )
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
        )
        # Query expectations return the rows that breach (programme, region...): keep them.
        # Row-level expectations keep a summary: a full list of bad values could be millions.
        queries = any(e["type"] == "unexpected_rows_expectation" for e in suite.expectations)
        by_format["COMPLETE" if queries else "SUMMARY"].append(definition)

    outcomes = []
    for result_format, definitions in by_format.items():
        if not definitions:
            continue
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=f"dtsen_quality_{result_format.lower()}",
                validation_definitions=definitions,
                result_format={"result_format": result_format, "partial_unexpected_count": MAX_ROWS_KEPT},
            )
        )
        result = checkpoint.run(run_id=RunIdentifier(run_name=f"dtsen-quality-{run_id}", run_time=now))
        for validation in result.run_results.values():
            suite = by_name[validation.suite_name]
            outcomes += [_outcome(suite, item) for item in validation.results]
    context.build_data_docs()
    # GX keeps its DuckDB connection in the engine: close it so the file is free again.
    source.get_execution_engine().close()
    return outcomes


def _outcome(suite: Suite, item) -> Outcome:
    config = item.expectation_config
    meta = config.meta or {}
    index = next(
        (i for i, e in enumerate(suite.expectations) if e.get("meta", {}).get("check") == meta.get("check")),
        None,
    )
    result = item.result or {}
    outcome = Outcome(
        suite=suite.name,
        table=suite.table,
        check=meta.get("check", config.type),
        label_id=meta.get("id", ""),
        label_en=meta.get("en", ""),
        expectation=config.type,
        severity=str(getattr(config.severity, "value", config.severity)),
        success=bool(item.success),
        thresholds=suite.thresholds[index] if index is not None else {},
    )
    info = item.exception_info or {}
    errors = [
        v.get("exception_message") for v in info.values() if isinstance(v, dict) and v.get("raised_exception")
    ]
    if info.get("raised_exception"):
        errors.append(info.get("exception_message"))
    if errors:
        outcome.success, outcome.error = (
            False,
            "GX could not evaluate it: " + "; ".join(str(e) for e in errors)[:500],
        )
    elif config.type == "unexpected_rows_expectation":
        outcome.observed = result.get("observed_value")
        outcome.rows = [
            dict(row)
            for row in (result.get("details") or {}).get("unexpected_rows", [])[:MAX_QUERY_ROWS_KEPT]
        ]
    elif "element_count" in result:
        outcome.element_count = result["element_count"]
        outcome.unexpected_count = result.get("unexpected_count") or 0
        checked = outcome.element_count - (result.get("missing_count") or 0)
        outcome.observed = 1 - outcome.unexpected_count / checked if checked else 1.0
        outcome.rows = list(result.get("partial_unexpected_list") or [])[:MAX_ROWS_KEPT]
    else:
        outcome.observed = result.get("observed_value")
    return outcome


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _store(run: QualityRun, report_dir: Path) -> None:
    """Append this run to the results store: JSON lines, one file per kind, never rewritten."""
    append_lines(
        report_dir / RESULTS_NAME,
        [
            {
                "run_id": run.run_id,
                "run_date": run.run_date,
                "db": run.db,
                **asdict(outcome),
                "blocking": outcome.blocking,
            }
            for outcome in run.outcomes
        ],
    )
    append_lines(
        report_dir / RUNS_NAME,
        [
            {
                "run_id": run.run_id,
                "run_date": run.run_date,
                "db": run.db,
                "seconds": round(run.seconds, 2),
                "expectations": len(run.outcomes),
                "blocking_failures": len(run.blocking_failures),
                "warnings": len(run.warnings),
                "figures": {k: v for k, v in run.figures.items() if k != "tables"},
                "mart_hashes": run.mart_hashes,
                "build_id": run.build_id,
            }
        ],
    )


def append_lines(path: Path, records: list[dict]) -> None:
    """Append records as JSON lines in one write, so a crash leaves at most one torn tail,
    never a record interleaved with another; a tail torn earlier (no final newline) is
    ended first, so this run's lines stay whole."""
    text = "".join(json.dumps(record, default=_json_default) + "\n" for record in records)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and _last_byte(path, size) != b"\n":
            text = "\n" + text
        data = text.encode("utf-8")
        written = os.write(fd, data)
        if written != len(data):  # a full disk: what was written is a torn line, skipped when read
            raise OSError(errno.ENOSPC, f"only {written} of {len(data)} bytes written", str(path))
        os.fsync(fd)
    finally:
        os.close(fd)


def _last_byte(path: Path, size: int) -> bytes:
    with open(path, "rb") as existing:
        existing.seek(size - 1)
        return existing.read(1)


def read_records(path: Path) -> list[dict]:
    """The records of a JSON-lines store. A line that is not a whole JSON object (torn by a
    crash or a full disk during its append) is reported on stderr, naming the file and the
    line, and skipped."""
    if not path.exists():
        return []
    records = []
    for number, line in enumerate(path.read_bytes().decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
        if not isinstance(record, dict):
            print(
                f"warning: {path} line {number}: a torn record (not a whole JSON object), skipped",
                file=sys.stderr,
            )
            continue
        records.append(record)
    return records


def _history(report_dir: Path) -> list[dict]:
    return [run for run in read_records(report_dir / RUNS_NAME) if "run_date" in run and "db" in run]


def main(db: Path, report_dir: Path | None = None) -> int:
    """What `dtsen quality` does: run, print every failure and the report's path, and
    return the exit code (1 on a blocking failure). Call this after `dbt build`."""
    run = run_quality(Path(db), report_dir)
    passed = sum(o.success for o in run.outcomes)
    print(
        f"\nData quality ({len(run.outcomes)} expectations, {passed} passed, "
        f"{len(run.blocking_failures)} blocking failures, {len(run.warnings)} warnings) "
        f"in {run.seconds:.1f} s"
    )
    for outcome in run.blocking_failures + run.warnings:
        print("  " + outcome.message())
    print(f"Results stored in {Path(run.report_dir) / RESULTS_NAME} (run {run.run_id}, {run.run_date})")
    print(f"Great Expectations Data Docs: {run.data_docs_path}")
    print(f"Data-quality report written: {run.report_path}")
    for channel in notify(run):  # never changes the exit code: a channel's failure goes to stderr
        print(f"Alert sent: {channel}")
    return run.exit_code


def last_result(db: Path, report_dir: Path | None = None) -> dict | None:
    """The newest stored quality run of `db` (a line of runs.jsonl: run_date,
    blocking_failures, warnings...), or None when it was never checked. A publish gate
    passes when it exists and its blocking_failures is 0."""
    db = Path(db).resolve()
    runs = [run for run in _history(Path(report_dir or default_report_dir(db))) if run["db"] == str(db)]
    return runs[-1] if runs else None
