"""The bad-delivery corpus: one case per way a delivery goes wrong, each with the exact
outcome docs/contract.md ("What the warehouse owes every delivery") asks for.

Every case lives in one landing zone and one real `dbt build` of the staging layer (the
cases do not interfere: each refused delivery is newer than its source's current one, and
each row-level case sits in a different current file). Outcomes:

- REFUSED: every file row of the delivery is `refused` in stg_landing__delivery_files with
  the exact problem, the ministry report prints `REFUSED delivery <source>/<delivery>:
  <file>: <problem>`, and the source's previous delivery stays current (staging holds its
  rows, and only its rows).
- QUARANTINED: the delivery is current; the damaged rows are in stg_landing__quarantine
  with the exact reason, every other row is staged.
- STAGED: the delivery is current and every row staged (with a flag where one applies).
- HISTORY: the delivery is usable but not current (`superseded`): nothing of it is staged.

In every case nothing is lost: for each current file, manifest rows = staged + quarantined
(asserted here and by the dbt test assert_every_delivered_row_staged_or_quarantined).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deliveries import (
    SAMPLE_DATES,
    csv_file,
    proposed_member,
    redeliver,
    sample_rows,
    verifikasi_rows,
    visit,
    write_delivery,
)

from dtsen.contract import FILES
from dtsen.report import print_build_report

SINGLE_FIELD = "(the header is a single field: not delimited by {!r})"


def _penduduk(**changes) -> list[dict]:
    return [{**row, **changes} for row in copy.deepcopy(sample_rows()["dukcapil"]["penduduk.csv"])]


def _dtks(anggota=None, rumah_tangga=None) -> dict[str, list[dict]]:
    rows = sample_rows()["dtks"]
    return {
        "anggota.csv": anggota or rows["anggota.csv"],
        "rumah_tangga.csv": rumah_tangga or rows["rumah_tangga.csv"],
    }


# ---------------------------------------------------------------------------------------
# Refused deliveries: (source, delivery, what went wrong, how to write it, file, problem).
# Each writer gets the landing root and the delivery date and writes the whole delivery.
# ---------------------------------------------------------------------------------------


def _truncated_in_transfer(root, date):
    folder = write_delivery(root, "dukcapil", date, {"penduduk.csv": _penduduk()})
    content = (folder / "penduduk.csv").read_bytes()
    (folder / "penduduk.csv").write_bytes(content[: len(content) // 2])  # cut mid-row, after the manifest


def _truncated_at_export(root, date):
    # The export stopped after the first row; its manifest still counts the whole extract.
    raw = csv_file("dukcapil", "penduduk.csv", _penduduk()[:1])
    write_delivery(root, "dukcapil", date, {}, raw={"penduduk.csv": raw}, manifest_rows={"penduduk.csv": 2})


def _manifest_row_count_wrong(root, date):
    write_delivery(root, "dukcapil", date, {"penduduk.csv": _penduduk()}, manifest_rows={"penduduk.csv": 5})


def _checksum_mismatch(root, date):
    folder = write_delivery(root, "dukcapil", date, {"penduduk.csv": _penduduk()})
    content = (folder / "penduduk.csv").read_bytes()
    (folder / "penduduk.csv").write_bytes(content.replace(b"SITI AMINAH", b"SITA AMINAH"))  # same length


def _missing_column(root, date):
    header = [c for c in FILES["dukcapil"]["penduduk.csv"] if c != "tanggal_lahir"]
    write_delivery(
        root,
        "dukcapil",
        date,
        {},
        raw={"penduduk.csv": csv_file("dukcapil", "penduduk.csv", _penduduk(), header=header)},
        manifest_rows={"penduduk.csv": 2},
    )


def _wrong_delimiter(root, date):
    raw = csv_file("dukcapil", "penduduk.csv", _penduduk(), delimiter=",")
    write_delivery(root, "dukcapil", date, {}, raw={"penduduk.csv": raw}, manifest_rows={"penduduk.csv": 2})


def _latin1(root, date):
    text = csv_file("dukcapil", "penduduk.csv", _penduduk(nama_lengkap="SITI AMÍNAH")).decode("utf-8")
    write_delivery(
        root,
        "dukcapil",
        date,
        {},
        raw={"penduduk.csv": text.encode("latin-1")},
        manifest_rows={"penduduk.csv": 2},
    )


def _utf16(root, date):
    text = csv_file("dukcapil", "penduduk.csv", _penduduk()).decode("utf-8")
    write_delivery(
        root,
        "dukcapil",
        date,
        {},
        raw={"penduduk.csv": text.encode("utf-16")},
        manifest_rows={"penduduk.csv": 2},
    )


def _empty_file(root, date):
    write_delivery(root, "dukcapil", date, {}, raw={"penduduk.csv": b""})


def _dates_wrong_format(root, date):
    rows = [
        {**row, "tanggal_lahir": "/".join(reversed(row["tanggal_lahir"].split("-")))} for row in _penduduk()
    ]
    write_delivery(root, "dukcapil", date, {"penduduk.csv": rows})


def _bare_carriage_return(root, date):
    # A stray CR inside a name, left unquoted (Python's csv writer does so when lines end in
    # LF; RFC 4180 wants it quoted): readers, DuckDB's too, take it for a line break, so the
    # file holds one row more than its manifest says.
    raw = csv_file("dukcapil", "penduduk.csv", _penduduk()).replace(b"SITI AMINAH", b"SITI\rAMINAH")
    assert b'"SITI' not in raw
    write_delivery(root, "dukcapil", date, {}, raw={"penduduk.csv": raw}, manifest_rows={"penduduk.csv": 2})


def _dtks_wrong_delimiter_in_one_file(root, date):
    raw = csv_file("dtks", "anggota.csv", _dtks()["anggota.csv"], delimiter=",")
    write_delivery(root, "dtks", date, _dtks(), raw={"anggota.csv": raw})


def _dtks_dates_wrong_format(root, date):
    # The spreadsheet export wrote ISO dates instead of the DTKS dialect's DD/MM/YYYY.
    anggota = [
        {**row, "tanggal_lahir": "-".join(reversed(row["tanggal_lahir"].split("/")))}
        for row in _dtks()["anggota.csv"]
    ]
    write_delivery(root, "dtks", date, _dtks(anggota=anggota))


def _bps_folder_copied_with_its_manifest(root, date):
    # The same delivery sent again by copying the folder: its manifest still names the old date.
    redeliver(root, "bps", "2026-06-30", date, manifest_date="2026-06-30")


def _bps_empty_parquet(root, date):
    write_delivery(
        root,
        "bps",
        date,
        sample_rows()["bps"],
        raw={"regsosek_individu.parquet": b""},
        manifest_rows={"regsosek_individu.parquet": 0},
    )


def _manifest_rows(rows):
    def write(root, date):
        folder = write_delivery(root, "dtks", date, _dtks())
        manifest = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
        manifest["files"]["anggota.csv"]["rows"] = rows
        (folder / "_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    return write


def _manifest_is_an_array(root, date):
    folder = write_delivery(root, "p3ke", date, sample_rows()["p3ke"])
    manifest = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
    (folder / "_manifest.json").write_text(json.dumps([manifest]), encoding="utf-8")


def _verifikasi_as_contract_version_1(root, date):
    write_delivery(root, "verifikasi", date, verifikasi_rows(visit("V9")), contract_version=1)


def _verifikasi_without_manifest(root, date):
    folder = write_delivery(root, "verifikasi", date, verifikasi_rows(visit("V9")))
    (folder / "_manifest.json").unlink()


def _verifikasi_row_count_wrong(root, date):
    write_delivery(
        root, "verifikasi", date, verifikasi_rows(visit("V9")), manifest_rows={"hasil_verifikasi.csv": 5}
    )


def _valid_penduduk(root, date):
    write_delivery(root, "dukcapil", date, {"penduduk.csv": _penduduk()})


def _file_linked_from_outside(root, date):
    # A "system file" outside the landing zone that even has the right header and rows.
    outside = root.parent / "outside" / "penduduk.csv"
    outside.parent.mkdir(exist_ok=True)
    outside.write_bytes(csv_file("dukcapil", "penduduk.csv", _penduduk()))
    folder = write_delivery(
        root,
        "dukcapil",
        date,
        {},
        raw={"penduduk.csv": outside.read_bytes()},
        manifest_rows={"penduduk.csv": 2},
    )
    (folder / "penduduk.csv").unlink()
    (folder / "penduduk.csv").symlink_to(outside)


def _folder_linked_from_outside(root, date):
    elsewhere = write_delivery(root.parent / "outside", "bps", date, sample_rows()["bps"])
    (root / "bps" / date).symlink_to(elsewhere, target_is_directory=True)


def _parquet_date_as_timestamp(root, date):
    rows = sample_rows()["bps"]
    table = pa.Table.from_pylist(rows["regsosek_individu.parquet"])
    column = table.schema.get_field_index("tanggal_lahir")
    table = table.set_column(column, "tanggal_lahir", table.column(column).cast(pa.timestamp("ms")))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    write_delivery(root, "bps", date, rows, raw={"regsosek_individu.parquet": sink.getvalue().to_pybytes()})


@dataclass(frozen=True)
class Refused:
    source: str
    delivery: str
    case: str
    write: object
    file_name: str
    problem: str  # exact file_problem ({today}: today's date)

    @property
    def expected(self) -> str:
        problem = self.problem.format(today=dt.date.today().isoformat())
        return problem if self.file_name is None else f"{self.file_name}: {problem}"


REFUSED = [
    Refused(
        "dukcapil",
        "2026-11-01",
        "truncated file (cut in transfer, after the manifest)",
        _truncated_in_transfer,
        "penduduk.csv",
        "sha256 does not match the manifest",
    ),
    Refused(
        "dukcapil",
        "2026-11-02",
        "truncated file (export stopped; manifest counts the full extract)",
        _truncated_at_export,
        "penduduk.csv",
        "row count 1 does not match the manifest's 2",
    ),
    Refused(
        "dukcapil",
        "2026-11-03",
        "manifest row-count mismatch",
        _manifest_row_count_wrong,
        "penduduk.csv",
        "row count 2 does not match the manifest's 5",
    ),
    Refused(
        "dukcapil",
        "2026-11-04",
        "checksum mismatch (file changed after the manifest)",
        _checksum_mismatch,
        "penduduk.csv",
        "sha256 does not match the manifest",
    ),
    Refused(
        "dukcapil",
        "2026-11-05",
        "missing required column",
        _missing_column,
        "penduduk.csv",
        "missing required column(s): tanggal_lahir",
    ),
    Refused(
        "dukcapil",
        "2026-11-06",
        "wrong delimiter (',' instead of '|')",
        _wrong_delimiter,
        "penduduk.csv",
        "missing required column(s): "
        + ", ".join(FILES["dukcapil"]["penduduk.csv"])
        + " "
        + SINGLE_FIELD.format("|"),
    ),
    Refused(
        "dukcapil",
        "2026-11-07",
        "wrong encoding (Latin-1 byte in a data row)",
        _latin1,
        "penduduk.csv",
        "unreadable: CSV Error on Line: 2: Invalid unicode (byte sequence mismatch) detected. "
        "This file is not utf-8 encoded.",
    ),
    Refused(
        "dukcapil",
        "2026-11-08",
        "wrong encoding (UTF-16)",
        _utf16,
        "penduduk.csv",
        "unreadable: not UTF-8: the file starts with a UTF-16 byte-order mark",
    ),
    Refused(
        "dukcapil",
        "2026-11-09",
        "empty file (0 bytes)",
        _empty_file,
        "penduduk.csv",
        "unreadable: file is empty (0 bytes)",
    ),
    Refused(
        "dukcapil",
        "2026-11-10",
        "dates in the wrong format for a whole file (DD/MM/YYYY, dialect YYYY-MM-DD)",
        _dates_wrong_format,
        "penduduk.csv",
        "dates in the wrong format: no value of tanggal_lahir is a date in the source's format "
        "YYYY-MM-DD (2 of 2 rows)",
    ),
    Refused(
        "dukcapil",
        "2026-11-11",
        "bare carriage return in an unquoted field (not RFC 4180)",
        _bare_carriage_return,
        "penduduk.csv",
        "row count 3 does not match the manifest's 2",
    ),
    Refused(
        "dukcapil",
        "2026-W45-1",
        "folder named with an ISO week date (read as 2026-11-02 before)",
        _valid_penduduk,
        None,
        "delivery folder name is not a date (YYYY-MM-DD)",
    ),
    Refused(
        "dukcapil",
        "2099-01-01",
        "folder dated after today (would stay current for ever)",
        _valid_penduduk,
        None,
        "dated after today ({today}): held, not used before that date (a mistyped folder name?)",
    ),
    Refused(
        "dukcapil",
        "2026-11-12",
        "file linked from outside the landing root (refused unread)",
        _file_linked_from_outside,
        "penduduk.csv",
        "the file is a link to outside the landing root: refused unread",
    ),
    Refused(
        "dtks",
        "2026-11-03",
        "manifest rows null",
        _manifest_rows(None),
        "anggota.csv",
        "the manifest's rows is not a whole number of rows: None",
    ),
    Refused(
        "dtks",
        "2026-11-04",
        "manifest rows written with a thousands separator",
        _manifest_rows("4,955"),
        "anggota.csv",
        "the manifest's rows is not a whole number of rows: '4,955'",
    ),
    Refused(
        "dtks",
        "2026-11-05",
        "manifest rows a fraction (was truncated silently)",
        _manifest_rows(4955.9),
        "anggota.csv",
        "the manifest's rows is not a whole number of rows: 4955.9",
    ),
    Refused(
        "p3ke",
        "2026-07-01",
        "manifest that is a JSON array",
        _manifest_is_an_array,
        None,
        "_manifest.json is not a JSON object (it is an array)",
    ),
    Refused(
        "bps",
        "2026-10-10",
        "delivery folder linked from outside the landing root (refused unread)",
        _folder_linked_from_outside,
        None,
        "the delivery folder or its _manifest.json is a link to outside the landing root: refused unread",
    ),
    Refused(
        "bps",
        "2026-10-20",
        "Parquet date column typed TIMESTAMP",
        _parquet_date_as_timestamp,
        "regsosek_individu.parquet",
        "date column(s) not of type DATE as the contract says: tanggal_lahir is TIMESTAMP",
    ),
    Refused(
        "dtks",
        "2026-11-01",
        "wrong delimiter in one file of two (whole delivery refused)",
        _dtks_wrong_delimiter_in_one_file,
        "anggota.csv",
        "missing required column(s): "
        + ", ".join(FILES["dtks"]["anggota.csv"])
        + " "
        + SINGLE_FIELD.format(";"),
    ),
    Refused(
        "dtks",
        "2026-11-02",
        "dates in the wrong format for a whole file (YYYY-MM-DD, dialect DD/MM/YYYY)",
        _dtks_dates_wrong_format,
        "anggota.csv",
        "dates in the wrong format: no value of tanggal_lahir is a date in the source's format "
        "DD/MM/YYYY (2 of 2 rows)",
    ),
    Refused(
        "bps",
        "2026-08-31",
        "same delivery delivered twice by copying its folder (stale manifest)",
        _bps_folder_copied_with_its_manifest,
        None,
        "_manifest.json extract_date '2026-06-30' differs from the folder",
    ),
    Refused(
        "bps",
        "2026-09-30",
        "empty file (0-byte Parquet)",
        _bps_empty_parquet,
        "regsosek_individu.parquet",
        "unreadable: file is empty (0 bytes)",
    ),
    # Field results accumulate: a refused delivery, older or newer than the usable ones,
    # drops none of them (VERIFIKASI below).
    Refused(
        "verifikasi",
        "2026-11-05",
        "field results with a contract version 1 manifest",
        _verifikasi_as_contract_version_1,
        None,
        "_manifest.json contract_version is 1, expected 2",
    ),
    Refused(
        "verifikasi",
        "2026-11-15",
        "field results without a manifest",
        _verifikasi_without_manifest,
        None,
        "no _manifest.json (delivery incomplete)",
    ),
    Refused(
        "verifikasi",
        "2026-12-01",
        "field results whose manifest miscounts the visits",
        _verifikasi_row_count_wrong,
        "hasil_verifikasi.csv",
        "row count 1 does not match the manifest's 5",
    ),
    Refused(
        "verifikasi",
        "2099-01-01",
        "field results dated after today (held)",
        lambda root, date: write_delivery(root, "verifikasi", date, verifikasi_rows(visit("V9"))),
        None,
        "dated after today ({today}): held, not used before that date (a mistyped folder name?)",
    ),
]

# The delivery each source must still have current, whatever was refused after it.
CURRENT = {"dukcapil": "2026-10-31", "dtks": "2026-10-01", "p3ke": "2026-06-30", "bps": "2026-07-31"}

# Field results accumulate: both usable deliveries are current, each with its own visits
# (the same visit id in two deliveries is two visits).
VERIFIKASI = {
    "2026-11-10": verifikasi_rows(
        visit("V1"),
        visit("V2", jenis="USULAN", id_daftar="", hasil="LAYAK", tanggal_kunjungan="2026-11-09"),
        members=[proposed_member("V2")],
    ),
    "2026-11-20": verifikasi_rows(visit("V1", tanggal_kunjungan="2026-11-18"), visit("V3", hasil="PINDAH")),
}


# ---------------------------------------------------------------------------------------
# The current deliveries, carrying the row-level cases.
# ---------------------------------------------------------------------------------------

# dukcapil 2026-10-31: columns reordered (reversed) plus extra ones (one named like a
# lineage column, one blank from a trailing delimiter). Read by name: staged as delivered.
PENDUDUK_HEADER = [*reversed(FILES["dukcapil"]["penduduk.csv"]), "catatan", "_reject_reasons", ""]
ANI = dict(
    _penduduk()[0], nik="3171015203950002", nama_lengkap="ANI", jenis_kelamin="X", tanggal_lahir="1995-03-12"
)

# dtks 2026-10-01: every NIK in spreadsheet exponent form (anggota), and the header line
# repeated in the middle of rumah_tangga (two exports concatenated; the agency's manifest
# counts it as a data row).
EXPONENT_NIK = "3.17101E+15"


def _write_current(root):
    penduduk = [{**row, "catatan": "pindahan", "_reject_reasons": ""} for row in [*_penduduk(), ANI]]
    write_delivery(
        root,
        "dukcapil",
        CURRENT["dukcapil"],
        {},
        raw={"penduduk.csv": csv_file("dukcapil", "penduduk.csv", penduduk, header=PENDUDUK_HEADER)},
        manifest_rows={"penduduk.csv": 3},
    )

    anggota = [{**row, "nik": EXPONENT_NIK} for row in _dtks()["anggota.csv"]]
    household = _dtks()["rumah_tangga.csv"][0]
    header = FILES["dtks"]["rumah_tangga.csv"]
    repeated_header = dict(zip(header, header))
    rumah_tangga = [household, repeated_header, {**household, "id_rt": "RT2"}]
    write_delivery(root, "dtks", CURRENT["dtks"], _dtks(anggota=anggota, rumah_tangga=rumah_tangga))

    # p3ke 2026-06-30: keluarga.csv truncated inside its last row by the export, manifest
    # and checksum taken of the truncated file (so intake cannot tell): that row comes
    # through short, padded with NULLs, and is quarantined for the first value it lost.
    families = sample_rows()["p3ke"]["keluarga.csv"]
    families = [*families, {**families[0], "id_keluarga_p3ke": "K2", "no_kk": "3171010101150002"}]
    keluarga = csv_file("p3ke", "keluarga.csv", families)
    cut = keluarga.rindex(b"3171011001")  # inside K2's kode_desa, before desil_p3ke
    # individu.csv of the same delivery ends its lines in CR alone (an old spreadsheet
    # export): read row for row.
    individu = csv_file("p3ke", "individu.csv", sample_rows()["p3ke"]["individu.csv"]).replace(b"\n", b"\r")
    write_delivery(
        root,
        "p3ke",
        CURRENT["p3ke"],
        sample_rows()["p3ke"],
        raw={"keluarga.csv": keluarga[: cut + 5], "individu.csv": individu},
        manifest_rows={"keluarga.csv": 2},
    )
    # p3ke 2026-03-31: older than the current delivery (arrives late, or left behind): history.
    older = sample_rows()["p3ke"]
    older["individu.csv"].append({**older["individu.csv"][0], "id_individu": "I9", "nama": "ORANG LAMA"})
    write_delivery(root, "p3ke", "2026-03-31", older)

    for date, files in VERIFIKASI.items():
        write_delivery(root, "verifikasi", date, files)

    # bps: the same delivery delivered twice, byte for byte, under a new extract date.
    write_delivery(root, "bps", SAMPLE_DATES["bps"], sample_rows()["bps"])
    redeliver(root, "bps", SAMPLE_DATES["bps"], CURRENT["bps"])


# Folders under the landing root that are no source this version reads: a misspelt source.
UNKNOWN_FOLDERS = ["Dukcapil"]


def _unknown_folder_problem(folder: str) -> str:
    return (
        f"folder {folder}/ is not a source this warehouse reads ({', '.join(sorted(FILES))}): "
        "nothing in it is staged"
    )


def write_corpus(landing):
    """The whole corpus in one landing zone: the current deliveries and every refused one."""
    _write_current(landing)
    for case in REFUSED:
        case.write(landing, case.delivery)
    write_delivery(landing, "dukcapil", "2026-11-30", {"penduduk.csv": _penduduk()})
    (landing / "dukcapil" / "2026-11-30").rename(landing / "Dukcapil")


STAGING = {
    ("dukcapil", "penduduk.csv"): "stg_dukcapil__penduduk",
    ("dtks", "rumah_tangga.csv"): "stg_dtks__rumah_tangga",
    ("dtks", "anggota.csv"): "stg_dtks__anggota",
    ("p3ke", "keluarga.csv"): "stg_p3ke__keluarga",
    ("p3ke", "individu.csv"): "stg_p3ke__individu",
    ("bps", "regsosek_keluarga.parquet"): "stg_bps__regsosek_keluarga",
    ("bps", "regsosek_individu.parquet"): "stg_bps__regsosek_individu",
    ("bps", "susenas_konsumsi.parquet"): "stg_bps__susenas_konsumsi",
    ("verifikasi", "hasil_verifikasi.csv"): "stg_verifikasi__hasil_verifikasi",
    ("verifikasi", "anggota_usulan.csv"): "stg_verifikasi__anggota_usulan",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, dbt_build):
    root = tmp_path_factory.mktemp("bad_deliveries")
    landing, db = root / "landing", root / "warehouse.duckdb"
    write_corpus(landing)
    # The staging layer with every data test on it; no marts.
    result = dbt_build(landing, db, ["--select", "+path:models/staging", "--indirect-selection", "cautious"])
    assert result.returncode == 0, result.stdout[-6000:]
    con = duckdb.connect(str(db), read_only=True)
    yield con, result.stdout, db
    con.close()


def _files(con, source: str, delivery: str) -> dict[str, tuple]:
    rows = con.execute(
        "select file_name, status, file_problem, delivery_problem from staging.stg_landing__delivery_files "
        "where source = ? and delivery = ?",
        [source, delivery],
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def _quarantine(con, source: str, file_name: str) -> dict[int, str]:
    return dict(
        con.execute(
            "select source_row_number, reason_code from staging.stg_landing__quarantine "
            "where source = ? and source_file = ? order by 1",
            [source, file_name],
        ).fetchall()
    )


def _staged(con, source: str, file_name: str, columns: str = "source_row_number") -> list[tuple]:
    return con.execute(
        f"select {columns} from staging.{STAGING[source, file_name]} order by source_row_number"
    ).fetchall()


# --------------------------------- refused deliveries ---------------------------------


@pytest.mark.parametrize("case", REFUSED, ids=[f"{c.source}-{c.delivery}-{c.case}" for c in REFUSED])
def test_refused_delivery_is_reported_whole(corpus, case):
    con, _, _ = corpus
    files = _files(con, case.source, case.delivery)
    assert set(files) == set(FILES[case.source]), "a row per contract file of the delivery"
    assert {status for status, _, _ in files.values()} == {"refused"}
    assert {delivery_problem for _, _, delivery_problem in files.values()} == {case.expected}
    if case.file_name is not None:
        assert files[case.file_name][1] == case.problem
        # The other files of the delivery are refused with it, without a problem of their own.
        assert all(problem is None for name, (_, problem, _) in files.items() if name != case.file_name)


def test_report_names_source_delivery_file_and_problem(corpus, capsys):
    _, _, db = corpus
    print_build_report(db)
    out = capsys.readouterr().out
    for case in REFUSED:
        assert f"REFUSED delivery {case.source}/{case.delivery}: {case.expected}\n" in out
    for folder in UNKNOWN_FOLDERS:
        assert f"REFUSED folder {folder}/: {_unknown_folder_problem(folder)}\n" in out


def test_folder_that_is_no_known_source_is_refused_and_named(corpus):
    con, _, _ = corpus
    rows = con.execute(
        "select source, delivery, file_name, status, delivery_problem "
        "from staging.stg_landing__delivery_files "
        "where source not in ('dukcapil', 'dtks', 'p3ke', 'bps', 'verifikasi') order by source"
    ).fetchall()
    assert rows == [
        (folder, None, None, "refused", _unknown_folder_problem(folder)) for folder in UNKNOWN_FOLDERS
    ]


def test_warn_test_counts_every_refused_file(corpus):
    _, stdout, _ = corpus
    refused_files = sum(len(FILES[case.source]) for case in REFUSED) + len(UNKNOWN_FOLDERS)
    assert f"Got {refused_files} results, configured to warn if != 0" in stdout
    assert f"WARN {refused_files} warn_refused_deliveries" in stdout


@pytest.mark.parametrize("source", sorted(CURRENT))
def test_previous_delivery_stays_current(corpus, source):
    con, _, _ = corpus
    current = con.execute(
        "select distinct delivery from staging.stg_landing__delivery_files "
        "where source = ? and status = 'current'",
        [source],
    ).fetchall()
    assert current == [(CURRENT[source],)]
    for file_name in FILES[source]:
        extract_dates = {row[0] for row in _staged(con, source, file_name, "cast(extract_date as varchar)")}
        assert extract_dates <= {CURRENT[source]}


def test_every_usable_field_result_delivery_stays_current(corpus):
    """Field results accumulate: refused deliveries before, between and after the usable
    ones drop none of them, and each usable one is staged with its own extract date."""
    con, _, _ = corpus
    current = con.execute(
        "select distinct delivery, status from staging.stg_landing__delivery_files "
        "where source = 'verifikasi' and status <> 'refused' order by 1"
    ).fetchall()
    assert current == [(date, "current") for date in VERIFIKASI]
    visits = con.execute(
        "select cast(extract_date as varchar), id_kunjungan, source_row_number "
        "from staging.stg_verifikasi__hasil_verifikasi order by all"
    ).fetchall()
    assert visits == [
        (date, row["id_kunjungan"], number)
        for date, files in VERIFIKASI.items()
        for number, row in enumerate(files["hasil_verifikasi.csv"], start=1)
    ]
    assert _quarantine(con, "verifikasi", "hasil_verifikasi.csv") == {}
    members = con.execute("select id_kunjungan from staging.stg_verifikasi__anggota_usulan").fetchall()
    assert members == [("V2",)]


def test_accumulating_deliveries_are_not_compared_as_full_extracts(corpus):
    """Two current field-result deliveries are two periods' visits, not an extract and its
    successor: stg_landing__delivery_changes compares neither with the other."""
    con, _, _ = corpus
    assert con.execute(
        "select count(*) from staging.stg_landing__delivery_changes where source = 'verifikasi'"
    ).fetchall() == [(0,)]


def test_refused_dukcapil_deliveries_leave_the_current_rows_staged(corpus):
    con, _, _ = corpus
    staged = _staged(con, "dukcapil", "penduduk.csv", "source_row_number, nama")
    assert staged == [(1, "SITI AMINAH"), (2, "BUDI SANTOSO")]


# ------------------------------ current deliveries: rows -------------------------------


def test_reordered_and_extra_columns_are_read_by_name(corpus):
    con, _, _ = corpus
    delivered = [
        "nik",
        "no_kk",
        "nama_lengkap",
        "tempat_lahir",
        "tanggal_lahir",
        "agama",
        "status_kawin",
        "shdk",
        "pendidikan",
        "pekerjaan",
        "kode_desa",
        "alamat",
        "rt",
        "rw",
        "tanggal_update",
    ]
    staged = [
        "nik_delivered",
        "no_kk_delivered",
        "nama",
        "tempat_lahir",
        "tanggal_lahir",
        "agama",
        "status_kawin",
        "shdk",
        "pendidikan",
        "pekerjaan",
        "kode_desa",
        "alamat",
        "rt",
        "rw",
        "tanggal_update",
    ]
    rows = con.execute(
        f"select {', '.join(staged)}, jenis_kelamin from staging.stg_dukcapil__penduduk "
        "order by source_row_number"
    ).fetchall()
    assert [tuple(str(v) for v in row) for row in rows] == [
        (*(row[c] for c in delivered), {"PEREMPUAN": "2", "LAKI-LAKI": "1"}[row["jenis_kelamin"]])
        for row in _penduduk()
    ]
    files = _files(con, "dukcapil", CURRENT["dukcapil"])
    assert (
        json.loads(
            con.execute(
                "select columns from staging.stg_landing__delivery_files where source = 'dukcapil' "
                "and status = 'current'"
            ).fetchall()[0][0]
        )
        == PENDUDUK_HEADER
    )
    assert files["penduduk.csv"][:2] == ("current", None)


def test_extra_column_named_like_a_lineage_column_cannot_hide_a_reject(corpus):
    """ANI's sex code is unknown: quarantined although the file carries a blank column
    called _reject_reasons; the extra columns' values are kept in the delivered row."""
    con, _, _ = corpus
    assert _quarantine(con, "dukcapil", "penduduk.csv") == {3: "UNKNOWN_CODE:jenis_kelamin"}
    delivered = json.loads(
        con.execute(
            "select delivered_row from staging.stg_landing__quarantine where source = 'dukcapil'"
        ).fetchall()[0][0]
    )
    assert delivered["nama_lengkap"] == "ANI"
    assert delivered["_extra_column_18"] == "pindahan"  # catatan, 18th in the header
    assert delivered["_extra_column_19"] is None and delivered["_extra_column_20"] is None


