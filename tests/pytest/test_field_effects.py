"""What a field result does (issue 24 part 3, docs/contract.md "verifikasi", Precisely), on a
hand-made landing zone with two months of field results and a refused third delivery:
matching by id_daftar, by card, by the head's NIK, a visit matching nothing, an
inconsistent one, a later visit overriding an earlier one (also on the same day), each
hasil's effect, TIDAK_LAYAK's expiry, proposals in and out of the register, objections
upheld and rejected, housing observed on a visit, and the refused delivery dropping
nothing. The issued lists are written straight into daftar.daftar_verifikasi, as
`dtsen export verifikasi` would. One real dbt build; the rules-seed option is tried by
re-running the eligibility models on a copy with the seed table changed."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest
from deliveries import SAMPLE_DATES, write_delivery
from test_program_rules import KODE_DESA, _couple, _Landing

from dtsen.project import run_dbt

BANDUNG = "3273011001"
BANDUNG_OTHER = "3273011002"
MONTH_1, MONTH_2, REFUSED = "2026-09-30", "2026-10-15", "2026-10-31"
LISTED = {  # id_daftar -> family
    "3171-20260901-000001": "dikonfirmasi_bandung",
    "3171-20260901-000002": "daftar_a",
    "3171-20260901-000003": "bolak_balik",
    "3171-20260901-000004": "hari_sama",
    "3171-20260901-000005": "tidak_layak",
    "3171-20260901-000006": "kedaluwarsa",
    "3171-20260901-000007": "pindah",
    "3171-20260901-000008": "dipulihkan",
    "3171-20260901-000009": "masih_hidup",
}
UNKNOWN_LIST = "3171-20260901-999999"
NEW_CARD = "3171010101990077"


def _landing() -> _Landing:
    landing = _Landing()
    # Ordinary couples better off than the families visited, enough of them that those fall
    # within desil 1-4.
    for i in range(24):
        landing.family(f"keluarga_{i}", poverty=i * 16 // 23, members=_couple())
    for name in [
        "kk_saja",
        "nik_saja",
        "daftar_a",
        "kartu_b",
        "bolak_balik",
        "hari_sama",
        "tidak_layak",
        "kedaluwarsa",
        "pindah",
        "dipulihkan",
        "masih_hidup",
        "usulan_terdaftar",
        "sanggahan_diterima",
        "sanggahan_ditolak",
    ]:
        landing.family(name, poverty=19, members=_couple())
    # Regional aid of Kota Bandung asks for an elderly member and a confirming visit.
    landing.family("dikonfirmasi_bandung", poverty=20, members=_couple(head_born=dt.date(1958, 2, 2)))
    card = landing.families["dikonfirmasi_bandung"]
    for row in landing.rows["dukcapil"]["penduduk.csv"]:
        if row["no_kk"] == card:
            row["kode_desa"] = BANDUNG
    return landing


def _head_nik(landing: _Landing, family: str) -> str:
    card = landing.families[family]
    return next(
        row["nik"]
        for row in landing.rows["dukcapil"]["penduduk.csv"]
        if row["no_kk"] == card and row["shdk"] == "KEPALA KELUARGA"
    )


def _visit(number: int, landing: _Landing, family: str | None, hasil: str, tanggal: str, **fields) -> dict:
    row = {
        "id_kunjungan": f"K{number:04d}",
        "jenis": "VERIFIKASI",
        "id_daftar": next((key for key, name in LISTED.items() if name == family), None),
        "no_kk": landing.families.get(family),
        "nik_kepala_keluarga": _head_nik(landing, family) if family in landing.families else None,
        "kode_desa": KODE_DESA,
        "alamat": "JL. KENANGA 3",
        "rt": "001",
        "rw": "002",
        "hasil": hasil,
        "alasan": "",
        "tanggal_kunjungan": tanggal,
        "petugas": "PTG0007",
    }
    row.update(fields)
    return row


def _field_results(landing: _Landing) -> dict[str, dict[str, list[dict]]]:
    month_1 = [
        _visit(1, landing, "dikonfirmasi_bandung", "LAYAK", "2026-09-12", kode_desa=BANDUNG),
        # No usable id_daftar: matched by the card, then by the head's NIK.
        _visit(2, landing, "kk_saja", "TIDAK_DITEMUKAN", "2026-09-13", id_daftar=UNKNOWN_LIST),
        _visit(
            3,
            landing,
            "nik_saja",
            "GANDA",
            "2026-09-13",
            id_daftar=UNKNOWN_LIST,
            no_kk="",
            alasan="id_daftar=3171-20260901-000002",
        ),
        # Nothing matches: an unknown list row, card and NIK.
        _visit(
            4,
            landing,
            None,
            "LAYAK",
            "2026-09-14",
            id_daftar=UNKNOWN_LIST,
            no_kk="3171019999990001",
            nik_kepala_keluarga="3171010101700999",
        ),
        # The list row of daftar_a, the register card of kartu_b.
        _visit(5, landing, "daftar_a", "TIDAK_LAYAK", "2026-09-14", no_kk=landing.families["kartu_b"]),
        _visit(6, landing, "bolak_balik", "TIDAK_DITEMUKAN", "2026-09-10"),
        _visit(7, landing, "hari_sama", "TIDAK_LAYAK", "2026-09-25", alasan="rumah bagus"),
        _visit(8, landing, "kedaluwarsa", "TIDAK_LAYAK", "2025-09-01", alasan="punya toko"),
        # Regsosek enumerated the family (2022-10-15) after this visit: the suspension is lifted.
        _visit(9, landing, "dipulihkan", "TIDAK_DITEMUKAN", "2022-09-01"),
    ]
    month_2 = [
        _visit(1, landing, "bolak_balik", "LAYAK", "2026-10-10"),
        # Same day as month 1's visit: the later delivery wins.
        _visit(2, landing, "hari_sama", "LAYAK", "2026-09-25"),
        _visit(3, landing, "tidak_layak", "TIDAK_LAYAK", "2026-10-05", alasan="punya mobil", lantai="2"),
        _visit(4, landing, "pindah", "PINDAH", "2026-10-06", kode_desa=BANDUNG_OTHER),
        _visit(5, landing, "masih_hidup", "MENINGGAL", "2026-10-06"),
        _visit(
            6, landing, "usulan_terdaftar", "LAYAK", "2026-10-12", jenis="USULAN", id_daftar=None, lantai="8"
        ),
        _visit(
            7,
            landing,
            None,
            "LAYAK",
            "2026-10-12",
            jenis="USULAN",
            id_daftar=None,
            no_kk=NEW_CARD,
            nik_kepala_keluarga="3171010505800401",
            lantai="8",
            dinding="6",
            jumlah_anggota="2",
        ),
        _visit(
            8,
            landing,
            None,
            "TIDAK_LAYAK",
            "2026-10-12",
            jenis="USULAN",
            id_daftar=None,
            no_kk="3171010101990088",
            nik_kepala_keluarga="3171010505800501",
        ),
        _visit(
            9, landing, "sanggahan_diterima", "TIDAK_LAYAK", "2026-10-13", jenis="SANGGAHAN", id_daftar=None
        ),
        _visit(10, landing, "sanggahan_ditolak", "LAYAK", "2026-10-13", jenis="SANGGAHAN", id_daftar=None),
    ]
    members = [
        {
            "id_kunjungan": "K0007",
            "nik": "3171010505800401",
            "nama": "JOKO USULAN",
            "jenis_kelamin": "L",
            "tanggal_lahir": "1980-05-05",
            "hubungan": "KEPALA KELUARGA",
        },
        {
            "id_kunjungan": "K0007",
            "nik": "3171014707820402",
            "nama": "SRI USULAN",
            "jenis_kelamin": "P",
            "tanggal_lahir": "1982-07-07",
            "hubungan": "ISTRI",
        },
    ]
    # A later delivery that would suspend the confirmed family: refused (its manifest's
    # count is wrong), it must drop none of the earlier visits.
    refused = [_visit(1, landing, "dikonfirmasi_bandung", "TIDAK_DITEMUKAN", "2026-10-20", kode_desa=BANDUNG)]
    return {
        MONTH_1: {"hasil_verifikasi.csv": month_1},
        MONTH_2: {"hasil_verifikasi.csv": month_2, "anggota_usulan.csv": members},
        REFUSED: {"hasil_verifikasi.csv": refused},
    }


def _issue_lists(db, landing: _Landing) -> None:
    """The lists `dtsen export verifikasi` would have issued, in the table it writes (the
    columns of macros/issued_lists.sql; the build's hook keeps an existing table)."""
    con = duckdb.connect(str(db))
    try:
        con.execute("create schema if not exists daftar")
        con.execute("""
            create table if not exists daftar.daftar_verifikasi (
                id_daftar string, id_ekspor string, tanggal_terbit date, family_key string,
                kode_kabupaten_kota string, kode_desa string, alamat string, rt string, rw string,
                no_kk string, nik_kepala_keluarga string, nama_kepala_keluarga string,
                alasan_daftar string, semua_alasan string, prioritas integer, build_id string)
        """)
        for id_daftar, family in LISTED.items():
            card = landing.families[family]
            village = BANDUNG if family == "dikonfirmasi_bandung" else KODE_DESA
            con.execute(
                "insert into daftar.daftar_verifikasi (id_daftar, id_ekspor, tanggal_terbit, family_key, "
                "kode_kabupaten_kota, kode_desa, no_kk, nik_kepala_keluarga, alasan_daftar, prioritas) "
                "values (?, 'E1', date '2026-09-01', ?, ?, ?, ?, ?, 'DEKAT_BATAS_DESIL_4', 4)",
                [id_daftar, card, village[:4], village, card, _head_nik(landing, family)],
            )
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory, dbt_build):
    root = tmp_path_factory.mktemp("field_effects")
    landing = _landing()
    for source, files in landing.rows.items():
        write_delivery(root / "landing", source, SAMPLE_DATES[source], files)
    for extract_date, files in _field_results(landing).items():
        write_delivery(
            root / "landing",
            "verifikasi",
            extract_date,
            files,
            manifest_rows={"hasil_verifikasi.csv": 7} if extract_date == REFUSED else None,
        )
    db = root / "warehouse.duckdb"
    _issue_lists(db, landing)
    result = dbt_build(root / "landing", db)
    assert result.returncode == 0, result.stdout[-6000:]
    con = duckdb.connect(str(db), read_only=True)
    yield {"con": con, "landing": landing, "root": root, "db": db}
    con.close()


