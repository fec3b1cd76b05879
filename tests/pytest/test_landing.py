"""Delivery intake (dtsen.landing): which delivery is current, and the exact words used
when one is refused. Runs on real files and a real DuckDB connection, without dbt. Each
way a delivery goes wrong, with its outcome through a dbt build, is in test_bad_deliveries."""
from __future__ import annotations

import os

import duckdb
import pytest

from deliveries import sample_rows, write_delivery, write_sample_landing
from dtsen.contract import FILES
from dtsen import landing
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


def test_files_verified_before_and_unchanged_are_not_read_again(tmp_path, con, monkeypatch):
    write_sample_landing(tmp_path)
    first = scan_landing(tmp_path, con)
    verified = {r.file_path: vars(r) for r in first}
    changed = next(r for r in first if r.source == "dtks" and r.file_name == "anggota.csv")
    path = tmp_path / "dtks" / "2026-10-01" / "anggota.csv"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # touched: read again
    hashed = []
    real_sha256 = landing._sha256
    monkeypatch.setattr(landing, "_sha256", lambda p: hashed.append(p.name) or real_sha256(p))
    second = scan_landing(tmp_path, con, verified)
    assert hashed == ["anggota.csv"]
    assert [vars(r) | {"file_mtime_ns": None} for r in second] == [
        vars(r) | {"file_mtime_ns": None} for r in first]
    assert next(r for r in second if r.file_path == changed.file_path).file_mtime_ns != changed.file_mtime_ns


def test_a_verified_file_changed_in_place_is_checked_again(tmp_path, con):
    write_sample_landing(tmp_path)
    verified = {r.file_path: vars(r) for r in scan_landing(tmp_path, con)}
    path = tmp_path / "dtks" / "2026-10-01" / "anggota.csv"
    path.write_bytes(path.read_bytes()[:-40])  # truncated after it was verified
    with pytest.raises(NoUsableDelivery, match="anggota.csv: sha256 does not match the manifest"):
        scan_landing(tmp_path, con, verified)
