"""The field-results generator (dtsen field-results): verifikasi deliveries that answer the
issued lists consistently with the generator's truth.

Most tests make the issued lists here, in the contract's format, from a generated landing
zone and its truth: every DTKS household (real and made-up), a share of the other families,
families listed twice on their list and listings of dead persons, listings the real export
(`dtsen export verifikasi`) rarely or never issues, so that every outcome is exercised. The
demo-loop test answers the real export's lists.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dtsen.contract import FILES
from dtsen.generate import generate, parse_rate_overrides
from dtsen.generate.verifikasi import FieldResultsError, field_results
from dtsen.pseudonym import KEY_VARIABLE

PERSONS = 10_000
SEED = 5
HASIL_COLUMNS = FILES["verifikasi"]["hasil_verifikasi.csv"]
ANGGOTA_COLUMNS = FILES["verifikasi"]["anggota_usulan.csv"]
ISSUED = dt.date(2026, 11, 1)
HASIL = {"LAYAK", "TIDAK_LAYAK", "TIDAK_DITEMUKAN", "PINDAH", "MENINGGAL", "GANDA"}
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


def q(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_issued_lists(landing: Path, truth: Path, lists: Path, issued: dt.date = ISSUED) -> dict:
    """Issued lists per regency (lists/<kab>/daftar_verifikasi.csv and its members file) in
    the contract's format. Returns {kind: [id_daftar, ...]} of the listings made."""
    con = duckdb.connect()
    dtks = sorted((landing / "dtks").iterdir())[-1]
    con.execute(f"""create table listing as
        with heads as (
            select family_id, arg_min(person_id, (hubungan <> 1, person_id)) as head_id
            from '{truth}/persons.parquet' where tanggal_meninggal is null group by family_id
        ),
        dtks_families as (
            select distinct family_id from '{truth}/household_records.parquet'
            where source = 'dtks' and family_id is not null
        ),
        real as (
            select 'family' as kind, f.family_id, f.no_kk, f.kode_desa, h.alamat, h.rt, h.rw,
                p.nik as nik_kepala_keluarga, p.nama as nama_kepala_keluarga,
                case when d.family_id is not null then 'PENERIMA_GANDA' else 'TANPA_SUMBER_INDIKATOR' end
                    as alasan_daftar, NULL as id_rt, NULL::BIGINT as person_id
            from '{truth}/families.parquet' as f
            join '{truth}/family_housing.parquet' as h using (family_id)
            join heads using (family_id)
            join '{truth}/persons.parquet' as p on p.person_id = heads.head_id
            left join dtks_families as d using (family_id)
            where d.family_id is not null or hash(f.family_id) % 5 = 0
        ),
        -- made-up DTKS households: the persons of nobody
        ghosts as (
            select distinct 'ghost' as kind, NULL::BIGINT as family_id, a.no_kk, r.kode_desa, r.alamat,
                '001' as rt, '001' as rw, a.nik, a.nama, 'PENERIMA_TIDAK_DI_DUKCAPIL', a.id_rt, NULL::BIGINT
            from '{truth}/records.parquet' as t
            join read_csv('{dtks}/anggota.csv', delim=';', header=true, all_varchar=true) as a
                on a.id_art = t.record_id
            join read_csv('{dtks}/rumah_tangga.csv', delim=';', header=true, all_varchar=true) as r
                using (id_rt)
            where t.source = 'dtks' and t.file = 'anggota.csv' and t.person_id is null and a.hub_krt = '1'
        ),
        -- dead persons listed as a family of their own (a recipient list's stale entry)
        dead as (
            select 'dead', NULL::BIGINT, NULL, p.kode_desa, 'JL. LAMA', '002', '003', p.nik, p.nama,
                'PENERIMA_MENINGGAL', NULL, p.person_id
            from '{truth}/persons.parquet' as p
            where p.tanggal_meninggal is not null and p.nik is not null
            order by p.person_id limit 40
        ),
        -- the same family listed a second time on its list
        twice as (select * replace ('twice' as kind) from real order by family_id limit 40)
        select *, substr(kode_desa, 1, 4) as kab from (
            select * from real union all select * from ghosts union all select * from dead
            union all select * from twice)""")
    con.execute(f"""create or replace table listing as
        select *, kab || '-{issued.strftime("%Y%m%d")}-'
            || lpad(row_number() over (partition by kab order by kind = 'twice', kind, family_id, id_rt,
                                       person_id)::VARCHAR, 6, '0') as id_daftar
        from listing""")
    con.execute(f"""create table members as
        select l.id_daftar, p.nik, p.nama, case p.jenis_kelamin when 1 then 'L' else 'P' end as jenis_kelamin,
            strftime(p.tanggal_lahir, '%Y-%m-%d') as tanggal_lahir,
            case p.hubungan when 1 then 'KEPALA KELUARGA' when 2 then 'ISTRI' when 3 then 'ANAK'
                 else 'FAMILI LAIN' end as hubungan
        from listing as l join '{truth}/persons.parquet' as p
            on (p.family_id = l.family_id and p.tanggal_meninggal is null) or p.person_id = l.person_id
        union all
        select l.id_daftar, a.nik, a.nama, case a.jenis_kelamin when '1' then 'L' else 'P' end,
            strftime(try_strptime(a.tanggal_lahir, '%d/%m/%Y'), '%Y-%m-%d'), 'KEPALA KELUARGA'
        from listing as l join read_csv('{dtks}/anggota.csv', delim=';', header=true, all_varchar=true) as a
            using (id_rt)
        where l.kind = 'ghost'""")
    for (kab,) in con.sql("select distinct kab from listing").fetchall():
        folder = lists / kab
        folder.mkdir(parents=True)
        con.execute(f"""copy (select id_daftar, 'EKS-1' as id_ekspor, DATE '{issued}' as tanggal_terbit,
                kab as kode_kabupaten_kota, kode_desa, alamat, rt, rw, no_kk, nik_kepala_keluarga,
                nama_kepala_keluarga, alasan_daftar, 1 as prioritas
            from listing where kab = '{kab}' order by id_daftar) to {q(folder / "daftar_verifikasi.csv")}
            (format csv, header true)""")
        con.execute(f"""copy (select m.* from members as m join listing as l using (id_daftar)
            where l.kab = '{kab}' order by id_daftar, nik) to {q(folder / "daftar_verifikasi_anggota.csv")}
            (format csv, header true)""")
    kinds: dict[str, list[str]] = {}
    for kind, id_daftar in con.sql("select kind, id_daftar from listing order by all").fetchall():
        kinds.setdefault(kind, []).append(id_daftar)
    con.close()
    return kinds


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("field")
    generate(PERSONS, SEED, root / "landing", root / "truth")
    kinds = write_issued_lists(root / "landing", root / "truth", root / "lists")
    return root, kinds


