"""History across monthly runs: the eligibility snapshot keeps a version per change, dated
by the data, and a rebuild on the same deliveries adds nothing."""
from __future__ import annotations

import csv
import io
import shutil

import duckdb

from deliveries import write_delivery
from dtsen.contract import DIALECTS

NEXT_MONTH = "2026-11-30"  # newer than every delivery the session's population has
FLIPPED = 25


def _dtks_with_pkh_flipped(landing) -> dict[str, bytes]:
    """The current DTKS delivery's files, with PKH receipt switched on or off for the first
    FLIPPED households, as next month's delivery."""
    current = max(path for path in (landing / "dtks").iterdir() if path.is_dir())
    files = {path.name: path.read_bytes() for path in current.iterdir() if path.suffix == ".csv"}
    dialect = DIALECTS["dtks"]
    text = files["rumah_tangga.csv"].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=dialect.delimiter))
    column = rows[0].index("penerima_pkh")
    for row in rows[1:FLIPPED + 1]:
        row[column] = "0" if row[column] == "1" else "1"
    out = io.StringIO()
    csv.writer(out, delimiter=dialect.delimiter, lineterminator="\n").writerows(rows)
    files["rumah_tangga.csv"] = "\ufeff".encode() + out.getvalue().encode("utf-8")
    return files, [row[0] for row in rows[1:FLIPPED + 1]]


def test_snapshot_keeps_a_version_per_change(generated_build, dbt_build, tmp_path):
    _, _, root = generated_build
    landing, db = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    shutil.copytree(root / "landing", landing)
    shutil.copy(root / "warehouse.duckdb", db)
    files, flipped_households = _dtks_with_pkh_flipped(landing)
    counts = {name: content.decode("utf-8-sig").count("\n") - 1 for name, content in files.items()}
    write_delivery(landing, "dtks", NEXT_MONTH, {}, raw=files, manifest_rows=counts)

    versions_after = []
    for run in ("next month", "next month again"):
        result = dbt_build(landing, db)
        assert result.returncode == 0, (run, result.stdout[-3000:])
        with duckdb.connect(str(db), read_only=True) as con:
            versions_after.append(con.sql("select count(*) from marts.snap_household_eligibility").fetchall()[0][0])
    assert versions_after[0] == versions_after[1], "a rebuild on the same deliveries must add no version"

    con = duckdb.connect(str(db), read_only=True)
    try:
        first_month = con.sql("select min(dbt_valid_from) from marts.snap_household_eligibility").fetchall()[0][0]
        changed = con.sql(f"""
            with flipped as (
                select distinct pseudonyms.pseudonym as family_id
                from intermediate.int_household_families as households
                join intermediate.int_family_pseudonyms as pseudonyms
                    on pseudonyms.identifier = households.family_key
                where households.source = 'dtks'
                    and households.source_household_id in ({", ".join(f"'{h}'" for h in flipped_households)})
            )
            select history.family_id, count(*) as versions,
                count(*) filter (where history.dbt_valid_to = date '{NEXT_MONTH}') as closed_at_next_month,
                count(*) filter (where history.dbt_valid_to is null
                                 and history.dbt_valid_from = date '{NEXT_MONTH}') as opened_at_next_month
            from marts.snap_household_eligibility as history join flipped using (family_id)
            where history.program = 'pkh'
            group by history.family_id
        """).fetchall()
    finally:
        con.close()
    assert str(first_month) < NEXT_MONTH
    # A family whose PKH receipt flipped has its old version closed and a new one opened at
    # next month's data date (a family with two flipped households may flip back: skip those).
    assert len(changed) >= FLIPPED // 2
    moved = [row for row in changed if row[1] == 2]
    assert len(moved) >= FLIPPED // 2
    assert all(closed == 1 and opened == 1 for _, _, closed, opened in moved)
