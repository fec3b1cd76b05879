"""Delivery intake (dtsen.landing): which delivery is current, and the exact words used
when one is refused. Runs on real files and a real DuckDB connection, without dbt. Each
way a delivery goes wrong, with its outcome through a dbt build, is in test_bad_deliveries."""

from __future__ import annotations

import datetime as dt
import json
import os

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deliveries import csv_file, sample_rows, verifikasi_rows, visit, write_delivery, write_sample_landing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dtsen import landing
from dtsen.contract import EXTRACT_SOURCES, FILES
from dtsen.landing import NoUsableDelivery, scan_landing, spark_read_sql


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def test_sample_landing_is_current(tmp_path, con):
    write_sample_landing(tmp_path)
    records = scan_landing(tmp_path, con)
    assert {r.status for r in records} == {"current"}
    assert len(records) == sum(len(FILES[source]) for source in EXTRACT_SOURCES)
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
        ";".join([*good[:0], "A3", *good[1:]]) + ";surplus;more",  # too many fields
        ";".join(["A4", "RT1", "", "", '"Nama\ndua baris"', *good[5:]]),  # quoted newline
        ";".join(["A5", *good[1:]]) + ";;later",  # too many fields, the first surplus one blank
    ]
    raw = ("\ufeff" + "\n".join(lines) + "\n").encode()
    write_delivery(
        tmp_path,
        "dtks",
        "2026-11-01",
        sample_rows()["dtks"],
        raw={"anggota.csv": raw},
        manifest_rows={"anggota.csv": 5},
    )
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
        vars(r) | {"file_mtime_ns": None} for r in first
    ]
    assert next(r for r in second if r.file_path == changed.file_path).file_mtime_ns != changed.file_mtime_ns


def test_a_verified_file_changed_in_place_is_checked_again(tmp_path, con):
    write_sample_landing(tmp_path)
    verified = {r.file_path: vars(r) for r in scan_landing(tmp_path, con)}
    path = tmp_path / "dtks" / "2026-10-01" / "anggota.csv"
    path.write_bytes(path.read_bytes()[:-40])  # truncated after it was verified
    with pytest.raises(NoUsableDelivery, match=r"anggota\.csv: sha256 does not match the manifest"):
        scan_landing(tmp_path, con, verified)


# ------------------------------- manifests and folders --------------------------------


def _manifest(folder):
    return json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))


def _rewrite_manifest(folder, change):
    manifest = _manifest(folder)
    (folder / "_manifest.json").write_text(json.dumps(change(manifest)), encoding="utf-8")


def _newer_bps(tmp_path):
    write_sample_landing(tmp_path)
    return write_delivery(tmp_path, "bps", "2026-09-30", sample_rows()["bps"])


def _verdicts(tmp_path, con, delivery="2026-09-30"):
    records = [r for r in scan_landing(tmp_path, con) if r.delivery == delivery]
    return {r.status for r in records}, {r.delivery_problem for r in records}


@pytest.mark.parametrize(
    ("rows", "shown"),
    [
        (None, "None"),
        ("4,955", "'4,955'"),
        ("1", "'1'"),
        (1.5, "1.5"),
        (1.0, "1.0"),
        (-1, "-1"),
        (True, "True"),
        ([1], "[1]"),
        ({"n": 1}, "{'n': 1}"),
    ],
)
def test_manifest_rows_not_a_whole_number_refuses_the_delivery(tmp_path, con, rows, shown):
    folder = _newer_bps(tmp_path)

    def damage(manifest):
        manifest["files"]["susenas_konsumsi.parquet"]["rows"] = rows
        return manifest

    _rewrite_manifest(folder, damage)
    assert _verdicts(tmp_path, con) == (
        {"refused"},
        {f"susenas_konsumsi.parquet: the manifest's rows is not a whole number of rows: {shown}"},
    )


def test_manifest_sha256_not_hex_refuses_the_delivery(tmp_path, con):
    folder = _newer_bps(tmp_path)

    def damage(manifest):
        manifest["files"]["susenas_konsumsi.parquet"]["sha256"] = 12345
        return manifest

    _rewrite_manifest(folder, damage)
    assert _verdicts(tmp_path, con) == (
        {"refused"},
        {"susenas_konsumsi.parquet: the manifest's sha256 is not 64 hexadecimal digits: 12345"},
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[]", "_manifest.json is not a JSON object (it is an array)"),
        ('"dtks"', "_manifest.json is not a JSON object (it is a string)"),
        ("null", "_manifest.json is not a JSON object (it is null)"),
        ("[" * 100_000 + "]" * 100_000, "_manifest.json cannot be read: RecursionError"),
    ],
)
def test_manifest_that_is_no_object_refuses_the_delivery(tmp_path, con, text, problem):
    folder = _newer_bps(tmp_path)
    (folder / "_manifest.json").write_text(text, encoding="utf-8")
    assert _verdicts(tmp_path, con) == ({"refused"}, {problem})


