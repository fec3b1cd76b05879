"""Command line: `dtsen generate | field-results | build | intake | report | evaluate | quality |
publish | export | examples | run | update | bench`.

`run` is the main job on synthetic data: generate the agencies' deliveries, dbt build,
issue a verification list for every regency and answer it from the truth (field results),
build again, report, score the result against the generator's truth, run the data-quality suites
(writing the ministries' report) and, when they pass, publish the analyst database.
`update` is the scheduled job on what the agencies delivered: build, quality suites, publish.
dbt runs in a subprocess, so the database file is closed when we read it afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import sys
import time
from pathlib import Path

from dtsen.operations import LOG_NAME, QUIET_VARIABLE, WARN_VARIABLE, DbtProgress, RunLog, env_flag
from dtsen.project import DEFAULT_ANALYST_DB, DEFAULT_DB, DEFAULT_LANDING, DEFAULT_TRUTH, dbt_build

ENVIRONMENT = f"""Environment:
  DTSEN_PSEUDONYM_KEY           key of the pseudonyms (64 hex digits; `run` makes a throwaway one)
  DTSEN_PSEUDONYM_KEY_PREVIOUS  the previous key, for a key rotation
  DTSEN_DISK_NEEDED             free disk the pre-flight asks for (e.g. 50GB, 0 to skip)
  DTSEN_MEMORY_LIMIT            DuckDB's memory limit for dbt (default 12GB)
  {QUIET_VARIABLE:<29} 1 for --quiet
  {WARN_VARIABLE:<29} --warn-exit-code of `run` and `quality`
  NO_COLOR                      set: no colours even on a terminal (DBT_USE_COLORS wins for dbt)

Exit status: 0 ok (and quality warnings, unless --warn-exit-code N), 1 blocked (a blocking
quality failure, a failed build, a refused publish or export), 2 refused before starting
(usage, pre-flight) or dbt could not run.
dtsen writes its log to <folder of the database>/quality/{LOG_NAME}, beside runs.jsonl;
docs/operations.md tells how to schedule runs."""


class HelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default and, where one sets it, its environment
    variable (an action's `envvar`); a description or epilog written on several lines
    (examples, the environment) keeps its line breaks, one written on one line is wrapped."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text.strip():
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.option_strings and not action.required and "default" not in text:
            if isinstance(action.default, bool):
                # a --no-x flag (store_false) is off when its default is True
                on = action.default != isinstance(action, argparse._StoreFalseAction)
                text += f" (default: {'on' if on else 'off'})"
            elif action.default not in (None, [], "", argparse.SUPPRESS):
                text += " (default: %(default)s)"
        envvar = getattr(action, "envvar", None)
        return f"{text} (env {envvar})" if envvar else text


class VersionAction(argparse.Action):
    """--version: the package version and the code's (git commit), computed only when asked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from dtsen.operations import version_text

        print(version_text())
        parser.exit()


def examples(*lines: str) -> str:
    return "Examples:\n" + "\n".join(f"  {line}" for line in lines)


def _generate(args: argparse.Namespace) -> None:
    from dtsen.generate import generate, parse_rate_overrides

    started = time.perf_counter()
    summary = generate(
        persons=args.persons,
        seed=args.seed,
        out=Path(args.out),
        truth=Path(args.truth),
        as_of=args.as_of,
        rates=parse_rate_overrides(args.rate),
        progress=args.run_log.say if _generation_progress(args) else args.run_log.log,
    )
    print(
        f"generated {args.persons:,} persons (seed {args.seed}) into {args.out} "
        f"in {time.perf_counter() - started:.1f} s; truth in {args.truth}"
    )
    for source, files in summary["rows"].items():
        for file_name, rows in files.items():
            print(f"  {source}/{file_name:<30} {rows:>12,} rows")


QUIET_PROGRESS_PERSONS = 1_000_000  # where a generation step takes tens of seconds


def _generation_progress(args: argparse.Namespace) -> bool:
    """A line per generation step on the terminal: always, but with --quiet only at millions
    of persons (the log has them in any case)."""
    return not args.quiet or args.persons >= QUIET_PROGRESS_PERSONS