def test_nik_in_exponent_form_on_every_row_is_staged_and_flagged_never_guessed(corpus):
    con, _, _ = corpus
    assert _staged(con, "dtks", "anggota.csv", "source_row_number, nik_delivered, nik_clean, nik_status") == [
        (1, EXPONENT_NIK, None, "exponent_form"),
        (2, EXPONENT_NIK, None, "exponent_form"),
    ]
    assert _quarantine(con, "dtks", "anggota.csv") == {}


def test_repeated_header_line_is_quarantined_the_rows_around_it_staged(corpus):
    con, _, _ = corpus
    assert _quarantine(con, "dtks", "rumah_tangga.csv") == {2: "UNPARSEABLE_NUMBER:jumlah_art"}
    assert _staged(con, "dtks", "rumah_tangga.csv", "source_row_number, id_rt") == [(1, "RT1"), (3, "RT2")]
    delivered = json.loads(
        con.execute(
            "select delivered_row from staging.stg_landing__quarantine "
            "where source = 'dtks' and source_file = 'rumah_tangga.csv'"
        ).fetchall()[0][0]
    )
    assert delivered["id_rt"] == "id_rt" and delivered["tanggal_verivali"] == "tanggal_verivali"


def test_row_truncated_by_the_export_is_quarantined_for_what_it_lost(corpus):
    con, _, _ = corpus
    assert _quarantine(con, "p3ke", "keluarga.csv") == {2: "MISSING_VALUE:desil_p3ke"}
    assert _staged(con, "p3ke", "keluarga.csv", "source_row_number, id_keluarga_p3ke") == [(1, "K1")]