def _family_id(con, card: str) -> str:
    return con.sql(
        "select pseudonym from intermediate.int_family_pseudonyms where identifier = ?", params=[card]
    ).fetchall()[0][0]


def _records(con, query: str, params: list) -> list[dict]:
    relation = con.execute(query, params)
    names = [column[0] for column in relation.description]
    return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]


def _status(built, family: str) -> dict | None:
    rows = _records(
        built["con"],
        "select * from intermediate.int_family_field_status where family_key = ?",
        [built["landing"].families[family]],
    )
    return rows[0] if rows else None


def _visits(built) -> dict:
    rows = _records(built["con"], "select * from intermediate.int_field_visits", [])
    return {row["id_kunjungan_lapangan"]: row for row in rows}


def _eligibility(built, family: str, program: str = "bpnt") -> dict:
    con = built["con"]
    family_id = _family_id(con, built["landing"].families[family])
    rows = _records(
        con, "select * from marts.fct_eligibility where family_id = ? and program = ?", [family_id, program]
    )
    assert len(rows) == 1, (family, program, rows)
    return rows[0]


def test_every_visit_is_staged_and_the_refused_delivery_drops_none(built):
    visits = _visits(built)
    assert len(visits) == 19
    assert not any(key.startswith(REFUSED) for key in visits)
    refused = (
        built["con"]
        .sql(
            "select status from staging.stg_landing__delivery_files "
            "where source = 'verifikasi' and extract_date = ?",
            params=[dt.date.fromisoformat(REFUSED)],
        )
        .fetchall()
    )
    assert refused and all(status != "current" for (status,) in refused), refused


