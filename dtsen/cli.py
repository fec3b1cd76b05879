"""Command line: `dtsen generate | build | report | evaluate | run`.

`run` is the main job on synthetic data: generate the agencies' deliveries, dbt build,
report, and score the result against the generator's truth. dbt runs in a subprocess, so
the database file is closed when we read it afterwards.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_LANDING = PROJECT_DIR / "landing"
DEFAULT_TRUTH = PROJECT_DIR / "truth"
DEFAULT_DB = PROJECT_DIR / "warehouse" / "dtsen.duckdb"


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
    )
    print(f"generated {args.persons:,} persons (seed {args.seed}) into {args.out} "
          f"in {time.perf_counter() - started:.1f} s; truth in {args.truth}")
    for source, files in summary["rows"].items():
        for file_name, rows in files.items():
            print(f"  {source}/{file_name:<30} {rows:>12,} rows")


def dbt_build(landing: Path, db: Path, extra: list[str] | None = None, isolated: bool = False,
              capture: bool = False) -> subprocess.CompletedProcess:
    """Run `dbt build` on the in-project profile against `landing`, writing `db`.

    isolated: dbt's target/ and logs/ go beside the database instead of the project, so
    several builds (tests, benchmarks) can run without sharing artefacts.
    """
    db.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DTSEN_LANDING": str(landing.resolve()), "DTSEN_DB": str(db.resolve())}
    command = [str(Path(sys.executable).with_name("dbt")), "build", "--profiles-dir", str(PROJECT_DIR),
               "--project-dir", str(PROJECT_DIR)]
    if isolated:
        command += ["--target-path", str(db.parent / "target"), "--log-path", str(db.parent / "logs")]
    return subprocess.run([*command, *(extra or [])], env=env, cwd=PROJECT_DIR, capture_output=capture, text=True)


def _build(args: argparse.Namespace) -> int:
    return dbt_build(Path(args.landing), Path(args.db), args.dbt_args).returncode


def _report(args: argparse.Namespace) -> None:
    from dtsen.report import print_build_report

    print_build_report(Path(args.db))


def _evaluate(args: argparse.Namespace) -> None:
    from dtsen.evaluate import print_evaluation

    print_evaluation(Path(args.db), Path(args.truth))


def _run(args: argparse.Namespace) -> int:
    from dtsen.pseudonym import KEY_VARIABLE

    if not os.environ.get(KEY_VARIABLE):
        # Synthetic data only: a key that lives as long as this process, never stored.
        os.environ[KEY_VARIABLE] = secrets.token_hex(32)
        print(f"{KEY_VARIABLE} not set: using a throwaway pseudonym key for this synthetic demo run")
    args.out = args.landing
    _generate(args)
    started = time.perf_counter()
    code = dbt_build(Path(args.landing), Path(args.db)).returncode
    print(f"dbt build finished with exit code {code} in {time.perf_counter() - started:.1f} s")
    if code == 0:
        _report(args)
        _evaluate(args)
    return code


def _add_generate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--persons", type=int, default=100_000, help="size of the true population")
    parser.add_argument("--seed", type=int, default=20261126, help="same seed, same bytes")
    parser.add_argument("--truth", default=str(DEFAULT_TRUTH), help="folder for the truth (never read by dbt)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 10, 31),
                        help="date the newest extract is taken (YYYY-MM-DD)")
    parser.add_argument("--rate", action="append", default=[], metavar="KIND=RATE",
                        help="override an error rate (see docs/synthetic-data.md); repeatable")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dtsen", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write a synthetic landing zone and its truth")
    _add_generate_options(generate)
    generate.add_argument("--out", default=str(DEFAULT_LANDING), help="landing root to write")
    generate.set_defaults(handler=_generate)

    build = commands.add_parser("build", help="dbt build on a landing zone")
    build.add_argument("--landing", default=str(DEFAULT_LANDING))
    build.add_argument("--db", default=str(DEFAULT_DB))
    build.add_argument("dbt_args", nargs=argparse.REMAINDER, help="passed to dbt build")
    build.set_defaults(handler=_build)

    report = commands.add_parser("report", help="what the last build staged and quarantined")
    report.add_argument("--db", default=str(DEFAULT_DB))
    report.set_defaults(handler=_report)

    evaluate = commands.add_parser("evaluate", help="score the built warehouse against the generator's truth")
    evaluate.add_argument("--db", default=str(DEFAULT_DB))
    evaluate.add_argument("--truth", default=str(DEFAULT_TRUTH))
    evaluate.set_defaults(handler=_evaluate)

    run = commands.add_parser("run", help="the main job: generate, dbt build, report, evaluate")
    _add_generate_options(run)
    run.add_argument("--landing", default=str(DEFAULT_LANDING))
    run.add_argument("--db", default=str(DEFAULT_DB))
    run.set_defaults(handler=_run)

    args = parser.parse_args(argv)
    return args.handler(args) or 0


if __name__ == "__main__":
    sys.exit(main())