def test_csv_with_cr_only_line_endings_is_staged_row_for_row(corpus):
    con, _, _ = corpus
    assert _staged(con, "p3ke", "individu.csv", "source_row_number, id_individu, nama") == [
        (1, "I1", "BUDI SANTOSO")
    ]
    assert _quarantine(con, "p3ke", "individu.csv") == {}


def test_delivery_older_than_the_current_one_is_history(corpus):
    con, _, _ = corpus
    assert {status for status, _, _ in _files(con, "p3ke", "2026-03-31").values()} == {"superseded"}
    assert _staged(con, "p3ke", "individu.csv", "id_individu") == [("I1",)]  # not the older I9


def test_same_delivery_twice_is_counted_once(corpus):
    """Identical bytes under a newer extract date: the newer copy is current, the first
    superseded; one current delivery per source, so every row is staged once (no
    DUPLICATE_KEY, no doubled counts)."""
    con, _, _ = corpus
    assert {status for status, _, _ in _files(con, "bps", SAMPLE_DATES["bps"]).values()} == {"superseded"}
    assert {status for status, _, _ in _files(con, "bps", CURRENT["bps"]).values()} == {"current"}
    for file_name, rows in sample_rows()["bps"].items():
        assert len(_staged(con, "bps", file_name)) == len(rows)
        assert _quarantine(con, "bps", file_name) == {}


# ------------------------------------ nothing lost ------------------------------------


def test_every_current_row_is_staged_or_quarantined_once(corpus):
    con, stdout, _ = corpus
    current = con.execute(
        "select source, file_name, extract_date, manifest_rows from staging.stg_landing__delivery_files "
        "where status = 'current'"
    ).fetchall()
    # One current delivery per file, two of each field-results file (they accumulate).
    assert len(current) == len(STAGING) + len(FILES["verifikasi"]) * (len(VERIFIKASI) - 1)
    for source, file_name, extract_date, manifest_rows in current:
        staged = [
            number
            for number, date in _staged(con, source, file_name, "source_row_number, extract_date")
            if date == extract_date
        ]
        quarantined = [
            number
            for (number,) in con.execute(
                "select source_row_number from staging.stg_landing__quarantine "
                "where source = ? and source_file = ? and extract_date = ?",
                [source, file_name, extract_date],
            ).fetchall()
        ]
        assert sorted(staged + quarantined) == list(range(1, manifest_rows + 1)), (source, file_name)
    assert "PASS assert_every_delivered_row_staged_or_quarantined" in stdout
