"""Helpers for the data-quality tests: run `dtsen quality` as the scheduled job does (a
subprocess, so its DuckDB connections never meet the test's own), and make a broken
delivery."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from deliveries import write_delivery


def run_quality(db: Path, report_dir: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`dtsen quality` in a subprocess; env: variables to set on top of the test's own."""
    command = [
        str(Path(sys.executable).with_name("dtsen")),
        "quality",
        "--db",
        str(db),
        "--report-dir",
        str(report_dir),
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})}
    )


def add_damaged_dtks_delivery(landing: Path, extract_date: str, damaged_share: float) -> int:
    """A newer DTKS delivery: the current one's files, with the NIK of `damaged_share` of the
    members turned into spreadsheet exponent form (digits lost). Returns how many."""
    current = sorted(p for p in (landing / "dtks").iterdir() if p.is_dir())[-1]
    text = (current / "anggota.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, body = rows[0], rows[1:]
    nik = header.index("nik")
    damaged = 0
    for number, row in enumerate(body):
        # spread evenly: row n is hit when the running count n * share passes an integer
        if int((number + 1) * damaged_share) > int(number * damaged_share) and row[nik]:
            row[nik] = f"{row[nik][0]}.{row[nik][1:6]}E+15"
            damaged += 1
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows([header, *body])
    write_delivery(
        landing,
        "dtks",
        extract_date,
        rows={},
        raw={
            "anggota.csv": "\ufeff".encode() + out.getvalue().encode("utf-8"),
            "rumah_tangga.csv": (current / "rumah_tangga.csv").read_bytes(),
        },
        manifest_rows={
            "anggota.csv": len(body),
            "rumah_tangga.csv": _data_rows(current / "rumah_tangga.csv"),
        },
    )
    return damaged


def _data_rows(path: Path) -> int:
    text = path.read_bytes().decode("utf-8-sig")
    return len(list(csv.reader(io.StringIO(text), delimiter=";"))) - 1