def _next_month(args: argparse.Namespace) -> None:
    from dtsen.generate.month import next_month

    for source, result in next_month(Path(args.landing), args.seed).items():
        changes = ", ".join(f"{kind} {n:,}" for kind, n in result["changes"].items())
        print(f"{source} {result['extract_date']}: {changes}")
        for file_name, rows in result["rows"].items():
            print(f"  {source}/{file_name:<30} {rows:>12,} rows")


def _field_results(args: argparse.Namespace) -> int:
    from dtsen.generate import parse_rate_overrides
    from dtsen.generate.verifikasi import FieldResultsError, field_results

    try:
        summary = field_results(
            Path(args.lists),
            Path(args.landing),
            Path(args.truth),
            extract_date=args.extract_date,
            seed=args.seed,
            visit_share=args.visit_share,
            rates=parse_rate_overrides(args.rate),
        )
    except (FieldResultsError, ValueError) as error:
        print(f"dtsen field-results: {error}", file=sys.stderr)
        return 2
    print(
        f"verifikasi {summary['extract_date']}: answered {summary['lists']} issued lists "
        f"({summary['listed_families']:,} families listed); {summary['repeated']:,} visits repeated"
    )
    for jenis, results in summary["visits"].items():
        print(f"  {jenis:<11} " + ", ".join(f"{hasil} {n:,}" for hasil, n in results.items()))
    return 0


def _landing_set_by(args: argparse.Namespace) -> str:
    """What chose the landing folder, for the pre-flight's message."""
    if args.landing_given:
        return "given by --landing"
    return "the default; --landing DIR sets another, DTSEN_LANDING for dbt build alone"


def _preflight(command: str, args: argparse.Namespace) -> bool:
    """The pre-flight checks: every fault on one line of stderr; False if dbt must not start."""
    from dtsen.preflight import preflight

    faults = preflight(
        Path(args.landing), Path(args.db), _landing_set_by(args), getattr(args, "dbt_args", [])
    )
    for fault in faults:
        print(f"dtsen {command}: {fault}", file=sys.stderr)
    return not faults


def _build(args: argparse.Namespace) -> int:
    if not _preflight(args.command, args):
        return 2
    if not args.quiet:
        with args.run_log.stage("dbt build", capture=False) as stage:
            stage.code = dbt_build(Path(args.landing), Path(args.db), args.dbt_args).returncode
        return stage.code
    return _dbt_build_with_progress(args, "dbt build", args.dbt_args)


def _dbt_build_with_progress(args: argparse.Namespace, label: str, extra: list[str] | None = None) -> int:
    """dbt build with its output reduced to progress lines and one line at the end; its
    warnings and errors are printed in full."""
    with args.run_log.stage(label, capture=False) as stage:
        progress = DbtProgress(label, args.run_log.say)
        stage.code = dbt_build(Path(args.landing), Path(args.db), extra, on_line=progress.line).returncode
        args.run_log.say(progress.final(stage.code))
    return stage.code


def _intake(args: argparse.Namespace) -> int:
    from dtsen.landing import NoUsableDelivery, write_spark_intake

    try:
        records = write_spark_intake(Path(args.landing).resolve(), Path(args.out))
    except NoUsableDelivery as error:
        print(f"dtsen intake: {error}", file=sys.stderr)
        return 1
    print(
        f"intake: {sum(r.status == 'current' for r in records)} current files, "
        f"{sum(r.status == 'refused' for r in records)} refused; written to {args.out}"
    )
    return 0


def _report(args: argparse.Namespace) -> None:
    from dtsen.report import print_build_report

    print_build_report(Path(args.db))


def _evaluate(args: argparse.Namespace) -> int | None:
    from dtsen.evaluate import print_evaluation

    if getattr(args, "pmt_models", False):  # `dtsen run` evaluates without the comparison
        from dtsen.pmt_evaluation import TruthTooOld, print_comparison

        try:
            print_comparison(Path(args.db), Path(args.truth))
        except TruthTooOld as error:
            print(f"dtsen evaluate --pmt-models: {error}", file=sys.stderr)
            return 2
        return
    print_evaluation(Path(args.db), Path(args.truth))