# Raised so that a small population shows every officer error.
TEST_RATES = parse_rate_overrides(
    ["verifikasi.id_daftar_wrong=0.05", "verifikasi.repeat_visit=0.3", "verifikasi.moved_since=0.05"]
)


@pytest.fixture(scope="module")
def delivered(world):
    """Two months of field results on a copy of the landing zone and truth."""
    root, kinds = world
    landing, truth = root / "two-months" / "landing", root / "two-months" / "truth"
    shutil.copytree(root / "landing", landing)
    shutil.copytree(root / "truth", truth)
    later = dt.date(2027, 6, 30)  # a clock after both months: the defaults are a month apart
    first = field_results(root / "lists", landing, truth, seed=SEED, rates=TEST_RATES, today=later)
    second = field_results(root / "lists", landing, truth, seed=SEED, rates=TEST_RATES, today=later)
    return landing, truth, kinds, first, second


def read_rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def visits_truth(truth: Path) -> duckdb.DuckDBPyRelation:
    return duckdb.sql(f"select * from read_parquet('{truth}/verifikasi/*/kunjungan.parquet')")


def test_files_follow_the_contract(delivered):
    landing, _, _, first, second = delivered
    assert first["extract_date"] == "2026-11-28" and second["extract_date"] == "2026-12-28"
    for summary in (first, second):
        folder = landing / "verifikasi" / summary["extract_date"]
        manifest = json.loads((folder / "_manifest.json").read_text())
        assert manifest["contract_version"] == 2 and manifest["source"] == "verifikasi"
        assert manifest["extract_date"] == summary["extract_date"]
        assert set(manifest["files"]) == {"hasil_verifikasi.csv", "anggota_usulan.csv"}
        extract = dt.date.fromisoformat(summary["extract_date"])
        for name, columns in (
            ("hasil_verifikasi.csv", HASIL_COLUMNS),
            ("anggota_usulan.csv", ANGGOTA_COLUMNS),
        ):
            header, rows = read_rows(folder / name)
            assert header == columns, name
            entry = manifest["files"][name]
            assert entry["rows"] == len(rows) > 0, name
            assert entry["sha256"] == hashlib.sha256((folder / name).read_bytes()).hexdigest(), name
        _, visits = read_rows(folder / "hasil_verifikasi.csv")
        ids = [v["id_kunjungan"] for v in visits]
        assert len(ids) == len(set(ids))
        for v in visits:
            assert v["jenis"] in {"VERIFIKASI", "USULAN", "SANGGAHAN"}
            assert v["hasil"] in (HASIL if v["jenis"] == "VERIFIKASI" else {"LAYAK", "TIDAK_LAYAK"})
            assert extract - dt.timedelta(days=30) < dt.date.fromisoformat(v["tanggal_kunjungan"]) <= extract
            if v["jenis"] == "VERIFIKASI":  # a list is answered after it is issued
                assert dt.date.fromisoformat(v["tanggal_kunjungan"]) >= ISSUED
            assert v["kode_desa"].isdigit() and len(v["kode_desa"]) == 10 and v["petugas"]
            assert (v["id_daftar"] != "") == (v["jenis"] == "VERIFIKASI") or v["jenis"] == "SANGGAHAN"
            if v["hasil"] == "GANDA":
                assert v["alasan"].startswith("id_daftar=")
            if v["hasil"] == "TIDAK_LAYAK":
                assert v["alasan"]
            if v["hasil"] not in ("LAYAK", "TIDAK_LAYAK"):
                assert v["lantai"] == "" and v["jumlah_anggota"] == ""
        _, members = read_rows(folder / "anggota_usulan.csv")
        usulan = {v["id_kunjungan"] for v in visits if v["jenis"] == "USULAN"}
        assert {m["id_kunjungan"] for m in members} == usulan
        for m in members:
            assert m["jenis_kelamin"] in {"L", "P"} and m["hubungan"] in SHDK and m["nama"]
            dt.date.fromisoformat(m["tanggal_lahir"])


