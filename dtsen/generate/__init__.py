"""Synthetic data generator: a true population, the four agencies' deliveries, the truth.

    from dtsen.generate import generate, DEFAULT_RATES, parse_rate_overrides
    summary = generate(persons=100_000, seed=1, out=Path("landing"), truth=Path("truth"),
                       rates=parse_rate_overrides(["dtks.nik_damaged=0.1"]))

See docs/synthetic-data.md for what is generated and every error kind.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from dtsen.contract import EXTRACT_SOURCES
from dtsen.generate import agencies, db, population, regions, writer
from dtsen.generate.rates import DEFAULT_RATES, parse_rate_overrides, resolve
from dtsen.generate.timeline import Timeline

__all__ = ["DEFAULT_RATES", "GENERATOR_VERSION", "generate", "parse_rate_overrides"]

GENERATOR_VERSION = "1.0.0"


def generate(
    persons: int,
    seed: int,
    out: Path,
    truth: Path,
    as_of: date = date(2026, 10, 31),
    rates: dict[str, float] | None = None,
    seeds: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Generate `persons` people (dead included) and write the landing zone to `out` and
    the truth to `truth`. Same arguments, same bytes.

    rates: overrides of DEFAULT_RATES by full key (see parse_rate_overrides).
    seeds: folder with the region seeds (default: the project's seeds/).
    progress: called with a line after each step (population steps, each source built and
    written, the truth), so that a run at millions of persons shows where it is.
    Returns rows per file, seconds per step, population facts and the error report
    (also written to truth/error_rates.json).
    """
    if persons < 1:
        raise ValueError("persons must be at least 1")
    resolved = resolve(rates)
    tl = Timeline.for_as_of(as_of)
    out, truth = Path(out), Path(truth)
    timings: dict[str, float] = {}
    clock = started = reported = time.perf_counter()

    def lap(step: str, report: bool = True) -> None:
        nonlocal clock, reported
        now = time.perf_counter()
        timings[step] = round(now - clock, 2)
        clock = now
        if progress and report:
            progress(
                f"generate {persons:,} persons: {step} in {now - reported:.1f} s "
                f"({now - started:.0f} s in all)"
            )
            reported = now

    rows: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory(prefix="dtsen-generate-") as workdir:
        parts = Path(workdir) / "truth-parts"
        parts.mkdir()
        con = db.connect(Path(workdir), seed)
        try:
            historic = regions.load(con, seeds or regions.SEEDS_DIR)
            facts = population.build(con, persons, resolved, tl, step=lap)

            def deliver(source: str) -> None:
                lap(source, report=False)
                rows[source] = writer.deliver(con, source, out, parts, tl)
                lap(f"{source} files")

            agencies.build(con, resolved, tl, deliver)
            writer.write_truth(con, truth, parts)
            report = writer.error_report(con, resolved)
            lap("truth")
        finally:
            con.close()
    summary = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "persons": persons,
        "as_of": as_of.isoformat(),
        "extract_dates": {source: tl.extract(source).isoformat() for source in EXTRACT_SOURCES},
        "historic_region_codes": historic,
        "rates": resolved,
        "population": facts,
        "errors": report,
    }
    (truth / "error_rates.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return {**summary, "rows": rows, "seconds": timings}