def _quality(args: argparse.Namespace) -> int:
    from dtsen.quality.runner import main as quality_main

    report_dir = Path(args.report_dir) if args.report_dir else None
    return _judged(args, quality_main(Path(args.db), report_dir), report_dir)


def _judged(args: argparse.Namespace, code: int, report_dir: Path | None = None) -> int:
    """The exit status of a job the quality suites judged: block (its own non-zero code), warn
    (--warn-exit-code, 0 unless asked: the suites passed with warnings) or ok (0)."""
    from dtsen.quality.runner import last_result

    if code != 0:
        args.run_log.outcome = "block"
        return code
    record = last_result(Path(args.db), report_dir) or {}
    warnings = record.get("warnings", 0)
    args.run_log.outcome = f"warn: {warnings} quality warnings" if warnings else "ok"
    return args.warn_exit_code if warnings else 0


def _run(args: argparse.Namespace) -> int:
    from dtsen.pseudonym import KEY_VARIABLE

    if not os.environ.get(KEY_VARIABLE):
        # Synthetic data only: a key that lives as long as this process, never stored. No
        # history made with an earlier throwaway key can be carried over to it (a rotation
        # needs the old key), so the demo starts from a fresh working database.
        os.environ[KEY_VARIABLE] = secrets.token_hex(32)
        print(f"{KEY_VARIABLE} not set: using a throwaway pseudonym key for this synthetic demo run")
        _remove_working_database(Path(args.db))
    args.out = args.landing
    _remove_field_results(Path(args.landing), Path(args.truth), Path(args.db))
    stage = args.run_log.stage
    with stage("generate"):
        _generate(args)
    if not _preflight("run", args):
        return 2
    code = _demo_build(args, "on the agencies' data" if args.field_loop else "")
    if code != 0:
        return code
    if args.field_loop:
        with stage("field loop") as step:
            code = step.code = _field_loop(args)
        if code != 0:
            return code
    with stage("report"):
        _report(args)
    with stage("evaluate"):
        _evaluate(args)
    return _quality_then_publish(args)


def _update(args: argparse.Namespace) -> int:
    """The scheduled job on what the agencies delivered: dbt build, the quality suites and,
    when they pass, publish. Unlike `run` it generates nothing and makes up no key."""
    args.dbt_args = []
    code = _build(args)
    if code != 0:
        args.run_log.outcome = "refused" if code == 2 else "block"
        return code
    return _quality_then_publish(args)


def _quality_then_publish(args: argparse.Namespace) -> int:
    """The quality suites on the built database, then publish if nothing blocks; exit status
    block, warn or ok (_judged)."""
    from dtsen.quality.runner import REPORT_NAME, default_report_dir
    from dtsen.quality.runner import main as quality_main

    stage = args.run_log.stage
    with stage("quality", keep=lambda line: "FAILED" in line) as step:
        code = step.code = quality_main(Path(args.db))
    if code == 0:
        args.require_quality = True
        with stage("publish") as step:
            code = step.code = _publish(args)
        if code == 0:
            code = _judged(args, code)
    else:
        args.run_log.outcome = "block"
        args.run_log.say("Blocking data-quality failures: the analyst database is not published.")
    args.run_log.say(f"Report for ministries: {default_report_dir(Path(args.db).resolve()) / REPORT_NAME}")
    return code


DEMO_OPERATOR = "demo"


def _demo_build(args: argparse.Namespace, what: str) -> int:
    """dbt build with its output reduced to its progress and a line at the end (warnings and
    errors in full): the demo prints one line per build."""
    return _dbt_build_with_progress(args, f"dbt build {what}".strip())


