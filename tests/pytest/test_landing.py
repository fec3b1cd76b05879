"""Delivery intake (dtsen.landing): which delivery is current, and the exact words used
when one is refused. Runs on real files and a real DuckDB connection, without dbt. Each
way a delivery goes wrong, with its outcome through a dbt build, is in test_bad_deliveries."""
from __future__ import annotations

import duckdb
import pytest

from deliveries import sample_rows, write_delivery, write_sample_landing
from dtsen.contract import FILES
from dtsen.landing import NoUsableDelivery, scan_landing


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def test_sample_landing_is_current(tmp_path, con):
    write_sample_landing(tmp_path)
    records = scan_landing(tmp_path, con)
    assert {r.status for r in records} == {"current"}
    assert len(records) == sum(len(files) for files in FILES.values())
    assert all(r.file_rows == r.manifest_rows for r in records)


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
    """Short rows, long rows and quoted newlines all count as one data row each; a long
    row keeps all its surplus fields, even after a blank one."""
    write_sample_landing(tmp_path)
    header = FILES["dtks"]["anggota.csv"]
    good = ["A1", "RT1", "3171014501900001", "", "Siti", "2", "05/01/1990", "2", "0", "0", "0", "0"]
    lines = [
        ";".join(header),
        ";".join(good),
        "A2;RT1",  # too few fields
        ";".join(good[:0] + ["A3"] + good[1:]) + ";surplus;more",  # too many fields
        ";".join(["A4", "RT1", "", "", '"Nama\ndua baris"'] + good[5:]),  # quoted newline
        ";".join(["A5"] + good[1:]) + ";;later",  # too many fields, the first surplus one blank
    ]
    raw = ("\ufeff" + "\n".join(lines) + "\n").encode()
    write_delivery(tmp_path, "dtks", "2026-11-01", sample_rows()["dtks"], raw={"anggota.csv": raw},
                   manifest_rows={"anggota.csv": 5})
    records = {r.file_name: r for r in scan_landing(tmp_path, con) if r.delivery == "2026-11-01"}
    assert records["anggota.csv"].status == "current"
    assert records["anggota.csv"].file_rows == 5
    rows = con.sql(f"select id_art, _extra_fields from {records['anggota.csv'].read_sql}").fetchall()
    assert rows == [("A1", None), ("A2", None), ("A3", "surplus;more"), ("A4", None), ("A5", ";later")]