def test_matching_by_id_daftar_card_and_head_nik(built):
    visits = _visits(built)
    families = built["landing"].families
    assert visits[f"{MONTH_1}/K0001"]["cara_cocok"] == "id_daftar"
    assert visits[f"{MONTH_1}/K0002"]["cara_cocok"] == "no_kk"
    assert visits[f"{MONTH_1}/K0002"]["family_key"] == families["kk_saja"]
    assert visits[f"{MONTH_1}/K0003"]["cara_cocok"] == "nik_kepala_keluarga"
    assert visits[f"{MONTH_1}/K0003"]["family_key"] == families["nik_saja"]


def test_unmatched_and_inconsistent_visits_are_reported_without_effect(built):
    visits = _visits(built)
    unmatched, inconsistent = visits[f"{MONTH_1}/K0004"], visits[f"{MONTH_1}/K0005"]
    assert unmatched["status_penerapan"] == "TIDAK_COCOK" and unmatched["family_key"] is None
    assert UNKNOWN_LIST in unmatched["keterangan"]
    assert inconsistent["status_penerapan"] == "TIDAK_KONSISTEN"
    assert "3171-20260901-000002" in inconsistent["keterangan"]
    assert _status(built, "daftar_a") is None and _status(built, "kartu_b") is None
    report = (
        built["con"]
        .sql(
            "select id_kunjungan_lapangan, status_penerapan, keterangan "
            "from marts.mart_verifikasi_kunjungan_bermasalah"
        )
        .df()
    )
    by_visit = report.set_index("id_kunjungan_lapangan")["status_penerapan"].to_dict()
    assert by_visit[f"{MONTH_1}/K0004"] == "TIDAK_COCOK"
    assert by_visit[f"{MONTH_1}/K0005"] == "TIDAK_KONSISTEN"
    assert by_visit[f"{MONTH_2}/K0005"] == "TIDAK_DITERAPKAN"  # MENINGGAL, members alive
    assert by_visit[f"{MONTH_2}/K0008"] == "TIDAK_DITERAPKAN"  # a proposal found not poor
    assert report["keterangan"].notna().all()