def _remove_field_results(landing: Path, truth: Path, db: Path) -> None:
    """The demo generates a new population: field results of an earlier run answered lists
    of the old one, so they go with it (landing and truth), and so do the scores of its
    builds (`dtsen evaluate`'s before and after)."""
    import shutil

    from dtsen.evaluate import EVALUATIONS

    for folder in (landing / "verifikasi", truth / "verifikasi"):
        if folder.is_dir():
            shutil.rmtree(folder)
    (db.parent / EVALUATIONS).unlink(missing_ok=True)


def _field_loop(args: argparse.Namespace) -> int:
    """The fifth validation layer on synthetic data: issue a verification list for every
    regency (`dtsen export verifikasi`, operator DEMO_OPERATOR), let the district offices
    answer it from the generator's truth (`dtsen field-results`), and build again."""
    import shutil

    from dtsen.generate.verifikasi import FieldResultsError, field_results
    from dtsen.verification_list import ExportRefused, export_lists

    _record_targeting_before_field_results(args)
    lists = Path(args.db).resolve().parent / "daftar_verifikasi"
    if lists.is_dir():
        shutil.rmtree(lists)  # an earlier run's lists: their id_daftar are gone with its database
    try:
        exports = [e for e in export_lists(Path(args.db), lists, DEMO_OPERATOR) if e.files]
        print(
            f"verification lists: {sum(e.families for e in exports):,} families in {len(exports)} regencies "
            f"-> {lists} (operator {DEMO_OPERATOR})"
        )
        summary = field_results(lists, Path(args.landing), Path(args.truth), seed=args.seed)
    except (ExportRefused, FieldResultsError) as error:
        print(f"dtsen run: {error}", file=sys.stderr)
        return 1
    visits = "; ".join(
        f"{jenis} {sum(results.values()):,} ({', '.join(f'{h} {n:,}' for h, n in results.items())})"
        for jenis, results in summary["visits"].items()
    )
    print(f"field results {summary['extract_date']}: {visits}")
    return _demo_build(args, "with the field results")


def _record_targeting_before_field_results(args: argparse.Namespace) -> None:
    """Score the lists of the build without field results, so that `dtsen evaluate` after the
    next build shows the errors before and after them."""
    import duckdb

    from dtsen.evaluate import attach_truth, record_targeting, targeting_scores

    con = duckdb.connect(str(args.db), read_only=True)
    try:
        attach_truth(con, Path(args.truth))
        record_targeting(con, Path(args.db), targeting_scores(con))
    finally:
        con.close()


def _remove_working_database(db: Path) -> None:
    """Delete the working database and what DuckDB and the build keep beside it."""
    import shutil

    from dtsen.private_files import database_files

    found = database_files(db)
    for path in found:
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    if found:
        print(f"removed the working database {db} (its history was made with another key)")


def _bench(args: argparse.Namespace) -> int:
    from dtsen.project import NoBenchmarks, load_benchmark

    try:
        bench = load_benchmark("bench")
    except NoBenchmarks as error:
        print(f"dtsen bench: {error}", file=sys.stderr)
        return 2
    return bench.main(args.bench_args)


def _publish(args: argparse.Namespace) -> int:
    from dtsen.pseudonym import PseudonymKeyError
    from dtsen.publish import PublishRefused, publish, require_quality_passed

    try:
        publication = publish(
            Path(args.db),
            Path(args.analyst_db),
            quality_gate=require_quality_passed if args.require_quality else None,
        )
    except (PseudonymKeyError, PublishRefused) as refused:
        print(f"dtsen publish: {refused}", file=sys.stderr)
        return 1
    print(
        f"published {len(publication.tables)} tables to {publication.analyst_db} (read-only) "
        f"in {publication.seconds:.1f} s"
    )
    for table, (rows, content_hash) in publication.tables.items():
        print(f"  {table:<40} {rows:>12,} rows  {content_hash}")
    print(f"Parquet files of every table and view: {publication.parquet}")
    return 0


