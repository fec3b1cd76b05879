"""Delivery intake (dtsen.landing): which delivery is current, and the exact words used
when one is refused. Runs on real files and a real DuckDB connection, without dbt."""
from __future__ import annotations

import duckdb
import pytest

from deliveries import csv_bytes, sample_rows, write_delivery, write_sample_landing
from dtsen.contract import FILES
from dtsen.landing import NoUsableDelivery, scan_landing


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def _statuses(records, source):
    return {(r.delivery, r.file_name): (r.status, r.file_problem) for r in records if r.source == source}


def test_sample_landing_is_current(tmp_path, con):
    write_sample_landing(tmp_path)
    records = scan_landing(tmp_path, con)
    assert {r.status for r in records} == {"current"}
    assert len(records) == sum(len(files) for files in FILES.values())
    assert all(r.file_rows == r.manifest_rows for r in records)


def test_newer_delivery_with_wrong_checksum_is_refused_and_previous_stays_current(tmp_path, con):
    write_sample_landing(tmp_path)
    newer = write_delivery(tmp_path, "dtks", "2026-11-01", sample_rows()["dtks"])
    (newer / "anggota.csv").write_bytes((newer / "anggota.csv").read_bytes() + b"A3;RT1;;;X;1;01/01/2000;3;0;0;0;0\n")
    statuses = _statuses(scan_landing(tmp_path, con), "dtks")
    assert statuses[("2026-11-01", "anggota.csv")] == ("refused", "sha256 does not match the manifest")
    assert statuses[("2026-11-01", "rumah_tangga.csv")][0] == "refused"
    assert statuses[("2026-10-01", "anggota.csv")] == ("current", None)


def test_row_count_mismatch_is_refused_with_both_counts(tmp_path, con):
    write_sample_landing(tmp_path)
    write_delivery(tmp_path, "p3ke", "2026-09-30", sample_rows()["p3ke"], manifest_rows={"individu.csv": 5})
    records = [r for r in scan_landing(tmp_path, con) if r.delivery == "2026-09-30"]
    assert {r.status for r in records} == {"refused"}
    problem = records[0].delivery_problem
    assert problem == "individu.csv: row count 1 does not match the manifest's 5"


def test_missing_column_is_refused_naming_it(tmp_path, con):
    write_sample_landing(tmp_path)
    header = [c for c in FILES["dukcapil"]["penduduk.csv"] if c != "tanggal_lahir"]
    raw = csv_bytes("dukcapil", header, [["x"] * len(header)])
    write_delivery(tmp_path, "dukcapil", "2026-11-30", {}, raw={"penduduk.csv": raw}, manifest_rows={"penduduk.csv": 1})
    statuses = _statuses(scan_landing(tmp_path, con), "dukcapil")
    assert statuses[("2026-11-30", "penduduk.csv")] == ("refused", "missing required column(s): tanggal_lahir")
    assert statuses[("2026-10-31", "penduduk.csv")][0] == "current"


def test_file_not_utf8_is_unreadable(tmp_path, con):
    write_sample_landing(tmp_path)
    header = FILES["p3ke"]["individu.csv"]
    raw = (",".join(header) + "\n" + ",".join(["I9", "K1", "", "S\xe9PTI"] + [""] * (len(header) - 4)) + "\n").encode("latin-1")
    write_delivery(tmp_path, "p3ke", "2026-09-30", sample_rows()["p3ke"], raw={"individu.csv": raw},
                   manifest_rows={"individu.csv": 1})
    statuses = _statuses(scan_landing(tmp_path, con), "p3ke")
    status, problem = statuses[("2026-09-30", "individu.csv")]
    assert status == "refused" and problem.startswith("unreadable:")


def test_delivery_without_manifest_is_incomplete(tmp_path, con):
    write_sample_landing(tmp_path)
    newer = write_delivery(tmp_path, "bps", "2026-09-30", sample_rows()["bps"])
    (newer / "_manifest.json").unlink()
    records = [r for r in scan_landing(tmp_path, con) if r.delivery == "2026-09-30"]
    assert {r.delivery_problem for r in records} == {"no _manifest.json (delivery incomplete)"}


def test_source_without_usable_delivery_stops_naming_source_delivery_and_problem(tmp_path, con):
    write_sample_landing(tmp_path)
    (tmp_path / "dtks" / "2026-10-01" / "_manifest.json").unlink()
    with pytest.raises(NoUsableDelivery) as raised:
        scan_landing(tmp_path, con)
    message = str(raised.value)
    assert message.startswith("source dtks has no usable delivery in ")
    assert "2026-10-01: no _manifest.json (delivery incomplete)" in message


def test_malformed_rows_are_counted_not_dropped(tmp_path, con):
    """Short rows, long rows and quoted newlines all count as one data row each."""
    write_sample_landing(tmp_path)
    header = FILES["dtks"]["anggota.csv"]
    good = ["A1", "RT1", "3171014501900001", "", "Siti", "2", "05/01/1990", "2", "0", "0", "0", "0"]
    lines = [
        ";".join(header),
        ";".join(good),
        "A2;RT1",  # too few fields
        ";".join(good[:0] + ["A3"] + good[1:]) + ";surplus;more",  # too many fields
        ";".join(["A4", "RT1", "", "", '"Nama\ndua baris"'] + good[5:]),  # quoted newline
    ]
    raw = ("\ufeff" + "\n".join(lines) + "\n").encode()
    write_delivery(tmp_path, "dtks", "2026-11-01", sample_rows()["dtks"], raw={"anggota.csv": raw},
                   manifest_rows={"anggota.csv": 4})
    records = {r.file_name: r for r in scan_landing(tmp_path, con) if r.delivery == "2026-11-01"}
    assert records["anggota.csv"].status == "current"
    assert records["anggota.csv"].file_rows == 4
    rows = con.sql(f"select id_art, _extra_fields from {records['anggota.csv'].read_sql}").fetchall()
    assert [r[0] for r in rows] == ["A1", "A2", "A3", "A4"]
    assert rows[2][1] is not None and rows[0][1] is None