def test_a_later_visit_overrides_an_earlier_one(built):
    later = _status(built, "bolak_balik")
    assert (
        later["status_lapangan"] == "TERKONFIRMASI" and later["id_kunjungan_lapangan"] == f"{MONTH_2}/K0001"
    )
    same_day = _status(built, "hari_sama")
    assert same_day["status_lapangan"] == "TERKONFIRMASI"
    assert same_day["id_kunjungan_lapangan"] == f"{MONTH_2}/K0002"
    assert _eligibility(built, "bolak_balik")["layak"]


def test_suspensions_refuse_every_programme_naming_the_visit(built):
    for family, visit in [("kk_saja", f"{MONTH_1}/K0002"), ("nik_saja", f"{MONTH_1}/K0003")]:
        assert _status(built, family)["status_lapangan"] == "DITANGGUHKAN"
        for program in ["bpnt", "pbi_jk"]:
            row = _eligibility(built, family, program)
            assert row["layak_tanpa_verifikasi"] and not row["layak"], (family, program)
            assert row["status_lapangan"] == "DITANGGUHKAN" and row["id_kunjungan_lapangan"] == visit
            assert f"ditangguhkan oleh kunjungan lapangan {visit}" in row["syarat_tidak_terpenuhi"]
    persons = (
        built["con"]
        .sql(
            "select count(*) filter (where layak) from marts.fct_eligibility_person where family_id = ?",
            params=[_family_id(built["con"], built["landing"].families["kk_saja"])],
        )
        .fetchall()[0][0]
    )
    assert persons == 0


def test_a_source_observation_after_the_visit_lifts_a_suspension(built):
    assert _status(built, "dipulihkan")["status_lapangan"] == "DIPULIHKAN"
    row = _eligibility(built, "dipulihkan")
    assert row["layak_tanpa_verifikasi"] and row["layak"]


def test_tidak_layak_excludes_with_the_reason_until_it_expires(built):
    excluded = _eligibility(built, "tidak_layak", "pkh")
    assert excluded["status_lapangan"] == "DIKECUALIKAN" and not excluded["layak"]
    bpnt = _eligibility(built, "tidak_layak")
    assert bpnt["layak_tanpa_verifikasi"] and not bpnt["layak"]
    assert (
        "punya mobil" in bpnt["syarat_tidak_terpenuhi"]
        and "berlaku sampai 2027-10-05" in bpnt["syarat_tidak_terpenuhi"]
    )
    expired = _eligibility(built, "kedaluwarsa")
    assert expired["status_lapangan"] == "KEDALUWARSA" and expired["layak"]