def _examples(args: argparse.Namespace) -> int:
    from dtsen.examples import ExampleError, refresh

    stale = []
    for page in args.pages:
        try:
            refreshed = refresh(Path(page), Path(args.analyst_db), check=args.check)
        except (ExampleError, OSError) as error:
            print(f"dtsen examples: {error}", file=sys.stderr)
            return 1
        stale += [(page, example) for example in refreshed.stale]
        fresh = len(refreshed.examples) - len(refreshed.stale)
        done = "stale" if args.check else "rewritten"
        print(
            f"{page}: {len(refreshed.examples)} examples, {fresh} up to date, {len(refreshed.stale)} {done}"
        )
    if args.check and stale:
        for page, example in stale:
            print(
                f"dtsen examples: {page} line {example.line}: example {example.name!r} is stale: its output "
                f"block is not what its query returns from {args.analyst_db}",
                file=sys.stderr,
            )
        print("dtsen examples: run `dtsen examples` (without --check) to rewrite them", file=sys.stderr)
        return 1
    return 0


def _export_verifikasi(args: argparse.Namespace) -> int:
    from dtsen.pseudonym import PseudonymKeyError
    from dtsen.verification_list import ExportRefused, export_lists

    if bool(args.kabupaten) == args.semua_kabupaten:
        print("dtsen export verifikasi: give --kabupaten KODE ... or --semua-kabupaten", file=sys.stderr)
        return 2
    try:
        exports = export_lists(
            Path(args.db),
            Path(args.out),
            args.operator,
            regencies=args.kabupaten or None,
            villages=args.desa,
            max_families=args.maks_keluarga,
            include_open=args.termasuk_terbuka,
        )
    except (PseudonymKeyError, ExportRefused) as refused:
        print(f"dtsen export verifikasi: {refused}", file=sys.stderr)
        return 1
    for export in exports:
        if not export.files:
            print(f"{export.kode_kabupaten_kota}: no family left to list (nothing written, nothing recorded)")
            continue
        print(
            f"{export.kode_kabupaten_kota}: {export.families:,} families, {export.persons:,} persons "
            f"-> {export.folder} (export {export.id_ekspor})"
        )
    return 0


def _add_generate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--persons", type=int, default=100_000, help="size of the true population")
    parser.add_argument("--seed", type=int, default=20261126, help="same seed, same bytes")
    parser.add_argument(
        "--truth", default=str(DEFAULT_TRUTH), help="folder for the truth (never read by dbt)"
    )
    parser.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        default=dt.date(2026, 10, 31),
        help="date the newest extract is taken (YYYY-MM-DD)",
    )
    parser.add_argument(
        "--rate",
        action="append",
        default=[],
        metavar="KIND=RATE",
        help="override an error rate (see docs/synthetic-data.md); repeatable (default: none)",
    )


def _add_warn_exit_code(parser: argparse.ArgumentParser) -> None:
    option = parser.add_argument(
        "--warn-exit-code",
        type=int,  # applied to the default from the environment too: a bad value is named
        default=os.environ.get(WARN_VARIABLE, "0"),
        metavar="N",
        help="exit status when the quality suites pass with warnings: 3 lets a scheduler tell "
        "warn from ok (0, the default, counts warnings as ok)",
    )
    option.envvar = WARN_VARIABLE