def test_outcomes_follow_the_truth(delivered):
    _, truth, kinds, _, _ = delivered
    con = duckdb.connect()
    con.execute(f"create view v as select * from read_parquet('{truth}/verifikasi/*/kunjungan.parquet')")
    listed = sum(len(ids) for ids in kinds.values())
    visited_once = con.sql(
        "select count(distinct id_daftar) from v where jenis = 'VERIFIKASI' and repeat_of is null"
    ).fetchall()[0][0]
    # 80 % visited in the first month, 80 % of the rest in the second
    assert 0.9 * listed < visited_once <= listed
    by_kind = {
        kind: dict(
            con.execute(
                "select hasil, count(*) from v where repeat_of is null and jenis = 'VERIFIKASI' "
                "and list_contains(?, id_daftar) "
                "group by 1",
                [ids],
            ).fetchall()
        )
        for kind, ids in kinds.items()
    }
    assert set(by_kind["ghost"]) == {"TIDAK_DITEMUKAN"}
    assert set(by_kind["dead"]) == {"MENINGGAL"}
    assert set(by_kind["twice"]) == {"GANDA"}
    real = by_kind["family"]
    assert set(real) == HASIL - {"GANDA"}, real
    found = real["LAYAK"] + real["TIDAK_LAYAK"]
    assert found > 0.85 * sum(real.values())
    # a found family is LAYAK in true desil 1-5 (not clearly not poor) and TIDAK_LAYAK above, but for
    # the misjudged
    wrong = con.sql("""select count(*) filter (where (hasil = 'LAYAK') <> (true_desil <= 5)), count(*)
        from v where hasil in ('LAYAK', 'TIDAK_LAYAK') and jenis = 'VERIFIKASI'""").fetchall()[0]
    assert wrong[0] / wrong[1] < 0.08
    causes = dict(con.sql("select cause, count(*) from v where repeat_of is null group by 1").fetchall())
    for cause in ("moved_since", "died_since", "not_found_real", "misjudged", "poor", "not_poor"):
        assert causes.get(cause, 0) > 0, (cause, causes)
    assert 0.02 < causes["moved_since"] / found < 0.09
    # errors of the officers
    errors = dict(con.sql("select unnest(errors) as e, count(*) from v group by 1").fetchall())
    for kind in (
        "id_daftar_wrong",
        "nik_typed",
        "no_kk_typed",
        "housing_miscoded",
        "count_off",
        "repeat_visit",
    ):
        assert errors.get(kind, 0) > 0, (kind, errors)
    wrong_ids = con.sql("""select id_daftar, id_daftar_delivered from v
        where list_contains(errors, 'id_daftar_wrong')""").fetchall()
    for true_id, delivered_id in wrong_ids:
        assert true_id != delivered_id and len(true_id) == len(delivered_id)
        assert sum(a != b for a, b in zip(true_id, delivered_id, strict=True)) == 1
    con.close()


