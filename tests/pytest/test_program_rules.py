"""Programme rules as published (seeds/ref_program_rules.csv), on a hand-made landing zone
whose families each hit one rule: the dated BPNT ceiling, BLTS Kesra's three months, PKH's
components (a child of 6, the elderly age a var sets), the civil-servant exclusion, PBI-JK
per person, and KIP Kuliah. One real dbt build at the data date (2026-10-31); the other
decision dates and vars re-run the eligibility models on a copy of that database."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil

import duckdb
import pytest
from deliveries import SAMPLE_DATES, sample_rows, write_delivery

from dtsen.project import run_dbt

ELIGIBILITY_MODELS = [
    "int_program_rules_in_force",
    "int_eligibility_members",
    "fct_eligibility",
    "fct_eligibility_person",
]
KODE_DESA = "3171011001"


def _nik(born: dt.date, woman: bool, serial: int) -> str:
    return f"317101{born.day + (40 if woman else 0):02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


class _Landing:
    """Families written to Dukcapil and Regsosek (with a Susenas row each, so the
    proxy-means test has a sample); DTKS and P3KE keep the sample family."""

    def __init__(self) -> None:
        self.rows = sample_rows()
        self.penduduk_base = self.rows["dukcapil"]["penduduk.csv"][1]
        self.keluarga_base = self.rows["bps"]["regsosek_keluarga.parquet"][0]
        self.serial = 100
        self.families: dict[str, str] = {}

    def family(self, name: str, poverty: int, members: list[dict]) -> None:
        """`poverty` 0 (best-off) .. 20 (poorest) sets housing, assets and consumption.
        A member: born, woman, shdk, pekerjaan, optional register (False: Regsosek only),
        sekolah, ijazah."""
        number = len(self.families) + 2
        no_kk, id_keluarga = f"31710101011{number:05d}", f"F{number}"
        self.families[name] = no_kk
        better = 20 - poverty
        self.rows["bps"]["regsosek_keluarga.parquet"].append(
            {
                **copy.deepcopy(self.keluarga_base),
                "id_keluarga": id_keluarga,
                "no_kk": no_kk,
                "jumlah_art": len(members),
                "lantai": 1 + better % 3,
                "luas_lantai_m2": 15.0 + 4 * better,
                "punya_kulkas": int(better > 8),
                "punya_sepeda_motor": int(better > 4),
                "punya_mobil": int(better > 15),
                "punya_komputer": int(better > 12),
            }
        )
        self.rows["bps"]["susenas_konsumsi.parquet"].append(
            {
                "id_keluarga": id_keluarga,
                "pengeluaran_perkapita": 400_000.0 + 150_000.0 * better,
                "bobot": 100.0,
                "tahun": 2024,
            }
        )
        for order, member in enumerate(members, start=1):
            self.serial += 1
            born, woman = member["born"], member.get("woman", False)
            nik = _nik(born, woman, self.serial)
            if member.get("register", True):
                self.rows["dukcapil"]["penduduk.csv"].append(
                    {
                        **copy.deepcopy(self.penduduk_base),
                        "nik": nik,
                        "no_kk": no_kk,
                        "nama_lengkap": f"{name} {order}".upper().replace("_", " "),
                        "jenis_kelamin": "PEREMPUAN" if woman else "LAKI-LAKI",
                        "tanggal_lahir": born.isoformat(),
                        "shdk": member.get("shdk", "KEPALA KELUARGA"),
                        "pekerjaan": member.get("pekerjaan", "WIRASWASTA"),
                        "pendidikan": member.get("pendidikan", "SLTP/SEDERAJAT"),
                        "kode_desa": KODE_DESA,
                    }
                )
            self.rows["bps"]["regsosek_individu.parquet"].append(
                {
                    "id_keluarga": id_keluarga,
                    "no_urut": order,
                    "nik": nik,
                    "nama": f"{name} {order}".upper().replace("_", " "),
                    "jenis_kelamin": 2 if woman else 1,
                    "tanggal_lahir": born,
                    "hubungan_kk": {"KEPALA KELUARGA": 1, "ISTRI": 2}.get(
                        member.get("shdk", "KEPALA KELUARGA"), 3
                    ),
                    "ijazah": member.get("ijazah", 2),
                    "bekerja": int(
                        member.get("pekerjaan", "WIRASWASTA")
                        not in ("PELAJAR/MAHASISWA", "BELUM/TIDAK BEKERJA", "MENGURUS RUMAH TANGGA")
                    ),
                    "lapangan_usaha": 5,
                    "disabilitas": 0,
                    "sekolah": member.get("sekolah", 2),
                }
            )


def _couple(head_born=dt.date(1980, 3, 10), **head) -> list[dict]:
    return [
        dict(born=head_born, **head),
        dict(born=dt.date(1982, 4, 12), woman=True, shdk="ISTRI", pekerjaan="MENGURUS RUMAH TANGGA"),
    ]


def _landing() -> _Landing:
    landing = _Landing()
    for i in range(14):  # ordinary couples across the welfare range
        landing.family(f"keluarga_{i}", poverty=i + (i // 4), members=_couple())
    landing.family(
        "anak_6",
        16,
        [
            *_couple(),
            dict(born=dt.date(2020, 5, 1), shdk="ANAK", pekerjaan="BELUM/TIDAK BEKERJA", sekolah=0, ijazah=0),
        ],
    )
    landing.family(
        "lansia_65",
        17,
        [
            dict(born=dt.date(1961, 5, 1)),
            dict(born=dt.date(1963, 1, 1), woman=True, shdk="ISTRI", pekerjaan="MENGURUS RUMAH TANGGA"),
        ],
    )
    landing.family("pns", 18, _couple(pekerjaan="PEGAWAI NEGERI SIPIL"))
    landing.family(
        "kuliah",
        19,
        [
            *_couple(),
            dict(born=dt.date(2007, 3, 3), shdk="ANAK", pekerjaan="PELAJAR/MAHASISWA", sekolah=1, ijazah=3),
        ],
    )
    # A newborn Regsosek lists whom the civil register does not know yet.
    landing.family(
        "belum_terverifikasi",
        20,
        [*_couple(), dict(born=dt.date(2026, 1, 15), shdk="ANAK", register=False, sekolah=0, ijazah=0)],
    )
    return landing


@pytest.fixture(scope="module")
def builds(tmp_path_factory, dbt_build):
    """{variant: read-only connection}: 'data_date' is the build; the others re-run the
    eligibility models on a copy with vars."""
    root = tmp_path_factory.mktemp("program_rules")
    landing = _landing()
    for source, files in landing.rows.items():
        write_delivery(root / "landing", source, SAMPLE_DATES[source], files)
    db = root / "data_date" / "warehouse.duckdb"
    result = dbt_build(root / "landing", db)
    assert result.returncode == 0, result.stdout[-4000:]
    variants = {
        "2025-12-31": {"tanggal_keputusan": "2025-12-31"},
        "2026-01-02": {"tanggal_keputusan": "2026-01-02"},
        "lansia_60": {"umur_lansia_pkh": 60},
    }
    for name, dbt_vars in variants.items():
        copy_db = root / name / "warehouse.duckdb"
        copy_db.parent.mkdir()
        shutil.copyfile(db, copy_db)
        result = run_dbt(
            "run",
            root / "landing",
            copy_db,
            ["--select", *ELIGIBILITY_MODELS, "--vars", json.dumps(dbt_vars)],
            isolated=True,
            capture=True,
        )
        assert result.returncode == 0, result.stdout[-4000:]
    cons = {
        name: duckdb.connect(str(root / name / "warehouse.duckdb"), read_only=True)
        for name in ["data_date", *variants]
    }
    cons["families"] = landing.families
    yield cons
    for name, con in cons.items():
        if name != "families":
            con.close()


def _family_id(con, no_kk: str) -> str:
    return con.sql(f"""
        select pseudonyms.pseudonym from intermediate.int_family_pseudonyms as pseudonyms
        where pseudonyms.identifier = '{no_kk}'
    """).fetchall()[0][0]


def _row(builds, variant: str, family: str, program: str) -> dict:
    con = builds[variant]
    frame = con.sql(f"""
        select * from marts.fct_eligibility
        where family_id = '{_family_id(con, builds["families"][family])}' and program = '{program}'
    """).df()
    assert len(frame) == 1, (variant, family, program, frame)
    return frame.iloc[0].to_dict()


def test_bpnt_takes_desil_5_in_2025_and_not_from_2026(builds):
    decisions = {}
    for variant in ["2025-12-31", "2026-01-02"]:
        decisions[variant] = (
            builds[variant]
            .sql("""
            select family_id, layak, layak_selain_desil, tanggal_keputusan from marts.fct_eligibility
            where program = 'bpnt' and desil_nasional = 5
        """)
            .df()
            .set_index("family_id")
        )
    in_2025, in_2026 = decisions["2025-12-31"], decisions["2026-01-02"]
    assert str(in_2025["tanggal_keputusan"].iloc[0])[:10] == "2025-12-31"
    candidates = in_2025.index[in_2025["layak_selain_desil"]]
    assert len(candidates) > 0, "no family in desil 5 meets BPNT's other conditions"
    assert in_2025.loc[candidates, "layak"].all()
    assert not in_2026.loc[candidates, "layak"].any()
    reasons = (
        builds["2026-01-02"]
        .sql(
            "select distinct syarat_tidak_terpenuhi from marts.fct_eligibility "
            "where program = 'bpnt' and desil_nasional = 5"
        )
        .fetchall()
    )
    assert all("desil nasional 1-4 (sejak 2026)" in reason for (reason,) in reasons)


def test_blts_kesra_runs_only_october_to_december_2025(builds):
    count = (
        "select count(*), count(*) filter (where layak) from marts.fct_eligibility "
        "where program = 'blts_kesra'"
    )
    families = builds["data_date"].sql("select count(*) from marts.fct_household").fetchall()[0][0]
    rows, eligible = builds["2025-12-31"].sql(count).fetchall()[0]
    assert rows == families and 0 < eligible < families
    assert builds["2026-01-02"].sql(count).fetchall()[0][0] == 0
    assert builds["data_date"].sql(count).fetchall()[0][0] == 0
    # BLTS Kesra: desil 1-4 and a verified identity, like BPNT from 2026 on.
    mismatches = (
        builds["2025-12-31"]
        .sql("""
        select count(*) from marts.fct_eligibility as blts
        join marts.fct_eligibility as bpnt using (family_id)
        where blts.program = 'blts_kesra' and bpnt.program = 'bpnt'
          and blts.layak != (bpnt.layak and blts.desil_nasional <= 4)
    """)
        .fetchall()[0][0]
    )
    assert mismatches == 0


def test_a_child_of_6_counts_for_pkh(builds):
    row = _row(builds, "data_date", "anak_6", "pkh")
    assert "komponen kesehatan: anak usia 0-6 tahun: ya" in row["alasan"]
    assert row["layak_selain_desil"]


def test_elderly_of_65_counts_only_with_the_age_var_at_60(builds):
    default = _row(builds, "data_date", "lansia_65", "pkh")
    assert "lanjut usia 70 tahun ke atas: tidak" in default["alasan"]
    assert not default["layak_selain_desil"]
    at_60 = _row(builds, "lansia_60", "lansia_65", "pkh")
    assert "lanjut usia 60 tahun ke atas: ya" in at_60["alasan"]
    assert at_60["layak_selain_desil"]


def test_a_civil_servant_member_excludes_the_family(builds):
    con = builds["data_date"]
    programmes = [
        program for (program,) in con.sql("select distinct program from marts.fct_eligibility").fetchall()
    ]
    assert {"pkh", "bpnt", "pbi_jk", "pip", "kip_kuliah"} <= set(programmes)
    reason = "tidak ada anggota ASN/TNI/Polri/pejabat negara/pegawai BUMN-BUMD (pekerjaan di Dukcapil)"
    for program in programmes:
        excluded = _row(builds, "data_date", "pns", program)
        assert not excluded["layak"] and reason in excluded["syarat_tidak_terpenuhi"], program
        assert f"{reason}: tidak" in excluded["alasan"]
        ordinary = _row(builds, "data_date", "keluarga_0", program)
        assert f"{reason}: ya" in ordinary["alasan"]
        assert reason not in (ordinary["syarat_tidak_terpenuhi"] or "")


def test_pbi_jk_is_decided_per_person(builds):
    con = builds["data_date"]
    family = _row(builds, "data_date", "belum_terverifikasi", "pbi_jk")
    assert family["desil_nasional"] <= 5, "the poorest family must fall within PBI-JK's desil 1-5"
    assert not family["layak"] and family["layak_selain_identitas"]
    persons = con.sql(f"""
        select umur, identitas_terverifikasi, layak, syarat_tidak_terpenuhi from marts.fct_eligibility_person
        where family_id = '{family["family_id"]}' and program = 'pbi_jk' order by umur
    """).df()
    assert persons["umur"].tolist() == [0, 44, 46]
    assert persons["layak"].tolist() == [False, True, True]
    assert "NIK anggota ini" in persons["syarat_tidak_terpenuhi"].iloc[0]
    # Consistent with the family rows: one person row per living member; an eligible family
    # has every member eligible; a family failing another condition has none.
    inconsistent = con.sql("""
        with persons as (
            select family_id, count(*) as members, count(*) filter (where layak) as eligible
            from marts.fct_eligibility_person where program = 'pbi_jk' group by family_id
        )
        select families.family_id
        from marts.fct_eligibility as families
        left join persons using (family_id)
        join marts.fct_household as household using (family_id)
        where families.program = 'pbi_jk'
          and (coalesce(persons.members, 0) != household.jumlah_anggota
               or (families.layak and persons.eligible != persons.members)
               or (not families.layak_selain_identitas and persons.eligible > 0))
    """).fetchall()
    assert inconsistent == []
    assert con.sql("select count(distinct program) from marts.fct_eligibility_person").fetchall()[0][0] == 1


def test_kip_kuliah_reads_a_student_of_19(builds):
    student = _row(builds, "data_date", "kuliah", "kip_kuliah")
    condition = "anggota usia 18-24 tahun yang kuliah atau akan masuk perguruan tinggi"
    assert f"{condition}: ya" in student["alasan"]
    assert f"{condition}: tidak" in _row(builds, "data_date", "keluarga_0", "kip_kuliah")["alasan"]


def test_the_decision_date_defaults_to_the_data_date(builds):
    dates = (
        builds["data_date"]
        .sql("select distinct tanggal_data, tanggal_keputusan from marts.fct_eligibility")
        .fetchall()
    )
    assert dates == [(dt.date(2026, 10, 31), dt.date(2026, 10, 31))]
