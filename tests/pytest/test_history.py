"""History across monthly runs: the eligibility snapshot keeps a version per change, dated
by the data, and a rebuild on the same deliveries adds nothing. The history names families
by pseudonym: a build with another key is refused before it writes any pseudonym, and a
rotation asked for carries the history over to the new key."""

from __future__ import annotations

import csv
import io
import shutil

import duckdb
from deliveries import write_delivery

from dtsen.contract import DIALECTS
from dtsen.pseudonym import (
    FINGERPRINT_TABLE,
    KEY_VARIABLE,
    PREVIOUS_KEY_VARIABLE,
    key_fingerprint,
    pseudonymise,
)

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
    for row in rows[1 : FLIPPED + 1]:
        row[column] = "0" if row[column] == "1" else "1"
    out = io.StringIO()
    csv.writer(out, delimiter=dialect.delimiter, lineterminator="\n").writerows(rows)
    files["rumah_tangga.csv"] = "\ufeff".encode() + out.getvalue().encode("utf-8")
    return files, [row[0] for row in rows[1 : FLIPPED + 1]]


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
            versions_after.append(
                con.sql("select count(*) from marts.snap_household_eligibility").fetchall()[0][0]
            )
    assert versions_after[0] == versions_after[1], "a rebuild on the same deliveries must add no version"

    con = duckdb.connect(str(db), read_only=True)
    try:
        first_month = con.sql("select min(dbt_valid_from) from marts.snap_household_eligibility").fetchall()[
            0
        ][0]
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


NEW_KEY = "5eed" * 16  # another published test-only key


def _copy_build(generated_build, tmp_path):
    _, _, root = generated_build
    landing, db = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    shutil.copytree(root / "landing", landing)
    shutil.copy(root / "warehouse.duckdb", db)
    return landing, db


def _key_state(db) -> dict:
    """What of the key the working database holds: the stored fingerprint, the fingerprint and
    one family pseudonym of the last pseudonym models, and the snapshot's families."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            "stored": con.sql(f"select fingerprint from {FINGERPRINT_TABLE}").fetchall(),
            "built": con.sql("select fingerprint from intermediate.int_pseudonym_key").fetchall(),
            "family": con.sql(
                "select identifier, pseudonym from intermediate.int_family_pseudonyms "
                "order by identifier limit 1"
            ).fetchall()[0],
            "history": con.sql(
                "select count(*), count(distinct family_id) from marts.snap_household_eligibility"
            ).fetchall()[0],
        }


def test_a_build_with_another_key_is_refused_before_any_pseudonym(
    generated_build, dbt_build, tmp_path, monkeypatch, pseudonym_key
):
    """Without the fingerprint, every family got a new pseudonym and the history doubled."""
    landing, db = _copy_build(generated_build, tmp_path)
    before = _key_state(db)
    assert before["stored"] == before["built"] == [(key_fingerprint(pseudonym_key.encode()),)]
    monkeypatch.setenv(KEY_VARIABLE, NEW_KEY)
    result = dbt_build(landing, db)
    assert result.returncode != 0
    assert (
        f"{KEY_VARIABLE} is not the key the working database's pseudonyms and history were made with"
        in result.stdout
    )
    assert "--vars '{rotate_pseudonym_key: true}'" in result.stdout
    assert "START snapshot" not in result.stdout
    assert _key_state(db) == before  # nothing of the new key written, history unchanged
    identifier, pseudonym = before["family"]
    assert pseudonymise([identifier], pseudonym_key.encode()) == [pseudonym]


def test_a_rotation_carries_the_history_over_to_the_new_key(
    generated_build, dbt_build, tmp_path, monkeypatch, pseudonym_key
):
    landing, db = _copy_build(generated_build, tmp_path)
    before = _key_state(db)
    with duckdb.connect(str(db), read_only=True) as con:
        families_by_card = dict(
            con.sql("""
            select pseudonyms.identifier, pseudonyms.pseudonym
            from intermediate.int_family_pseudonyms as pseudonyms
            semi join marts.snap_household_eligibility as history on history.family_id = pseudonyms.pseudonym
        """).fetchall()
        )
    assert len(families_by_card) == before["history"][1] > 0
    files, flipped_households = _dtks_with_pkh_flipped(landing)
    counts = {name: content.decode("utf-8-sig").count("\n") - 1 for name, content in files.items()}
    write_delivery(landing, "dtks", NEXT_MONTH, {}, raw=files, manifest_rows=counts)

    monkeypatch.setenv(KEY_VARIABLE, NEW_KEY)
    monkeypatch.setenv(PREVIOUS_KEY_VARIABLE, pseudonym_key)
    result = dbt_build(landing, db, ["--vars", "{rotate_pseudonym_key: true}"])
    assert result.returncode == 0, result.stdout[-3000:]

    after = _key_state(db)
    assert after["stored"] == after["built"] == [(key_fingerprint(NEW_KEY.encode()),)]
    renamed = {
        pseudonymise([card], pseudonym_key.encode())[0]: pseudonymise([card], NEW_KEY.encode())[0]
        for card in families_by_card
    }
    with duckdb.connect(str(db), read_only=True) as con:
        families = {
            family
            for (family,) in con.sql(
                "select distinct family_id from marts.snap_household_eligibility"
            ).fetchall()
        }
        # A family's versions, oldest first, under its new pseudonym.
        versions = {}
        for family, valid_from, valid_to in con.sql(
            "select family_id, dbt_valid_from, dbt_valid_to from marts.snap_household_eligibility "
            "where program = 'pkh' order by family_id, dbt_valid_from"
        ).fetchall():
            versions.setdefault(family, []).append((str(valid_from), valid_to and str(valid_to)))
        flipped = {
            family
            for (family,) in con.sql(f"""
            select distinct pseudonyms.pseudonym
            from intermediate.int_household_families as households
            join intermediate.int_family_pseudonyms as pseudonyms
                on pseudonyms.identifier = households.family_key
            where households.source = 'dtks'
                and households.source_household_id in ({", ".join(f"'{h}'" for h in flipped_households)})
        """).fetchall()
        }
    # The same families, each under its new pseudonym: none of the old key's is left.
    assert len(families) == before["history"][1]
    assert families == set(renamed.values())
    first_month = min(valid_from for history in versions.values() for valid_from, _ in history)
    # A family whose PKH receipt flipped next month continues its history: the version of
    # the first month, closed at next month, and next month's, open.
    moved = [history for family, history in versions.items() if family in flipped and len(history) == 2]
    assert len(moved) >= FLIPPED // 2
    assert all(history == [(first_month, NEXT_MONTH), (NEXT_MONTH, None)] for history in moved)