def test_proposals_and_objections_follow_the_truth(delivered):
    _, truth, _, _, _ = delivered
    con = duckdb.connect()
    con.execute(f"create view v as select * from read_parquet('{truth}/verifikasi/*/kunjungan.parquet')")
    usulan = con.sql(f"""select v.hasil, v.true_desil,
            v.family_id in (select family_id from '{truth}/household_records.parquet'
                            where family_id is not null)
        from v where jenis = 'USULAN'""").fetchall()
    assert usulan and not any(sourced for _, _, sourced in usulan)
    assert all((hasil == "LAYAK") == (desil <= 5) for hasil, desil, _ in usulan)
    assert any(hasil == "LAYAK" for hasil, _, _ in usulan)
    # members as the village writes them: the family's living persons
    members = con.sql(f"""select count(*), count(*) filter (where p.family_id = v.family_id
            and p.tanggal_meninggal is null)
        from read_parquet('{truth}/verifikasi/*/anggota_usulan.parquet') as m
        join v using (id_kunjungan) join '{truth}/persons.parquet' as p using (person_id)""").fetchall()[0]
    assert members[0] > 0 and members[0] == members[1]
    sanggahan = con.sql("select hasil, true_desil from v where jenis = 'SANGGAHAN'").fetchall()
    assert any(h == "TIDAK_LAYAK" for h, _ in sanggahan)
    assert all((h == "TIDAK_LAYAK") == (d >= 7) for h, d in sanggahan)
    # no family is proposed or objected to twice across the two months
    twice = con.sql("""select count(*) from (select jenis, family_id from v where jenis <> 'VERIFIKASI'
        group by all having count(*) > 1)""").fetchall()[0][0]
    assert twice == 0
    con.close()


def test_second_month_repeats_and_never_revisits(delivered):
    landing, truth, _, _, second = delivered
    con = duckdb.connect()
    con.execute(f"create view v as select * from read_parquet('{truth}/verifikasi/*/kunjungan.parquet')")
    assert second["repeated"] > 0
    repeats = con.sql("""select r.id_daftar, e.id_daftar, r.hasil, e.hasil, r.family_id, e.family_id
        from v as r join v as e on r.repeat_of = strftime(e.extract_date, '%Y-%m-%d') || '/' || e.id_kunjungan
        where r.extract_date = DATE '2026-12-28'""").fetchall()
    assert len(repeats) == second["repeated"]
    assert all(r[0] == r[1] and r[2] == r[3] and r[4] == r[5] for r in repeats)
    revisited = con.sql("""select count(*) from (select id_daftar from v where jenis = 'VERIFIKASI'
        and repeat_of is null group by id_daftar having count(*) > 1)""").fetchall()[0][0]
    assert revisited == 0
    # the repeated row is the earlier row but for id_kunjungan and the date
    _, later = read_rows(landing / "verifikasi" / "2026-12-28" / "hasil_verifikasi.csv")
    _, earlier = read_rows(landing / "verifikasi" / "2026-11-28" / "hasil_verifikasi.csv")
    earlier_by_id = {v["id_kunjungan"]: v for v in earlier}
    origin = dict(con.sql("select id_kunjungan, repeat_of from v where repeat_of is not null").fetchall())
    for row in later:
        if row["id_kunjungan"] in origin:
            old = earlier_by_id[origin[row["id_kunjungan"]].split("/")[1]]
            same = {k: v for k, v in row.items() if k not in ("id_kunjungan", "tanggal_kunjungan")}
            assert same == {k: v for k, v in old.items() if k not in ("id_kunjungan", "tanggal_kunjungan")}
            assert row["tanggal_kunjungan"] > old["tanggal_kunjungan"]
    con.close()


