"""The convention checks CI runs: dbt-score's rules and dtsen's (conventions/) over manifest.json.

Every violation fails unless conventions/exceptions.csv lists it (rule, node, reason: why it
stands). An exception that no longer matches a violation fails too, so that the list only holds
exceptions that are real today; so does one without a reason or naming an unknown rule.

    python scripts/check_conventions.py --manifest target/conventions/manifest.json
"""

import argparse
import csv
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CONVENTIONS_DIR = Path(__file__).resolve().parent.parent / "conventions"
EXCEPTIONS = CONVENTIONS_DIR / "exceptions.csv"
EXCEPTION_COLUMNS = ["rule", "node", "reason"]


@dataclass(frozen=True)
class Violation:
    rule: str  # the rule's short name, e.g. staging_reads_staging
    node: str  # a model's name, or <source>.<table> for a source table
    message: str


class ConventionError(Exception):
    """The check could not run, or its exceptions file is malformed."""


def node_name(unique_id: str, kind: str) -> str:
    """model.dtsen.stg_x -> stg_x; source.dtsen.bps.regsosek -> bps.regsosek."""
    parts = unique_id.split(".")
    return ".".join(parts[2:]) if kind == "source" else parts[-1]


def run_dbt_score(manifest: Path) -> tuple[list[Violation], set[str]]:
    """Run dbt-score (settings and rules from conventions/); its violations and the rules it ran."""
    if not manifest.is_file():
        raise ConventionError(f"{manifest}: no manifest.json (run dbt parse --target-path first)")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dbt_score",
            "lint",
            "--format",
            "json",
            "--manifest",
            str(manifest.resolve()),
        ],
        cwd=CONVENTIONS_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    # dbt-score exits 1 when a score is under the thresholds: the violations are read below.
    if result.returncode not in (0, 1):
        raise ConventionError(f"dbt-score failed on {manifest}:\n{result.stderr}{result.stdout}")
    report = json.loads(result.stdout)
    violations, rules = [], set()
    for unique_id, evaluated in report["evaluables"].items():
        for rule, outcome in evaluated["results"].items():
            short = rule.rsplit(".", 1)[-1]
            rules.add(short)
            if outcome["result"] == "ERR":
                raise ConventionError(f"rule {rule} crashed on {unique_id}: {outcome['message']}")
            if outcome["result"] == "WARN":
                violations.append(
                    Violation(short, node_name(unique_id, evaluated["type"]), outcome["message"] or "")
                )
    return violations, rules


def read_exceptions(path: Path) -> dict[tuple[str, str], str]:
    """(rule, node) -> reason, from a CSV with the header rule,node,reason."""
    exceptions: dict[tuple[str, str], str] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != EXCEPTION_COLUMNS:
            raise ConventionError(
                f"{path}: the header must be {','.join(EXCEPTION_COLUMNS)}, "
                f"not {','.join(reader.fieldnames or [])}"
            )
        for line, row in enumerate(reader, start=2):
            rule, node, reason = (row[c].strip() if row[c] else "" for c in EXCEPTION_COLUMNS)
            if not rule or not node or not reason:
                raise ConventionError(
                    f"{path}:{line}: an exception needs a rule, a node and "
                    f"a reason why it stands ({rule},{node})"
                )
            if (rule, node) in exceptions:
                raise ConventionError(f"{path}:{line}: {rule},{node} is listed twice")
            exceptions[(rule, node)] = reason
    return exceptions


def check(manifest: Path, exceptions_path: Path = EXCEPTIONS) -> list[str]:
    """Every problem found, one line each; empty when the project follows its conventions."""
    violations, rules = run_dbt_score(manifest)
    exceptions = read_exceptions(exceptions_path)
    problems = [f"{v.rule} {v.node}: {v.message}" for v in violations if (v.rule, v.node) not in exceptions]
    violated = {(v.rule, v.node) for v in violations}
    for rule, node in exceptions:
        if rule not in rules:
            problems.append(
                f"{exceptions_path.name}: {rule},{node}: no such rule (rules: {', '.join(sorted(rules))})"
            )
        elif (rule, node) not in violated:
            problems.append(
                f"{exceptions_path.name}: {rule},{node}: no longer violated, remove the exception"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--exceptions", type=Path, default=EXCEPTIONS)
    args = parser.parse_args(argv)
    try:
        problems = check(args.manifest, args.exceptions)
    except ConventionError as error:
        print(f"check_conventions: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(
            f"check_conventions: {len(problems)} problem(s); fix them, or add an exception "
            f"with its reason to {args.exceptions}",
            file=sys.stderr,
        )
        return 1
    print(
        f"check_conventions: {args.manifest} follows the conventions "
        f"({len(read_exceptions(args.exceptions))} explained exceptions)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