@pytest.mark.parametrize("name", ["2026-W45-1", "20261102", "2026-11-2", "2026-11-02T00", "2026-02-30"])
def test_delivery_folder_not_named_yyyy_mm_dd_is_refused(tmp_path, con, name):
    """date.fromisoformat alone reads ISO week dates and compact dates: with a
    2026-11-02 folder beside `2026-W45-1` both became current."""
    write_sample_landing(tmp_path)
    write_delivery(tmp_path, "bps", "2026-09-30", sample_rows()["bps"])
    folder = write_delivery(tmp_path, "bps", name, sample_rows()["bps"])
    _rewrite_manifest(folder, lambda manifest: {**manifest, "extract_date": name})
    assert _verdicts(tmp_path, con, name) == (
        {"refused"},
        {"delivery folder name is not a date (YYYY-MM-DD)"},
    )
    assert _verdicts(tmp_path, con, "2026-09-30")[0] == {"current"}


def test_delivery_dated_after_today_is_held(tmp_path, con):
    write_sample_landing(tmp_path)
    write_delivery(tmp_path, "bps", "2099-01-01", sample_rows()["bps"])
    status, problems = _verdicts(tmp_path, con, "2099-01-01")
    assert status == {"refused"}
    assert problems == {
        f"dated after today ({dt.date.today().isoformat()}): held, not used before that date "
        "(a mistyped folder name?)"
    }
    assert {
        r.delivery for r in scan_landing(tmp_path, con) if r.status == "current" and r.source == "bps"
    } == {"2026-06-30"}


def test_csv_with_cr_only_line_endings_is_read_row_for_row(tmp_path, con):
    """Old spreadsheet exports end lines in CR alone; csv.Error escaped the intake."""
    write_sample_landing(tmp_path)
    rows = sample_rows()["dtks"]
    raw = {name: csv_file("dtks", name, file_rows).replace(b"\n", b"\r") for name, file_rows in rows.items()}
    write_delivery(tmp_path, "dtks", "2026-11-01", rows, raw=raw)
    records = {r.file_name: r for r in scan_landing(tmp_path, con) if r.delivery == "2026-11-01"}
    assert {r.status for r in records.values()} == {"current"}
    read = con.sql(f"select id_art, nama, penerima_pip from {records['anggota.csv'].read_sql}").fetchall()
    assert read == [(row["id_art"], row["nama"], row["penerima_pip"]) for row in rows["anggota.csv"]]


def test_file_linked_from_outside_the_landing_root_is_refused_unread(tmp_path, con):
    landing_root = tmp_path / "landing"
    write_sample_landing(landing_root)
    folder = write_delivery(
        landing_root, "dukcapil", "2026-11-01", {"penduduk.csv": sample_rows()["dukcapil"]["penduduk.csv"]}
    )
    outside = tmp_path / "secret.csv"
    outside.write_bytes((folder / "penduduk.csv").read_bytes())  # a readable file with the right header
    (folder / "penduduk.csv").unlink()
    (folder / "penduduk.csv").symlink_to(outside)
    record = next(r for r in scan_landing(landing_root, con) if r.delivery == "2026-11-01")
    assert (record.status, record.delivery_problem) == (
        "refused",
        "penduduk.csv: the file is a link to outside the landing root: refused unread",
    )
    assert (record.columns, record.file_sha256, record.read_sql, record.file_rows) == (None, None, None, None)
    assert record.file_path == str(folder / "penduduk.csv")


def test_delivery_folder_linked_from_outside_the_landing_root_is_refused_unread(tmp_path, con):
    landing_root = tmp_path / "landing"
    write_sample_landing(landing_root)
    elsewhere = write_delivery(tmp_path / "elsewhere", "bps", "2026-09-30", sample_rows()["bps"])
    (landing_root / "bps" / "2026-09-30").symlink_to(elsewhere, target_is_directory=True)
    records = [r for r in scan_landing(landing_root, con) if r.delivery == "2026-09-30"]
    assert {(r.status, r.delivery_problem) for r in records} == {
        (
            "refused",
            "the delivery folder or its _manifest.json is a link to outside the landing root: refused unread",
        )
    }
    assert {(r.columns, r.file_sha256) for r in records} == {(None, None)}


def test_link_inside_the_landing_root_is_read(tmp_path, con):
    """A landing zone may link a delivery to another folder of its own (a re-delivery)."""
    write_sample_landing(tmp_path)
    (tmp_path / "bps" / "2026-09-30").mkdir()
    original = tmp_path / "bps" / "2026-06-30"
    for path in original.iterdir():
        (tmp_path / "bps" / "2026-09-30" / path.name).symlink_to(path)
    _rewrite_manifest(tmp_path / "bps" / "2026-09-30", lambda m: {**m, "extract_date": "2026-09-30"})
    assert _verdicts(tmp_path, con) == ({"current"}, {None})