def test_same_inputs_same_bytes(world, tmp_path):
    root, _ = world
    outputs = []
    for name in ("a", "b"):
        landing, truth = tmp_path / name / "landing", tmp_path / name / "truth"
        shutil.copytree(root / "landing", landing)
        shutil.copytree(root / "truth", truth)
        field_results(root / "lists", landing, truth, extract_date=dt.date(2026, 11, 20), seed=SEED)
        outputs.append((landing / "verifikasi" / "2026-11-20" / "_manifest.json").read_text())
    assert outputs[0] == outputs[1]


def test_refusals_name_the_problem(world, tmp_path):
    root, _ = world
    with pytest.raises(FieldResultsError, match="no issued list"):
        field_results(tmp_path, root / "landing", root / "truth", extract_date=dt.date(2026, 11, 20))
    broken = tmp_path / "broken" / "3273"
    broken.mkdir(parents=True)
    (broken / "daftar_verifikasi.csv").write_text("id_daftar,kode_desa\n3273-20261101-000001,3273010001\n")
    (broken / "daftar_verifikasi_anggota.csv").write_text(",".join(ANGGOTA_COLUMNS) + "\n")
    with pytest.raises(FieldResultsError, match=r"daftar_verifikasi.csv: required column\(s\) alamat"):
        field_results(
            tmp_path / "broken", root / "landing", root / "truth", extract_date=dt.date(2026, 11, 20)
        )
    (broken / "daftar_verifikasi_anggota.csv").unlink()
    with pytest.raises(FieldResultsError, match=r"members file daftar_verifikasi_anggota\.csv is missing"):
        field_results(tmp_path / "broken", root / "landing", root / "truth")