def test_pindah_suspends_and_moves_the_family_for_regional_programmes(built):
    status = _status(built, "pindah")
    assert status["status_lapangan"] == "DITANGGUHKAN" and status["kode_desa_pindah"] == BANDUNG_OTHER
    regional = _eligibility(built, "pindah", "bantuan_daerah_3273")
    assert not regional["layak"]


def test_meninggal_of_a_family_with_living_members_is_not_applied(built):
    assert _status(built, "masih_hidup") is None
    row = _eligibility(built, "masih_hidup")
    assert row["layak_tanpa_verifikasi"] and row["layak"] and row["status_lapangan"] is None


def test_objections_upheld_and_rejected(built):
    upheld = _eligibility(built, "sanggahan_diterima")
    assert (
        upheld["status_lapangan"] == "DIKECUALIKAN"
        and not upheld["layak"]
        and upheld["layak_tanpa_verifikasi"]
    )
    assert "sanggahan diterima" in upheld["syarat_tidak_terpenuhi"]
    rejected = _eligibility(built, "sanggahan_ditolak")
    assert rejected["status_lapangan"] == "TERKONFIRMASI" and rejected["layak"]


def test_the_regional_example_needs_a_confirming_visit(built):
    confirmed = _eligibility(built, "dikonfirmasi_bandung", "bantuan_daerah_3273")
    assert confirmed["status_lapangan"] == "TERKONFIRMASI"
    assert confirmed["layak"] and not confirmed["layak_tanpa_verifikasi"], confirmed["alasan"]
    assert "dikonfirmasi layak oleh kunjungan lapangan (verifikasi daerah): ya" in confirmed["alasan"]


def test_housing_observed_on_a_visit_overrides_older_sources(built):
    con = built["con"]
    for family, lantai in [("usulan_terdaftar", 8), ("tidak_layak", 2)]:
        row = con.sql(
            "select lantai, lantai_sumber from marts.fct_household where family_id = ?",
            params=[_family_id(con, built["landing"].families[family])],
        ).fetchall()[0]
        assert row == (lantai, "verifikasi"), family
    # The village's count is reported beside the register's, not ranked.
    counted = con.sql(
        "select jumlah_anggota, jumlah_anggota_lapangan from marts.fct_household where family_id = ?",
        params=[_family_id(con, _visits(built)[f"{MONTH_2}/K0007"]["family_key"])],
    ).fetchall()[0]
    assert counted == (2, 2)


def test_a_proposal_in_the_register_is_an_indicator_source_of_its_family(built):
    visit = _visits(built)[f"{MONTH_2}/K0006"]
    assert visit["cara_cocok"] == "usulan_di_dukcapil"
    assert visit["family_key"] == built["landing"].families["usulan_terdaftar"]
    assert _status(built, "usulan_terdaftar")["status_lapangan"] == "TERKONFIRMASI"


def test_a_proposal_outside_the_register_is_a_ranked_candidate_without_verified_identity(built):
    con = built["con"]
    visit = _visits(built)[f"{MONTH_2}/K0007"]
    assert visit["cara_cocok"] == "usulan_baru"
    family_id = con.sql(
        "select pseudonym from intermediate.int_family_pseudonyms where identifier = ?",
        params=[visit["family_key"]],
    ).fetchall()[0][0]
    household = con.sql(
        "select jumlah_anggota, di_dukcapil, lantai, lantai_sumber from marts.fct_household "
        "where family_id = ?",
        params=[family_id],
    ).fetchall()[0]
    assert household == (2, False, 8, "verifikasi")
    desil = con.sql(
        "select desil_nasional from marts.fct_household_desil where family_id = ?", params=[family_id]
    ).fetchall()[0][0]
    assert desil is not None
    bpnt = con.sql(
        "select layak, layak_selain_identitas, syarat_tidak_terpenuhi from marts.fct_eligibility "
        "where family_id = ? and program = 'bpnt'",
        params=[family_id],
    ).fetchall()[0]
    assert not bpnt[0]
    assert "semua anggota ber-NIK valid dan terdaftar di Dukcapil" in bpnt[2]