def test_folder_that_is_no_known_source_is_reported(tmp_path, con):
    write_sample_landing(tmp_path)
    write_delivery(tmp_path, "dukcapil", "2026-11-01", sample_rows()["dukcapil"])
    (tmp_path / "dukcapil" / "2026-11-01").rename(tmp_path / "Dukcapil")
    (tmp_path / ".snapshot").mkdir()
    unknown = [r for r in scan_landing(tmp_path, con) if r.source not in FILES]
    assert [(r.source, r.delivery, r.file_name, r.status) for r in unknown] == [
        ("Dukcapil", None, None, "refused")
    ]
    assert unknown[0].delivery_problem == (
        "folder Dukcapil/ is not a source this warehouse reads (bps, dtks, dukcapil, p3ke, verifikasi): "
        "nothing in it is staged"
    )


@pytest.mark.parametrize(
    ("arrow_type", "shown"),
    [
        (pa.timestamp("us"), "TIMESTAMP"),
        (pa.timestamp("us", tz="UTC"), "TIMESTAMP WITH TIME ZONE"),
        (pa.string(), "VARCHAR"),
    ],
)
def test_parquet_date_column_of_another_type_is_refused(tmp_path, con, arrow_type, shown):
    write_sample_landing(tmp_path)
    rows = sample_rows()["bps"]
    table = pa.Table.from_pylist(rows["regsosek_individu.parquet"])
    born = (
        table.column("tanggal_lahir").cast(pa.timestamp("us")).cast(arrow_type)
        if arrow_type != pa.string()
        else pa.array([str(d) for d in table.column("tanggal_lahir").to_pylist()])
    )
    table = table.set_column(table.schema.get_field_index("tanggal_lahir"), "tanggal_lahir", born)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    write_delivery(
        tmp_path, "bps", "2026-09-30", rows, raw={"regsosek_individu.parquet": sink.getvalue().to_pybytes()}
    )
    assert _verdicts(tmp_path, con) == (
        {"refused"},
        {
            "regsosek_individu.parquet: date column(s) not of type DATE as the contract says: "
            f"tanggal_lahir is {shown}"
        },
    )


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def manifests(draw, good: dict):
    """Random JSON, or the delivery's own manifest with random damage in its fields."""
    if draw(st.booleans()):
        return draw(JSON_VALUES)
    manifest = json.loads(json.dumps(good))
    for key in draw(
        st.lists(st.sampled_from(["contract_version", "source", "extract_date", "files"]), max_size=2)
    ):
        manifest[key] = draw(JSON_VALUES)
    if isinstance(manifest.get("files"), dict):
        for name in draw(st.lists(st.sampled_from(sorted(good["files"])), max_size=3)):
            if draw(st.booleans()):
                manifest["files"][name] = draw(JSON_VALUES)
            elif isinstance(manifest["files"].get(name), dict):
                manifest["files"][name][draw(st.sampled_from(["rows", "sha256"]))] = draw(JSON_VALUES)
    return manifest


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_manifests_never_crash_the_intake(tmp_path_factory, data):
    """Whatever a manifest holds, the intake gives the delivery a verdict: usable, or
    refused with a problem; it never raises (only NoUsableDelivery, and here every source
    keeps a usable delivery)."""
    root = tmp_path_factory.mktemp("manifests")
    folder = _newer_bps(root)
    good = _manifest(folder)
    manifest = data.draw(manifests(good))
    (folder / "_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with duckdb.connect() as con:
        records = [r for r in scan_landing(root, con) if r.delivery == "2026-09-30"]
    assert len(records) == len(FILES["bps"])
    assert len({(r.status, r.delivery_problem) for r in records}) == 1
    if records[0].status == "refused":
        assert records[0].delivery_problem
    else:
        assert manifest == good or all(r.file_rows == r.manifest_rows for r in records)


# ------------------------- field results: optional, accumulating ------------------------


def _field_results(tmp_path, con, *deliveries):
    write_sample_landing(tmp_path)
    for date, files in deliveries:
        write_delivery(tmp_path, "verifikasi", date, files)
    return [r for r in scan_landing(tmp_path, con) if r.source == "verifikasi"]


def test_a_landing_zone_without_field_results_is_usable(tmp_path, con):
    assert _field_results(tmp_path, con) == []
    (tmp_path / "verifikasi").mkdir()  # the folder, not a delivery in it
    assert _field_results(tmp_path, con) == []


def test_every_usable_field_result_delivery_is_current(tmp_path, con):
    records = _field_results(
        tmp_path,
        con,
        ("2026-11-10", verifikasi_rows(visit("V1"))),
        ("2026-11-20", verifikasi_rows(visit("V2"))),
    )
    assert sorted((r.delivery, r.file_name, r.status) for r in records) == [
        ("2026-11-10", "anggota_usulan.csv", "current"),
        ("2026-11-10", "hasil_verifikasi.csv", "current"),
        ("2026-11-20", "anggota_usulan.csv", "current"),
        ("2026-11-20", "hasil_verifikasi.csv", "current"),
    ]


def test_field_results_only_refused_stop_nothing(tmp_path, con):
    """An optional source whose only delivery is refused has no usable delivery, and the
    build goes on: the refusal is reported, never "no usable delivery"."""
    _field_results(
        tmp_path, con, ("2026-11-10", verifikasi_rows(visit("V1"))), ("2026-11-20", verifikasi_rows())
    )
    (tmp_path / "verifikasi" / "2026-11-10" / "_manifest.json").unlink()
    (tmp_path / "verifikasi" / "2026-11-20" / "_manifest.json").unlink()
    records = [r for r in scan_landing(tmp_path, con) if r.source == "verifikasi"]
    assert {r.status for r in records} == {"refused"}
    assert {r.delivery_problem for r in records} == {"no _manifest.json (delivery incomplete)"}


def test_a_refused_field_result_delivery_drops_no_earlier_one(tmp_path, con):
    write_sample_landing(tmp_path)
    write_delivery(tmp_path, "verifikasi", "2026-11-10", verifikasi_rows(visit("V1")))
    write_delivery(
        tmp_path,
        "verifikasi",
        "2026-11-20",
        verifikasi_rows(visit("V2")),
        manifest_rows={"hasil_verifikasi.csv": 3},
    )
    verdicts = {
        (r.delivery, r.file_name): (r.status, r.delivery_problem)
        for r in scan_landing(tmp_path, con)
        if r.source == "verifikasi"
    }
    problem = "hasil_verifikasi.csv: row count 1 does not match the manifest's 3"
    assert verdicts == {
        ("2026-11-10", "hasil_verifikasi.csv"): ("current", None),
        ("2026-11-10", "anggota_usulan.csv"): ("current", None),
        ("2026-11-20", "hasil_verifikasi.csv"): ("refused", problem),
        ("2026-11-20", "anggota_usulan.csv"): ("refused", problem),
    }


@pytest.mark.parametrize(("source", "version", "expected"), [("verifikasi", 1, 2), ("dtks", 2, 1)])
def test_each_source_carries_its_own_contract_version(tmp_path, con, source, version, expected):
    write_sample_landing(tmp_path)
    rows = verifikasi_rows(visit("V1")) if source == "verifikasi" else sample_rows()[source]
    write_delivery(tmp_path, source, "2026-11-10", rows, contract_version=version)
    assert _verdicts(tmp_path, con, "2026-11-10") == (
        {"refused"},
        {f"_manifest.json contract_version is {version}, expected {expected}"},
    )


def test_field_results_dated_after_today_are_held(tmp_path, con):
    records = _field_results(
        tmp_path,
        con,
        ("2026-11-10", verifikasi_rows(visit("V1"))),
        ("2099-01-01", verifikasi_rows(visit("V2"))),
    )
    assert {(r.delivery, r.status) for r in records} == {("2026-11-10", "current"), ("2099-01-01", "refused")}


def test_field_results_in_the_wrong_date_format_are_refused(tmp_path, con):
    """Field results are dated YYYY-MM-DD: a file written in DTKS's DD/MM/YYYY is another dialect."""
    records = _field_results(
        tmp_path,
        con,
        ("2026-11-10", verifikasi_rows(visit("V1", tanggal_kunjungan="09/11/2026"))),
    )
    assert {r.delivery_problem for r in records} == {
        "hasil_verifikasi.csv: dates in the wrong format: no value of tanggal_kunjungan is a date "
        "in the source's format YYYY-MM-DD (1 of 1 rows)"
    }


def test_spark_reads_each_field_result_delivery_through_its_own_view(tmp_path, con):
    """Several deliveries of one file are read in one Spark query: each needs its own view."""
    records = _field_results(
        tmp_path,
        con,
        ("2026-11-10", verifikasi_rows(visit("V1"))),
        ("2026-11-20", verifikasi_rows(visit("V2"))),
    )
    views = {
        json.loads(spark_read_sql(r))[0].split(" (", 1)[0]
        for r in records
        if r.file_name == "hasil_verifikasi.csv"
    }
    assert views == {
        "create or replace temporary view `landing_verifikasi__hasil_verifikasi__2026_11_10`",
        "create or replace temporary view `landing_verifikasi__hasil_verifikasi__2026_11_20`",
    }