def test_command_line(world, tmp_path):
    root, _ = world
    landing, truth = tmp_path / "landing", tmp_path / "truth"
    shutil.copytree(root / "landing", landing)
    shutil.copytree(root / "truth", truth)
    command = [
        sys.executable, "-m", "dtsen.cli", "field-results", "--lists", str(root / "lists"), "--landing",
        str(landing), "--truth", str(truth), "--extract-date", "2026-11-15", "--visit-share", "0.5",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "verifikasi 2026-11-15" in result.stdout and "VERIFIKASI" in result.stdout
    assert (landing / "verifikasi" / "2026-11-15" / "_manifest.json").is_file()
    again = subprocess.run(command, capture_output=True, text=True, check=False)
    assert again.returncode == 2 and "exists already" in again.stderr


def test_staging_takes_every_visit(world, tmp_path, dbt_build):
    """A real dbt build stages both months' visits and members: nothing quarantined, a
    typed head NIK flagged, every visit of both deliveries staged."""
    root, _ = world
    landing, truth = tmp_path / "landing", tmp_path / "truth"
    shutil.copytree(root / "landing", landing)
    shutil.copytree(root / "truth", truth)
    rates = parse_rate_overrides(["verifikasi.nik_typed=0.2", "verifikasi.repeat_visit=0.3"])
    for day in (dt.date(2026, 11, 20), dt.date(2026, 12, 1)):
        field_results(root / "lists", landing, truth, extract_date=day, seed=SEED, rates=rates)
    db = tmp_path / "warehouse.duckdb"
    result = dbt_build(landing, db)
    assert result.returncode == 0, result.stdout[-4000:]
    con = duckdb.connect(str(db), read_only=True)
    delivered = {}
    for day in ("2026-11-20", "2026-12-01"):
        manifest = json.loads((landing / "verifikasi" / day / "_manifest.json").read_text())
        delivered[day] = {name: entry["rows"] for name, entry in manifest["files"].items()}
    staged = dict(
        con.sql("""select strftime(extract_date, '%Y-%m-%d'), count(*)
            from staging.stg_verifikasi__hasil_verifikasi group by 1""").fetchall()
    )
    assert staged == {day: files["hasil_verifikasi.csv"] for day, files in delivered.items()}
    members = con.sql("select count(*) from staging.stg_verifikasi__anggota_usulan").fetchall()[0][0]
    assert members == sum(files["anggota_usulan.csv"] for files in delivered.values())
    quarantined = con.sql(
        "select count(*) from staging.stg_landing__quarantine where source = 'verifikasi'"
    ).fetchall()[0][0]
    assert quarantined == 0
    truth_visits = duckdb.sql(
        f"""select strftime(extract_date, '%Y-%m-%d') as day, id_kunjungan, errors
        from read_parquet('{truth}/verifikasi/*/kunjungan.parquet')"""
    ).fetchall()
    typed = {(day, kid) for day, kid, errors in truth_visits if "nik_typed" in errors}
    status = {
        (day, kid): flag
        for day, kid, flag in con.sql("""select strftime(extract_date, '%Y-%m-%d'), id_kunjungan,
                nik_kepala_keluarga_status
            from staging.stg_verifikasi__hasil_verifikasi""").fetchall()
    }
    assert typed and all(key in status for key in typed)
    # a damaged NIK is flagged or repaired to the true one (spaces, dots, ...), never taken silently
    assert sum(status[key] != "valid" for key in typed) > 0.4 * len(typed)
    con.close()


def test_demo_run_closes_the_field_loop(tmp_path):
    """dtsen run: build, a list for every regency, field results, build again, evaluate
    before and after, quality, publish; a short output, dbt's own only on failure. An
    earlier run's field results (of another population) are removed first."""
    landing, truth, db = tmp_path / "landing", tmp_path / "truth", tmp_path / "warehouse.duckdb"
    stale = landing / "verifikasi" / "2026-11-02"
    stale.mkdir(parents=True)
    (stale / "hasil_verifikasi.csv").write_text(",".join(HASIL_COLUMNS) + "\n")
    env = {k: v for k, v in os.environ.items() if k != KEY_VARIABLE}
    command = [
        sys.executable, "-m", "dtsen.cli", "run", "--persons", "3000", "--landing", str(landing),
        "--truth", str(truth), "--db", str(db), "--analyst-db", str(tmp_path / "analyst.duckdb"),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    out = result.stdout
    assert "dbt build on the agencies' data finished with exit code 0" in out, out[-3000:] + result.stderr
    assert "dbt build with the field results finished with exit code 0" in out, out[-3000:]
    assert not stale.exists()
    (delivery,) = (landing / "verifikasi").iterdir()
    assert f"field results {delivery.name}: " in out and "VERIFIKASI" in out
    lists = db.parent / "daftar_verifikasi"
    (listed,) = [line for line in out.splitlines() if line.startswith("verification lists: ")]
    assert f"-> {lists} (operator demo)" in listed
    files = sorted(lists.rglob("daftar_verifikasi*.*"))
    assert files and all(path.stat().st_mode & 0o777 == 0o600 for path in files)
    # dtsen evaluate: the errors before field results are the first build's, after the second's
    (before,) = [line for line in out.splitlines() if "before field results: build " in line]
    assert "field results none); after: this build" in before
    records = [json.loads(line) for line in (db.parent / "evaluations.jsonl").read_text().splitlines()]
    assert [record["field_deliveries"] for record in records] == [[], [delivery.name]]
    assert all(set(record["dtsen"]) == {"pkh", "bpnt", "pbi_jk", "pip"} for record in records)
    assert "START" not in out and len(out.splitlines()) < 250  # dbt's progress is kept back
    con = duckdb.connect(str(db), read_only=True)
    staged = con.sql("select count(*) from staging.stg_verifikasi__hasil_verifikasi").fetchall()[0][0]
    operators = con.sql("select distinct operator from daftar.ekspor_verifikasi").fetchall()
    con.close()
    manifest = json.loads((delivery / "_manifest.json").read_text())
    assert staged == manifest["files"]["hasil_verifikasi.csv"]["rows"] > 0
    assert operators == [("demo",)]


def test_before_field_results_is_the_newest_build_that_saw_fewer_of_them(tmp_path):
    """dtsen evaluate's "before": the newest evaluated build whose field-result deliveries
    are a strict subset of this build's; never this build itself; a torn line is skipped."""
    from dtsen.evaluate import EVALUATIONS, before_field_results

    def record(build, deliveries):
        return {"build_id": build, "field_deliveries": deliveries, "dtsen": {"pkh": [0.3, 0.4]}}

    lines = [
        record("a", []),
        record("b", ["2026-11-01"]),
        record("c", ["2026-12-01"]),  # fewer than d's, but not fewer than b's
        record("d", ["2026-11-01", "2026-12-01"]),
    ]
    text = "\n".join(json.dumps(line) for line in lines) + '\n{"build_id": "torn'
    (tmp_path / EVALUATIONS).write_text(text)
    db = tmp_path / "dtsen.duckdb"
    assert before_field_results(db, lines[3])["build_id"] == "c"
    assert before_field_results(db, lines[1])["build_id"] == "a"
    assert before_field_results(db, lines[0]) is None
    (tmp_path / EVALUATIONS).write_text(json.dumps(lines[3]) + "\n")
    assert before_field_results(db, lines[3]) is None