def test_the_regency_mart_counts_what_local_government_changed(built):
    con = built["con"]
    rows = con.sql("select * from marts.mart_verifikasi_wilayah").df().set_index("kode_kabupaten_kota")
    jakarta = rows.loc["3171"]
    assert jakarta["nama_kabupaten_kota"] and jakarta["nama_provinsi"]
    assert rows["jumlah_kunjungan"].sum() == 19
    assert rows["kunjungan_tidak_cocok"].sum() == 1 and rows["kunjungan_tidak_konsisten"].sum() == 1
    assert rows["usulan_keluarga_baru"].sum() == 1 and rows["sanggahan_diterima"].sum() == 1
    assert rows["keluarga_ditangguhkan"].sum() == 3  # kk_saja, nik_saja, pindah
    assert rows["keluarga_menjadi_layak"].sum() >= 1 and rows["keluarga_tidak_lagi_layak"].sum() >= 4
    program = con.sql(
        "select sum(keluarga_tidak_lagi_layak) from marts.mart_verifikasi_program where program = 'bpnt'"
    ).fetchall()[0][0]
    assert program >= 4


def test_a_programme_may_take_a_confirming_visit_just_above_its_desil(built, tmp_path):
    """The rules-seed option: bpnt's desil row as desil_nasional_atau_verifikasi_layak with a
    ceiling just below a confirmed family's desil."""
    con = built["con"]
    confirmed = max(
        (_eligibility(built, family) for family in ["bolak_balik", "hari_sama", "sanggahan_ditolak"]),
        key=lambda row: row["desil_nasional"],
    )
    assert confirmed["status_lapangan"] == "TERKONFIRMASI"
    desil = int(confirmed["desil_nasional"])
    copy_db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built["db"], copy_db)
    writer = duckdb.connect(str(copy_db))
    schema = writer.sql(
        "select table_schema from information_schema.tables where table_name = 'ref_program_rules'"
    ).fetchall()[0][0]
    writer.execute(
        f"update {schema}.ref_program_rules set syarat = 'desil_nasional_atau_verifikasi_layak', "
        "nilai_min = 1, nilai_max = ? where program = 'bpnt' and syarat_no = 1",
        [desil - 1],
    )
    writer.close()
    assert desil >= 2, "the confirmed family must lie above desil 1"
    result = run_dbt(
        "run",
        built["root"] / "landing",
        copy_db,
        ["--select", "int_program_rules_in_force", "fct_eligibility"],
        isolated=True,
        capture=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    changed = duckdb.connect(str(copy_db), read_only=True)
    try:
        row = changed.sql(
            "select layak, layak_tanpa_verifikasi, alasan from marts.fct_eligibility "
            "where family_id = ? and program = 'bpnt'",
            params=[confirmed["family_id"]],
        ).fetchall()[0]
        assert row[0] and not row[1], row
        assert f"(sampai desil {desil} dengan kunjungan lapangan LAYAK): ya" in row[2]
    finally:
        changed.close()
    assert con is not None


def test_the_ministries_report_has_a_section_per_province_and_regency(built, tmp_path):
    from dtsen.quality.figures import collect
    from dtsen.quality.html_report import write
    from dtsen.quality.runner import QualityRun

    figures = collect(built["con"])
    run = QualityRun(
        run_id="r1",
        run_date="2026-11-01T06:00:00+07:00",
        db=str(built["db"]),
        report_dir=str(tmp_path),
        outcomes=[],
        figures=figures,
    )
    page = write(run, [], tmp_path / "report.html").read_text(encoding="utf-8")
    section = page[page.index('id="verifikasi"') :]
    section = section[: section.index("</section>")]
    assert "Verifikasi lapangan oleh pemerintah daerah" in section
    regencies = {row["kode_kabupaten_kota"]: row for row in figures["verifikasi_wilayah"]}
    for province, regency in [("31", "3171"), ("32", "3273")]:
        assert (
            f"<b>{province} " in section
            and f"<td>{regency} {regencies[regency]['nama_kabupaten_kota']}" in section
        )
    assert 'data-figure="verifikasi-31-kunjungan_tidak_cocok"' in section
    bpnt = next(row for row in figures["verifikasi_program"] if row["program"] == "bpnt")
    assert bpnt["tidak_lagi_layak"] >= 4 and 'data-figure="verifikasi-tidak-lagi-layak-bpnt"' in section
