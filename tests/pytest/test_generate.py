"""The synthetic generator: contract conformance, truth coverage, determinism, error rates."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from dtsen.contract import CONTRACT_VERSION, DIALECTS, EXTRACT_SOURCES, FILES, MANIFEST_NAME
from dtsen.generate import DEFAULT_RATES, generate, parse_rate_overrides
from dtsen.generate.regions import HISTORIC_CODES, SEEDS_DIR
from dtsen.generate.writer import FAMILY_INDICATOR_COLUMNS

AS_OF = date(2026, 10, 31)
# Quarantine kinds are rare by default; raise them so a small population has some.
SMALL_RATES = parse_rate_overrides(["invalid_date=0.01", "invalid_code=0.01", "empty_record_id=0.01"])

SHDK = {
    "KEPALA KELUARGA",
    "SUAMI",
    "ISTRI",
    "ANAK",
    "MENANTU",
    "CUCU",
    "ORANG TUA",
    "MERTUA",
    "FAMILI LAIN",
    "PEMBANTU",
    "LAINNYA",
}
PENDIDIKAN = {
    "TIDAK/BELUM SEKOLAH",
    "BELUM TAMAT SD/SEDERAJAT",
    "TAMAT SD/SEDERAJAT",
    "SLTP/SEDERAJAT",
    "SLTA/SEDERAJAT",
    "DIPLOMA I/II",
    "AKADEMI/DIPLOMA III/S. MUDA",
    "DIPLOMA IV/STRATA I",
    "STRATA II",
    "STRATA III",
}
PEKERJAAN = {
    "PETANI/PEKEBUN",
    "BURUH HARIAN LEPAS",
    "NELAYAN/PERIKANAN",
    "WIRASWASTA",
    "KARYAWAN SWASTA",
    "PEGAWAI NEGERI SIPIL",
    "MENGURUS RUMAH TANGGA",
    "PELAJAR/MAHASISWA",
    "BELUM/TIDAK BEKERJA",
    "PENSIUNAN",
}


def codes(*values) -> set[str]:
    return {str(v) for v in values}


# Allowed values per CSV column (text as delivered); None means "not checked here".
CSV_CODES = {
    ("dukcapil", "jenis_kelamin"): {"LAKI-LAKI", "PEREMPUAN"},
    ("dukcapil", "agama"): {"ISLAM", "KRISTEN", "KATOLIK", "HINDU", "BUDDHA", "KONGHUCU", "KEPERCAYAAN"},
    ("dukcapil", "status_kawin"): {"BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI"},
    ("dukcapil", "shdk"): SHDK,
    ("dukcapil", "pendidikan"): PENDIDIKAN,
    ("dukcapil", "pekerjaan"): PEKERJAAN,
    ("dtks", "jenis_kelamin"): codes(1, 2),
    ("dtks", "lantai"): codes(*range(1, 10)),
    ("dtks", "dinding"): codes(*range(1, 8)),
    ("dtks", "atap"): codes(*range(1, 9)),
    ("dtks", "sumber_air_minum"): codes(*range(1, 11)),
    ("dtks", "fasilitas_bab"): codes(1, 2, 3, 4),
    ("dtks", "sumber_penerangan"): codes(*range(1, 7)),
    ("dtks", "bahan_bakar_masak"): codes(*range(1, 10)),
    ("dtks", "hub_krt"): codes(*range(1, 9)),
    ("dtks", "partisipasi_sekolah"): codes(0, 1, 2),
    ("dtks", "disabilitas"): codes(*range(6)),
    **{
        ("dtks", c): codes(0, 1)
        for c in (
            "punya_kulkas",
            "punya_ac",
            "punya_sepeda_motor",
            "punya_mobil",
            "punya_lahan",
            "punya_ternak",
            "penerima_pkh",
            "penerima_bpnt",
            "penerima_pbi_jk",
            "hamil",
            "penerima_pip",
        )
    },
    ("p3ke", "jk"): {"L", "P"},
    ("p3ke", "desil_p3ke"): codes(1, 2, 3, 4),
    ("p3ke", "hubungan"): SHDK,
    ("p3ke", "pekerjaan"): PEKERJAAN,
    ("p3ke", "pendidikan"): PENDIDIKAN,
    ("p3ke", "status_sekolah"): {"SEKOLAH", "TIDAK SEKOLAH", "BELUM SEKOLAH"},
    ("p3ke", "jenis_lantai"): codes(*range(1, 10)),
    ("p3ke", "jenis_dinding"): codes(*range(1, 8)),
    ("p3ke", "sumber_air_minum"): codes(*range(1, 11)),
    ("p3ke", "fasilitas_bab"): codes(1, 2, 3, 4),
    ("p3ke", "kepemilikan_rumah"): codes(1, 2, 3, 4, 5),
}
# Out-of-set codes the generator injects on purpose (invalid_code), per source and column.
INVALID_CODE_COLUMNS = {
    ("dukcapil", "jenis_kelamin"),
    ("dtks", "jenis_kelamin"),
    ("dtks", "lantai"),
    ("p3ke", "jk"),
    ("p3ke", "desil_p3ke"),
}
CSV_DATES = {  # column -> strptime format
    ("dukcapil", "tanggal_lahir"): "%Y-%m-%d",
    ("dukcapil", "tanggal_meninggal"): "%Y-%m-%d",
    ("dukcapil", "tanggal_update"): "%Y-%m-%d %H:%M:%S",
    ("dtks", "tanggal_lahir"): "%d/%m/%Y",
    ("dtks", "tanggal_verivali"): "%d/%m/%Y",
    ("p3ke", "tgl_lahir"): "%Y-%m-%d",
    ("p3ke", "tanggal_pendataan"): "%Y-%m-%d",
}
RECORD_ID = {
    ("dtks", "anggota.csv"): "id_art",
    ("dtks", "rumah_tangga.csv"): "id_rt",
    ("p3ke", "individu.csv"): "id_individu",
    ("p3ke", "keluarga.csv"): "id_keluarga_p3ke",
}
PERSON_FILES = {
    ("dukcapil", "penduduk.csv"),
    ("dtks", "anggota.csv"),
    ("p3ke", "individu.csv"),
    ("bps", "regsosek_individu.parquet"),
}


def run(tmp: Path, persons: int, seed: int, rates=None, seeds=None) -> tuple[dict, Path, Path]:
    out, truth = tmp / "landing", tmp / "truth"
    summary = generate(persons, seed, out, truth, AS_OF, rates, seeds)
    return summary, out, truth


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return run(tmp_path_factory.mktemp("small"), 2000, 7, SMALL_RATES)


@pytest.fixture(scope="module")
def medium(tmp_path_factory):
    return run(tmp_path_factory.mktemp("medium"), 50_000, 11)


def deliveries(out: Path) -> dict[str, Path]:
    found = {}
    # The generator writes the full extracts; field results come from `dtsen field-results`.
    for source in EXTRACT_SOURCES:
        folders = sorted((out / source).iterdir())
        assert len(folders) == 1, f"{source}: expected one delivery, found {folders}"
        found[source] = folders[0]
    return found


def read_manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))


def csv_rows(path: Path, source: str) -> tuple[list[str], list[list[str]]]:
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    assert bom == DIALECTS[source].bom, f"{path}: BOM present={bom}, contract says {DIALECTS[source].bom}"
    text = data[3:].decode("utf-8") if bom else data.decode("utf-8")
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=DIALECTS[source].delimiter, quotechar='"', strict=True
    )
    header, *rows = list(reader)
    return header, rows


def truth_errors(truth: Path, source: str, file: str) -> dict[int, list[str]]:
    table = "records" if (source, file) in PERSON_FILES else "household_records"
    rows = duckdb.sql(
        f"select row_number, errors from '{truth}/{table}.parquet' "
        f"where source = '{source}' and file = '{file}'"
    ).fetchall()
    return dict(rows)


# ------------------------------------------------------------------------ contract conformance


def test_layout_and_manifests(small):
    summary, out, _ = small
    for source, folder in deliveries(out).items():
        manifest = read_manifest(folder)
        assert list(manifest) == ["contract_version", "source", "extract_date", "files"]
        assert manifest["contract_version"] == CONTRACT_VERSION and manifest["source"] == source
        assert manifest["extract_date"] == folder.name
        assert date.fromisoformat(folder.name) < AS_OF
        assert set(manifest["files"]) == set(FILES[source])
        assert sorted(p.name for p in folder.iterdir()) == sorted([*FILES[source], MANIFEST_NAME])
        for file, entry in manifest["files"].items():
            path = folder / file
            assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), f"{source}/{file}"
            if DIALECTS[source].format == "csv":
                rows = len(csv_rows(path, source)[1])
            else:
                rows = pq.ParquetFile(path).metadata.num_rows
            assert entry["rows"] == rows == summary["rows"][source][file], f"{source}/{file}"
            assert rows > 0, f"{source}/{file} is empty"
    extracts = {s: date.fromisoformat(f.name) for s, f in deliveries(out).items()}
    assert extracts["bps"] < extracts["p3ke"] < extracts["dtks"] < extracts["dukcapil"]


def test_csv_columns_dates_and_codes(small):
    _, out, truth = small
    for source, folder in deliveries(out).items():
        if DIALECTS[source].format != "csv":
            continue
        for file, columns in FILES[source].items():
            header, rows = csv_rows(folder / file, source)
            assert header == columns, f"{source}/{file} header"
            errors = truth_errors(truth, source, file)
            seen_invalid = {"invalid_date": 0, "invalid_code": 0}
            for number, row in enumerate(rows, start=1):
                assert len(row) == len(columns), f"{source}/{file} row {number} has {len(row)} fields"
                record = dict(zip(columns, row))
                tags = errors[number]
                for (src, column), fmt in CSV_DATES.items():
                    if src != source or column not in record or record[column] == "":
                        continue
                    try:
                        datetime.strptime(record[column], fmt)
                        parsed = True
                    except ValueError:
                        parsed = False
                    if not parsed:
                        seen_invalid["invalid_date"] += 1
                    assert parsed != (
                        "invalid_date" in tags
                        and column in ("tanggal_lahir", "tgl_lahir", "tanggal_verivali", "tanggal_pendataan")
                    ), f"{source}/{file} row {number} {column}={record[column]!r} tags={tags}"
                for (src, column), allowed in CSV_CODES.items():
                    if src != source or column not in record:
                        continue
                    ok = record[column] in allowed
                    if not ok:
                        seen_invalid["invalid_code"] += 1
                    assert ok or ((src, column) in INVALID_CODE_COLUMNS and "invalid_code" in tags), (
                        f"{source}/{file} row {number} {column}={record[column]!r}"
                    )
                for column in ("kode_desa",):
                    if column in record:
                        assert re.fullmatch(r"\d{10}", record[column]), f"{source}/{file} {column}"
                for column in ("rt", "rw"):
                    if column in record:
                        assert re.fullmatch(r"\d{3}", record[column]), f"{source}/{file} {column}"
            assert seen_invalid["invalid_date"] > 0 and seen_invalid["invalid_code"] > 0, (
                f"{source}/{file}: the raised quarantine rates produced no bad rows"
            )


def test_csv_quoting_round_trips(small):
    """Fields holding the delimiter or a quote are quoted (RFC 4180) and read back intact."""
    _, out, _ = small
    folders = deliveries(out)
    text = (folders["dukcapil"] / "penduduk.csv").read_text(encoding="utf-8")
    assert '"KOMPLEK ""' in text, "an address with quotes must be quoted with doubled quotes"
    _, rows = csv_rows(folders["dukcapil"] / "penduduk.csv", "dukcapil")
    assert any('"' in row[FILES["dukcapil"]["penduduk.csv"].index("alamat")] for row in rows)
    _, rows = csv_rows(folders["p3ke"] / "individu.csv", "p3ke")
    names = [row[3] for row in rows]
    assert any("," in name for name in names), "degree suffixes (', S.PD.') must survive in a comma CSV"


def test_parquet_types_and_codes(small):
    _, out, _ = small
    folder = deliveries(out)["bps"]
    expected = {
        "regsosek_keluarga.parquet": {
            "id_keluarga": "string",
            "no_kk": "string",
            "kode_desa": "string",
            "luas_lantai_m2": "double",
            "tanggal_pencacahan": "date32[day]",
        },
        "regsosek_individu.parquet": {
            "id_keluarga": "string",
            "nik": "string",
            "nama": "string",
            "tanggal_lahir": "date32[day]",
        },
        "susenas_konsumsi.parquet": {
            "id_keluarga": "string",
            "pengeluaran_perkapita": "double",
            "bobot": "double",
            "tahun": "int32",
        },
    }
    for file, columns in FILES["bps"].items():
        schema = pq.read_schema(folder / file)
        assert schema.names == columns, file
        for column in columns:
            want = expected[file].get(column, "int32")
            assert str(schema.field(column).type) == want, f"{file}.{column}: {schema.field(column).type}"
    # individu and keluarga are read by name in the queries below (DuckDB's replacement scan).
    individu = duckdb.sql(f"select * from '{folder}/regsosek_individu.parquet'")  # noqa: F841
    bad = duckdb.sql(
        "select count(*) from individu where hubungan_kk not between 1 and 8 or ijazah not between 0 and 6"
        " or bekerja not in (0, 1) or lapangan_usaha not between 0 and 8 or disabilitas not in (0, 1)"
        " or sekolah not in (0, 1, 2)"
    ).fetchall()[0][0]
    assert bad == 0
    keluarga = duckdb.sql(f"select * from '{folder}/regsosek_keluarga.parquet'")  # noqa: F841
    assert (
        duckdb.sql(
            "select count(*) from keluarga where sumber_penerangan not between 1 and 6 "
            "or status_rumah not between 1 and 5 or punya_mobil not in (0, 1)"
        ).fetchall()[0][0]
        == 0
    )


def test_nik_and_kk_structure(small):
    """Undamaged NIKs: 16 digits, DD(+40)MMYY of the birth date unless tagged, unique, real district."""
    _, out, truth = small
    folder = deliveries(out)["dukcapil"]
    districts = {
        r[0]
        for r in duckdb.sql(
            f"select kode_kecamatan from read_csv('{SEEDS_DIR}/ref_kecamatan.csv', all_varchar=true)"
        ).fetchall()
    }
    old = dict(
        duckdb.sql(
            f"select kode_lama, kode_baru from read_csv('{SEEDS_DIR}/{HISTORIC_CODES}', all_varchar=true)"
        ).fetchall()
    )
    header, rows = csv_rows(folder / "penduduk.csv", "dukcapil")
    errors = truth_errors(truth, "dukcapil", "penduduk.csv")
    niks = set()
    for number, row in enumerate(rows, start=1):
        r = dict(zip(header, row))
        nik = r["nik"]
        assert re.fullmatch(r"\d{16}", nik) and re.fullmatch(r"\d{16}", r["no_kk"])
        region = old.get(nik[:4], nik[:4]) + nik[4:6]
        assert region in districts, f"NIK {nik}: {nik[:6]} is no district"
        datetime.strptime(r["no_kk"][6:12], "%d%m%y")
        if "duplicate_person" not in errors[number]:
            assert nik not in niks, f"NIK {nik} twice"
        niks.add(nik)
        if "invalid_date" in errors[number] or "invalid_code" in errors[number]:
            continue
        day = int(nik[6:8]) - (40 if r["jenis_kelamin"] == "PEREMPUAN" else 0)
        born = datetime.strptime(r["tanggal_lahir"], "%Y-%m-%d")
        agrees = (day, int(nik[8:10]), int(nik[10:12])) == (born.day, born.month, born.year % 100)
        assert agrees != ("nik_birthdate_mismatch" in errors[number]), f"row {number}"
    damaged = duckdb.sql(
        f"select nik_delivered from '{truth}/records.parquet' where nik_damage is null "
        "and nik_delivered is not null"
    ).fetchall()
    assert all(re.fullmatch(r"\d{16}", n) for (n,) in damaged)


def test_old_region_codes_in_niks(small):
    """Papua NIKs issued before the 2022 split keep the old 91/92 prefix."""
    _, _, truth = small
    prefixes = duckdb.sql(
        f"select distinct substr(nik, 1, 2) from '{truth}/persons.parquet' "
        "where substr(kode_desa, 1, 2) in ('93', '94', '95', '96') and nik is not null"
    ).fetchall()
    assert {"91", "92"} & {p for (p,) in prefixes}


def test_runs_without_historic_seed(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds, ignore=shutil.ignore_patterns(HISTORIC_CODES))
    summary, _, truth = run(tmp_path, 500, 3, seeds=seeds)
    assert summary["historic_region_codes"] is False
    assert not duckdb.sql(
        f"select count(*) from '{truth}/persons.parquet' where nik like '91%' "
        "and substr(kode_desa, 1, 2) <> '91'"
    ).fetchall()[0][0]


# ------------------------------------------------------------------------ truth


def test_truth_covers_every_delivered_row_once(small):
    summary, out, truth = small
    folders = deliveries(out)
    persons = {r[0] for r in duckdb.sql(f"select person_id from '{truth}/persons.parquet'").fetchall()}
    families = {r[0] for r in duckdb.sql(f"select family_id from '{truth}/families.parquet'").fetchall()}
    for source in EXTRACT_SOURCES:
        for file in FILES[source]:
            table = "records" if (source, file) in PERSON_FILES else "household_records"
            rows = duckdb.sql(
                f"select row_number, record_id, family_id, errors"
                f"{', person_id, nik_delivered' if table == 'records' else ''} "
                f"from '{truth}/{table}.parquet' where source = '{source}' and file = '{file}' "
                "order by row_number"
            ).fetchall()
            n = summary["rows"][source][file]
            assert [r[0] for r in rows] == list(range(1, n + 1)), f"{source}/{file}"
            if DIALECTS[source].format == "csv":
                header, delivered = csv_rows(folders[source] / file, source)
            else:
                table_ = pq.read_table(folders[source] / file)
                header, delivered = table_.column_names, [list(r.values()) for r in table_.to_pylist()]
            for truth_row, row in zip(rows, delivered):
                record = dict(zip(header, row))
                ghost = "unknown_to_civil_register" in truth_row[3]
                if (source, file) in RECORD_ID:
                    assert truth_row[1] == (record[RECORD_ID[(source, file)]] or None)
                if table == "records":
                    assert (truth_row[4] is None) == ghost
                    assert ghost or truth_row[4] in persons
                    assert (record["nik"] or None) == truth_row[5], f"{source}/{file} row {truth_row[0]}"
                assert ghost or truth_row[2] in families


def test_truth_tables(small):
    _, _, truth = small
    persons = pq.read_schema(truth / "persons.parquet")
    assert persons.names == [
        "person_id",
        "nik",
        "nama",
        "jenis_kelamin",
        "tanggal_lahir",
        "family_id",
        "kode_desa",
        "tanggal_meninggal",
        "hubungan",
        "ijazah",
        "pekerjaan",
        "sekolah",
        "bekerja",
    ]
    assert str(persons.field("person_id").type) == "int64"
    # The PMT's inputs, true (dtsen.pmt_evaluation's yardstick): every indicator, and P3KE's
    # income for exactly the true families P3KE delivered a household row of.
    indicators = pq.read_schema(truth / "family_indicators.parquet")
    assert indicators.names == ["family_id", *FAMILY_INDICATOR_COLUMNS, "penghasilan_bulanan"]
    with_income, listed = (
        {row[0] for row in duckdb.sql(query).fetchall()}
        for query in (
            f"select family_id from '{truth}/family_indicators.parquet' "
            "where penghasilan_bulanan is not null",
            f"select family_id from '{truth}/household_records.parquet' "
            "where source = 'p3ke' and file = 'keluarga.csv' and family_id is not null",
        )
    )
    assert with_income and with_income == listed
    families = pq.read_schema(truth / "families.parquet")
    assert families.names == ["family_id", "no_kk", "kode_desa", "jumlah_art", "pengeluaran_perkapita_true"]
    records = pq.read_schema(truth / "records.parquet")
    assert records.names == [
        "source",
        "file",
        "extract_date",
        "row_number",
        "record_id",
        "person_id",
        "family_id",
        "nik_delivered",
        "errors",
        "nik_damage",
        "fictitious_person_id",
    ]
    assert str(records.field("errors").type) == "list<element: string>"
    for table in ("records", "household_records"):
        keys = duckdb.sql(f"select source, file, row_number from '{truth}/{table}.parquet'").fetchall()
        assert keys == sorted(keys), f"{table} is not in (source, file, row_number) order"
    dead = duckdb.sql(
        f"select avg((tanggal_meninggal is not null)::INT) from '{truth}/persons.parquet'"
    ).fetchall()
    assert 0.01 < dead[0][0] < 0.06
    report = json.loads((truth / "error_rates.json").read_text())
    assert report["seed"] == 7 and report["persons"] == 2000 and report["as_of"] == AS_OF.isoformat()
    assert report["rates"] == {**DEFAULT_RATES, **SMALL_RATES}


# ------------------------------------------------------------------------ determinism


def test_same_seed_same_bytes_other_seed_differs(small, tmp_path):
    _, out, truth = small
    _, out2, truth2 = run(tmp_path / "again", 2000, 7, SMALL_RATES)
    _, out3, _ = run(tmp_path / "other", 2000, 8, SMALL_RATES)
    for source, folder in deliveries(out).items():
        assert read_manifest(folder) == read_manifest(deliveries(out2)[source]), source
        assert read_manifest(folder)["files"] != read_manifest(deliveries(out3)[source])["files"], source
    for name in (
        "persons.parquet",
        "families.parquet",
        "records.parquet",
        "household_records.parquet",
        "family_indicators.parquet",
        "error_rates.json",
    ):
        assert (truth / name).read_bytes() == (truth2 / name).read_bytes(), name


# ------------------------------------------------------------------------ rates


def test_parse_rate_overrides():
    assert parse_rate_overrides(["dtks.nik_damaged=0.1"]) == {"dtks.nik_damaged": 0.1}
    bare = parse_rate_overrides(["nik_damaged=0.2"])
    assert bare == {"dtks.nik_damaged": 0.2, "p3ke.nik_damaged": 0.2, "bps.nik_damaged": 0.2}
    with pytest.raises(ValueError, match="unknown error kind 'nik_mangled'"):
        parse_rate_overrides(["nik_mangled=0.1"])
    with pytest.raises(ValueError, match="between 0 and 1"):
        parse_rate_overrides(["dtks.nik_damaged=1.5"])
    with pytest.raises(ValueError, match="expected kind=value"):
        parse_rate_overrides(["dtks.nik_damaged"])
    with pytest.raises(ValueError, match="unknown rate key"):
        generate(10, 1, Path("/nonexistent/out"), Path("/nonexistent/truth"), rates={"dtks.bogus": 0.1})


def test_docs_name_every_rate():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "synthetic-data.md").read_text(encoding="utf-8")
    for key in DEFAULT_RATES:
        _scope, kind = key.split(".")
        assert f"`{key}`" in docs or f"`{kind}`" in docs, key


def test_realized_rates_near_configured(medium):
    summary, _, _ = medium
    checked = 0
    for source, files in summary["errors"].items():
        for file, kinds in files.items():
            for kind, entry in kinds.items():
                rate, eligible = entry.get("rate"), entry.get("eligible")
                if rate is None or not eligible or rate * eligible < 20:
                    continue
                sd = math.sqrt(eligible * rate * (1 - rate))
                assert abs(entry["injected"] - rate * eligible) <= 4 * sd + 2, (
                    f"{source}/{file}/{kind}: {entry}"
                )
                checked += 1
    assert checked >= 25, f"only {checked} kinds had enough units to check"
    facts = summary["population"]
    for key, units, share in (
        ("unregistered_families", "families", "population.unregistered"),
        ("split_families", "families", "population.kk_change"),
        ("nik_birthdate_mismatch", "persons", "population.nik_birthdate_mismatch"),
    ):
        rate, n = DEFAULT_RATES[share], facts[units]
        assert abs(facts[key] - rate * n) <= 4 * math.sqrt(n * rate * (1 - rate)) + 2, key


def test_coverage_shares(medium):
    summary, _, _ = medium
    families = summary["population"]["families"]
    rows = summary["rows"]
    assert 0.35 <= rows["dtks"]["rumah_tangga.csv"] / families <= 0.45
    assert 0.30 <= rows["p3ke"]["keluarga.csv"] / families <= 0.45
    assert 0.88 <= rows["bps"]["regsosek_keluarga.parquet"] / families <= 0.96
    assert (
        0.005 <= rows["bps"]["susenas_konsumsi.parquet"] / rows["bps"]["regsosek_keluarga.parquet"] <= 0.015
    )
    assert 3.4 <= summary["population"]["mean_jumlah_art"] <= 4.0


def test_proxy_means_fit_is_informative_not_perfect(medium):
    """Log consumption on Regsosek indicators: R^2 around 0.5 (measured with Susenas-like noise)."""
    _, out, truth = medium
    folder = deliveries(out)["bps"]
    df = duckdb.sql(f"""
        select k.*, ln(f.pengeluaran_perkapita_true) as y, i.ijazah, i.bekerja, i.lapangan_usaha
        from '{folder}/regsosek_keluarga.parquet' k
        join '{truth}/household_records.parquet' h
            on h.file = 'regsosek_keluarga.parquet' and h.record_id = k.id_keluarga
        join '{truth}/families.parquet' f using (family_id)
        join '{folder}/regsosek_individu.parquet' i on i.id_keluarga = k.id_keluarga and i.hubungan_kk = 1
        where k.lantai <> 99
        qualify row_number() over (partition by k.id_keluarga order by i.no_urut) = 1
    """).df()
    y = df["y"].to_numpy() + np.random.default_rng(0).normal(0, 0.25, len(df))
    categorical = [
        "lantai",
        "dinding",
        "atap",
        "sumber_air_minum",
        "fasilitas_bab",
        "sumber_penerangan",
        "bahan_bakar_masak",
        "status_rumah",
        "ijazah",
        "lapangan_usaha",
    ]
    dummies = [(df[c].to_numpy()[:, None] == np.unique(df[c])[None, 1:]).astype(float) for c in categorical]
    province = df["kode_desa"].str[:2].to_numpy()
    dummies.append((province[:, None] == np.unique(province)[None, 1:]).astype(float))
    binary = [c for c in df.columns if c.startswith("punya_")] + ["bekerja"]
    x = np.column_stack(
        [
            np.ones(len(df)),
            np.log(df["jumlah_art"].clip(lower=1)),
            np.log(df["luas_lantai_m2"]),
            df[binary].to_numpy(float),
            *dummies,
        ]
    )
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    r2 = 1 - np.var(y - x @ beta) / np.var(y)
    assert 0.35 <= r2 <= 0.7, r2


def test_identity_patterns_of_issue_26(tmp_path):
    """Raised, the new identity patterns show in DTKS as documented: the head's NIK on
    another member, a NIK one transposition or one digit off, BIN/BINTI and the head's name
    after a child's, a birth date 1 January of the true year, NIKs padded with tabs."""
    rates = parse_rate_overrides(
        [
            "nik_borrowed_from_head=0.2",
            "nik_mistyped=0.2",
            "patronymic=0.5",
            "birthdate_year_only=0.2",
            "nik_damaged=0.5",
            "name_variant=0.5",
            "registered_in_two_regencies=0.2",
            "kk_change_lone_parent=1",
        ]
    )
    summary, out, truth = run(tmp_path, 2000, 5, rates)
    header, rows = csv_rows(deliveries(out)["dtks"] / "anggota.csv", "dtks")
    rows = [dict(zip(header, row)) for row in rows]
    truth_rows = duckdb.sql(f"""
        select r.errors, r.nik_damage, p.nik, year(p.tanggal_lahir), p.nama
        from '{truth}/records.parquet' as r left join '{truth}/persons.parquet' as p using (person_id)
        where r.source = 'dtks' and r.file = 'anggota.csv' order by r.row_number
    """).fetchall()
    # the head as he truly is: his own row may carry errors of its own
    heads = {row["id_rt"]: (t[2], t[4]) for row, t in zip(rows, truth_rows) if row["hub_krt"] == "1"}
    seen = dict.fromkeys(["nik_borrowed_from_head", "nik_mistyped", "patronymic", "birthdate_year_only"], 0)
    for row, (errors, damage, true_nik, born, _) in zip(rows, truth_rows, strict=True):
        head_nik, head_name = heads.get(row["id_rt"], (None, None))
        for kind in seen:
            seen[kind] += kind in errors
        if "nik_borrowed_from_head" in errors and not {"nik_damaged", "nik_mistyped"} & set(errors):
            assert row["nik"] == head_nik != true_nik
        if "nik_mistyped" in errors:
            nik = row["nik"]
            assert re.fullmatch(r"\d{16}", nik) and damage in ("transposed", "mistyped")
            differ = [i for i in range(16) if nik[i] != (true_nik or "")[i : i + 1]]
            if "nik_borrowed_from_head" not in errors and "nik_other_person" not in errors:
                assert len(differ) == (2 if damage == "transposed" else 1), (nik, true_nik)
        if "patronymic" in errors:
            particle = " BIN " if row["jenis_kelamin"] == "1" else " BINTI "
            assert row["nama"].upper().endswith(particle + head_name), (row["nama"], head_name)
        if "birthdate_year_only" in errors:
            assert row["tanggal_lahir"] == f"01/01/{born}"
    assert min(seen.values()) >= 10, seen
    assert any("\t" in row["nik"] for row in rows), "a NIK padded with tabs"
    forms = {"padded": 0, "name_title": 0, "name_old_spelling": 0}
    for row, (errors, damage, true_nik, _, true_name) in zip(rows, truth_rows, strict=True):
        name = row["nama"].split(" BIN")[0] if "patronymic" in errors else row["nama"]
        if damage == "padded":
            forms["padded"] += 1
            assert row["nik"] != row["nik"].strip() and re.fullmatch(r"\d{16}", row["nik"].strip())
            if not {"nik_borrowed_from_head", "nik_other_person"} & set(errors):
                assert row["nik"].strip() == true_nik
        if "name_old_spelling" in errors:
            forms["name_old_spelling"] += 1
            old = true_name.replace("J", "DJ").replace("Y", "J").replace("C", "TJ").replace("KH", "CH")
            assert name == old.replace("U", "OE"), (name, true_name)
        if "name_title" in errors:
            forms["name_title"] += 1
            assert name != true_name and true_name in name, (name, true_name)
    assert min(forms.values()) >= 5, forms
    # a second registration in another regency of the province, receiving as the first
    moved = duckdb.sql(f"""
        select h.row_number, f.kode_desa, list_contains(h.errors, 'old_region_code')
        from '{truth}/household_records.parquet' as h
        join '{truth}/families.parquet' as f using (family_id)
        where h.source = 'dtks' and list_contains(h.errors, 'registered_in_two_regencies')
    """).fetchall()
    header, households = csv_rows(deliveries(out)["dtks"] / "rumah_tangga.csv", "dtks")
    village = header.index("kode_desa")
    assert len(moved) >= 20
    for row_number, true_village, old_code in moved:
        delivered = households[row_number - 1][village]
        if old_code:  # the other regency was split, and is written with its old code
            continue
        same_province, same_regency = delivered[:2] == true_village[:2], delivered[:4] == true_village[:4]
        assert same_province and not same_regency, (delivered, true_village)
    # split families left a parent alone (where the province had such a parent to draw):
    # the parents' old household was two people
    facts = summary["population"]
    assert facts["split_families_from_lone_parent"] >= 0.7 * facts["split_families_with_origin"] > 0


def test_a_made_up_person_listed_twice_has_one_truth_id(tmp_path):
    """A made-up person is no register person (person_id NULL) but one person all the same:
    the truth gives their rows, a duplicate row too, one fictitious_person_id, which no
    other made-up person of any source shares, and a real person's rows none."""
    rates = parse_rate_overrides(["unknown_to_civil_register=0.3", "duplicate_person=0.3"])
    _, _, truth = run(tmp_path, 500, 3, rates)
    made_up, ids, duplicates, real_with_id = duckdb.sql(f"""
        select count_if(person_id is null), count(distinct fictitious_person_id),
               count_if(person_id is null and list_contains(errors, 'duplicate_person')),
               count_if(person_id is not null and fictitious_person_id is not null)
        from '{truth}/records.parquet'
    """).fetchall()[0]
    assert duplicates >= 5 and real_with_id == 0
    missing = duckdb.sql(
        f"select count(*) from '{truth}/records.parquet' "
        "where person_id is null and fictitious_person_id is null"
    ).fetchall()[0][0]
    assert missing == 0
    # one id per made-up person: every row but the duplicates brings a new one
    assert ids == made_up - duplicates