def _common_options() -> argparse.ArgumentParser:
    """Options every command has (after its name: `dtsen run --quiet`)."""
    common = argparse.ArgumentParser(add_help=False)
    quiet = common.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=env_flag(QUIET_VARIABLE),
        help="one line per stage: dbt's output reduced to its progress, details to the log file; "
        "warnings and errors always in full",
    )
    quiet.envvar = QUIET_VARIABLE
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dtsen", description=__doc__, epilog=ENVIRONMENT, formatter_class=HelpFormatter
    )
    parser.add_argument("--version", action=VersionAction, help="print the package and code versions")
    commands = parser.add_subparsers(dest="command", required=True)
    common = _common_options()

    def command(subparsers, name: str, **options) -> argparse.ArgumentParser:
        return subparsers.add_parser(name, formatter_class=HelpFormatter, parents=[common], **options)

    generate = command(
        commands,
        "generate",
        help="write a synthetic landing zone and its truth",
        epilog=examples("dtsen generate --persons 1000000 --out /data/landing --truth /data/truth"),
    )
    _add_generate_options(generate)
    generate.add_argument("--out", default=str(DEFAULT_LANDING), help="landing root to write")
    generate.set_defaults(handler=_generate)

    month = command(
        commands,
        "next-month",
        help="write next month's Dukcapil and DTKS deliveries, about 2 %% of records changed",
    )
    month.add_argument("--landing", default=str(DEFAULT_LANDING), help="landing root to add to")
    month.add_argument("--seed", type=int, default=20261126, help="same seed, same changes")
    month.set_defaults(handler=_next_month)

    field = command(
        commands,
        "field-results",
        help="write a verifikasi delivery answering the issued verification lists, from the truth",
        epilog=examples(
            "dtsen field-results --lists warehouse/daftar_verifikasi",
            "dtsen field-results --lists daftar/ --visit-share 0.5 --rate verifikasi.moved_since=0.1",
        ),
    )
    field.add_argument("--lists", required=True, help="folder holding issued lists (searched recursively)")
    field.add_argument("--landing", default=str(DEFAULT_LANDING), help="landing root to write to")
    field.add_argument("--truth", default=str(DEFAULT_TRUTH), help="the generator's truth to answer from")
    field.add_argument(
        "--extract-date",
        type=dt.date.fromisoformat,
        default=None,
        help="delivery date (default: a month after the newest delivery in the landing zone)",
    )
    field.add_argument("--seed", type=int, default=20261126, help="same seed, same answers")
    field.add_argument("--visit-share", type=float, default=0.8, help="share of listed families visited")
    field.add_argument(
        "--rate",
        action="append",
        default=[],
        metavar="KIND=RATE",
        help="e.g. verifikasi.moved_since=0.1; repeatable (default: none)",
    )
    field.set_defaults(handler=_field_results)

    # Every argument dtsen build does not know goes to dbt build unchanged (a leading `--`
    # ends dtsen's own options); no abbreviations, so that none of dbt's is taken for ours.
    build = command(
        commands,
        "build",
        help="dbt build on a landing zone; other arguments go to dbt build",
        allow_abbrev=False,
        usage="dtsen build [--landing DIR] [--db PATH] [--quiet] [--] [dbt build arguments]",
        epilog=examples(
            "dtsen build --landing /data/landing --db /data/warehouse/dtsen.duckdb --quiet",
            "dtsen build -- --select +mart_eligibility",
        ),
    )
    build.add_argument("--landing", help=f"landing root (default: {DEFAULT_LANDING})")
    build.add_argument("--db", default=str(DEFAULT_DB), help="working database to build")
    build.set_defaults(handler=_build)

    intake = command(
        commands,
        "intake",
        help="check the deliveries for a build on Spark (which runs no Python model): JSON lines",
    )
    intake.add_argument("--landing", default=str(DEFAULT_LANDING), help="landing root to check")
    intake.add_argument("--out", required=True, help="file the Spark target reads (its DTSEN_INTAKE)")
    intake.set_defaults(handler=_intake)

    report = command(commands, "report", help="what the last build staged and quarantined")
    report.add_argument("--db", default=str(DEFAULT_DB), help="working database the build wrote")
    report.set_defaults(handler=_report)

    evaluate = command(
        commands,
        "evaluate",
        help="score the built warehouse against the generator's truth",
        epilog=examples(
            "dtsen evaluate",
            "dtsen evaluate --db /data/warehouse/dtsen.duckdb --truth /data/truth",
            "dtsen evaluate --pmt-models",
        ),
    )
    evaluate.add_argument("--db", default=str(DEFAULT_DB), help="working database the build wrote")
    evaluate.add_argument("--truth", default=str(DEFAULT_TRUTH), help="the generator's truth")
    evaluate.add_argument(
        "--pmt-models",
        action="store_true",
        help="instead: compare the PMT candidates against the truth at 1-4x the survey's size (docs/pmt.md)",
    )
    evaluate.set_defaults(handler=_evaluate)

    quality = command(
        commands,
        "quality",
        help="run the Great Expectations suites, store results, write the HTML report and Data Docs",
    )
    quality.add_argument("--db", default=str(DEFAULT_DB), help="working database the build wrote")
    quality.add_argument(
        "--report-dir",
        default=None,
        help="folder of the results (runs.jsonl), reports and log "
        "(default: <folder of the database>/quality)",
    )
    _add_warn_exit_code(quality)
    quality.set_defaults(handler=_quality)

    run = command(
        commands,
        "run",
        help="the main job: generate, dbt build, verification lists out and field results in, build "
        "again, report, evaluate, quality suites, publish",
        epilog=examples(
            "dtsen run                        # 100,000 persons with a throwaway pseudonym key",
            "dtsen run --persons 1000000 --quiet",
            "dtsen run --quiet --landing /data/landing --db /data/warehouse/dtsen.duckdb \\",
            "    --analyst-db /data/warehouse/analyst.duckdb   # DTSEN_PSEUDONYM_KEY set: the key kept",
            "dtsen run --persons 3000 --no-field-loop",
        ),
    )
    _add_generate_options(run)
    run.add_argument("--landing", help=f"landing root to write (default: {DEFAULT_LANDING})")
    run.add_argument("--db", default=str(DEFAULT_DB), help="working database to build")
    run.add_argument("--analyst-db", default=str(DEFAULT_ANALYST_DB), help="read-only database for analysts")
    run.add_argument(
        "--field-loop",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="issue verification lists, answer them from the truth and build again (the fifth layer)",
    )
    _add_warn_exit_code(run)
    run.set_defaults(handler=_run)

    update = command(
        commands,
        "update",
        help="the scheduled job on the agencies' deliveries: dbt build, quality suites, publish "
        "when they pass (generates nothing; needs DTSEN_PSEUDONYM_KEY)",
        epilog=examples(
            "dtsen update --quiet --warn-exit-code 3",
            "dtsen update --landing /data/landing --db /data/warehouse/dtsen.duckdb \\",
            "    --analyst-db /data/warehouse/analyst.duckdb",
        ),
    )
    update.add_argument("--landing", help=f"the agencies' landing root (default: {DEFAULT_LANDING})")
    update.add_argument("--db", default=str(DEFAULT_DB), help="working database to build")
    update.add_argument("--analyst-db", default=str(DEFAULT_ANALYST_DB), help="analyst database to replace")
    _add_warn_exit_code(update)
    update.set_defaults(handler=_update)

    # The benchmark is not part of the package (benchmarks/bench.py): it parses its own
    # options, --help included, so the command line does not load it unless asked to run it.
    bench = commands.add_parser(
        "bench",
        help="time the full job per stage at one or more population sizes (dtsen bench --help)",
        add_help=False,
        allow_abbrev=False,
        usage="dtsen bench [benchmark options; --help lists them]",
    )
    bench.set_defaults(handler=_bench)

    publish = command(
        commands,
        "publish",
        help="publish the marts of a quality-passed build as the read-only analyst database",
    )
    publish.add_argument("--db", default=str(DEFAULT_DB), help="working database the build wrote")
    publish.add_argument("--analyst-db", default=str(DEFAULT_ANALYST_DB), help="analyst database to replace")
    publish.add_argument(
        "--require-quality",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="refuse unless the working database's last quality result is a pass",
    )
    publish.set_defaults(handler=_publish)

    from dtsen.project import PROJECT_DIR

    example_pages = command(
        commands,
        "examples",
        help="rewrite the output of the example queries in README.md from the analyst database",
        description="Runs every example query of the pages (a <!-- example: NAME --> marker, a ```sql "
        "block, its ```text output block) read-only against the analyst database and rewrites the "
        "output blocks that differ. The README's outputs are of the default demo: `dtsen run` first.",
        epilog=examples(
            "dtsen run && dtsen examples",
            "dtsen examples --check        # exit 1 naming each stale example, nothing written",
            "dtsen examples docs/page.md --analyst-db /data/warehouse/analyst.duckdb",
        ),
    )
    example_pages.add_argument(
        "pages",
        nargs="*",
        default=[str(PROJECT_DIR / "README.md")],
        metavar="PAGE",
        help="Markdown pages (default: the project's README.md)",
    )
    example_pages.add_argument(
        "--analyst-db", default=str(DEFAULT_ANALYST_DB), help="published analyst database to query"
    )
    example_pages.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 naming each stale example"
    )
    example_pages.set_defaults(handler=_examples)

    export = command(commands, "export", help="issue a list to the field (export verifikasi --help)")
    exports = export.add_subparsers(dest="what", required=True)
    verifikasi = command(
        exports,
        "verifikasi",
        help="the verification list of a regency: CSV and XLSX, recorded in daftar.ekspor_verifikasi",
        description="Needs the pseudonym key the working database was built with (DTSEN_PSEUDONYM_KEY). "
        "Writes <out>/<kode_kabupaten_kota>/daftar_verifikasi.csv, daftar_verifikasi_anggota.csv and "
        "daftar_verifikasi.xlsx (mode 0600); see docs/verification-list.md.",
        epilog=examples(
            "dtsen export verifikasi --kabupaten 3201 --operator petugas01 --out daftar/",
            "dtsen export verifikasi --kabupaten 3201 --desa 3201010001 3201010002 --operator petugas01 "
            "--out daftar/",
            "dtsen export verifikasi --semua-kabupaten --maks-keluarga 500 --operator petugas01 "
            "--out daftar/",
        ),
    )
    verifikasi.add_argument(
        "--kabupaten", nargs="+", default=[], metavar="KODE", help="4-digit regency codes (default: none)"
    )
    verifikasi.add_argument(
        "--semua-kabupaten", action="store_true", help="every regency with a family to list, one folder each"
    )
    verifikasi.add_argument(
        "--desa", nargs="+", metavar="KODE", help="only these villages, 10-digit codes (default: all)"
    )
    verifikasi.add_argument("--operator", required=True, help="the operator's id, kept in the audit record")
    verifikasi.add_argument("--out", required=True, help="folder to write into (one sub-folder per regency)")
    verifikasi.add_argument(
        "--maks-keluarga", type=int, metavar="N", help="at most N families per regency (default: all)"
    )
    verifikasi.add_argument(
        "--termasuk-terbuka",
        action="store_true",
        help="list again families whose earlier listing no visit has answered yet",
    )
    verifikasi.add_argument("--db", default=str(DEFAULT_DB), help="working database the build wrote")
    verifikasi.set_defaults(handler=_export_verifikasi)
    return parser


# Commands that time (and with --quiet, shorten) their stages themselves: the others are one stage.
OWN_STAGES = ("run", "update", "build", "bench")


def _log_path(args: argparse.Namespace) -> Path | None:
    """The command's log beside the quality results (runs.jsonl) of its database; None for a
    command without a database (generate, next-month, field-results, intake, bench)."""
    if getattr(args, "report_dir", None):
        return Path(args.report_dir).resolve() / LOG_NAME
    if getattr(args, "db", None):
        from dtsen.quality.runner import default_report_dir

        return default_report_dir(Path(args.db)) / LOG_NAME
    return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    args, unknown = parser.parse_known_args(argv)
    if args.command == "build":
        args.dbt_args = unknown[1:] if unknown[:1] == ["--"] else unknown
    elif args.command == "bench":
        args.bench_args = unknown
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command in ("build", "run", "update"):
        args.landing_given = args.landing is not None
        args.landing = args.landing or str(DEFAULT_LANDING)
    args.quiet = getattr(args, "quiet", False)
    args.run_log = RunLog(_log_path(args), ["dtsen", *argv], args.quiet)
    code = 1
    try:
        if args.command in OWN_STAGES:
            code = args.handler(args) or 0
        else:
            with args.run_log.stage(args.command, keep=lambda line: "FAILED" in line) as stage:
                code = stage.code = args.handler(args) or 0
    except KeyboardInterrupt:
        code, args.run_log.outcome = 130, "interrupted"
        raise
    except Exception as error:
        args.run_log.outcome = f"crashed: {type(error).__name__}: {error}"
        raise
    finally:
        args.run_log.end(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
