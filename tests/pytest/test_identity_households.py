"""Issue 26, identity and households: hand-made records for each weak spot the independent
data showed. A household of a parent and a child who took a card of his own; a spouse, a
child and a grown son listed with the head's NIK; a child whose birth date was written
1 January; a made-up recipient with a well-formed NIK the register does not hold; a one-person
household whose only member row was quarantined. And the generator's other patterns: a name in
the spelling before 1972, a name between a title and a degree, a NIK between tabs, a NIK with two
digits transposed, a family registered again in another regency. One build of the sample
landing zone."""

from __future__ import annotations

import json
import math
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from deliveries import SAMPLE_DATES, sample_rows, write_delivery

from dtsen import resolution
from dtsen.project import run_dbt
from dtsen.pseudonym import pseudonymise

VILLAGE = "3171011001"
# Register: SLAMET (card K_PARENT) and his son AGUS, head of a newer card with a smaller
# number; AHMAD's family (card K_AHMAD): his wife DEWI, daughters RINA and PUTRI, son HASAN.
K_PARENT, K_SON, K_AHMAD = "3171010101150009", "3171010101150003", "3171010101150005"
NIK = {
    "SLAMET": "3171010405600007",
    "AGUS": "3171011208900008",
    "AHMAD": "3171011003850005",
    "DEWI": "3171016503850006",
    "RINA": "3171015506120008",
    "PUTRI": "3171014709220007",
    "HASAN": "3171011504050009",
    "YUSUF": "3171010807550003",
    "AMINAH": "3171014411600004",
    "WAHYU": "3171012002700005",
    "SRI": "3171015703720006",
    "SUMARNI": "3171015208550007",
    "BAYU": "3171011605990008",
    "JOKO": "3171012001750001",
    "LINA": "3171015102080002",
    "LINA_MARLINA": "3171014309100003",
    "DIMAS": "3171010510980004",
    "WIWIN": "3171014904010005",
    "RAFI": "3172011403960006",
    "EKO": "3172011707800007",
    "EKO_TOO": "3172011707800008",
    "HERMANUS": "3171012308790009",
    "RAKA": "3171011212750001",
    "INTAN": "3171014505050002",
    "FAJAR": "3171011103080003",
}
K_YUSUF, K_WAHYU = "3171010101150011", "3171010101150013"
K_SUMARNI, K_BAYU = "3171010101150015", "3171010101150017"
# JOKO's card: his daughters LINA and LINA MARLINA; his son DIMAS heads a card of his own,
# registered where he moved to.
K_JOKO, K_DIMAS = "3171010101150019", "3171010101150021"
# A village of another regency (Jakarta Utara) where WAHYU's family was registered again.
OTHER_REGENCY_VILLAGE = "3172011001"
# RAFI heads a card of his own in the other regency; two EKO PRASETYO, born the same day,
# on two cards there; HERMANUS's card here.
K_RAFI, K_EKO, K_EKO_TOO, K_HERMANUS = (
    "3172010101150023",
    "3172010101150025",
    "3172010101150027",
    "3171010101150029",
)
# RAKA's card: his daughter INTAN and his son FAJAR, both named after him in DTKS.
K_RAKA = "3171010101150031"


def _register(name, nik, no_kk, sex, born, shdk):
    return dict(
        sample_rows()["dukcapil"]["penduduk.csv"][1],
        nik=nik,
        no_kk=no_kk,
        nama_lengkap=name,
        jenis_kelamin="LAKI-LAKI" if sex == 1 else "PEREMPUAN",
        tanggal_lahir=born,
        shdk=shdk,
        status_kawin="KAWIN" if shdk in ("KEPALA KELUARGA", "ISTRI") else "BELUM KAWIN",
        kode_desa=VILLAGE,
    )


def _member(id_art, id_rt, nik, no_kk, name, sex, born, hub_krt):
    return dict(
        sample_rows()["dtks"]["anggota.csv"][1],
        id_art=id_art,
        id_rt=id_rt,
        nik=nik,
        no_kk=no_kk,
        nama=name,
        jenis_kelamin=str(sex),
        tanggal_lahir=born,
        hub_krt=str(hub_krt),
    )


@pytest.fixture(scope="module")
def identity_build(tmp_path_factory, dbt_build):
    root = tmp_path_factory.mktemp("identity-households")
    rows = sample_rows()
    rows["dukcapil"]["penduduk.csv"] += [
        _register("SLAMET RIYADI", NIK["SLAMET"], K_PARENT, 1, "1960-05-04", "KEPALA KELUARGA"),
        _register("AGUS SLAMET", NIK["AGUS"], K_SON, 1, "1990-08-12", "KEPALA KELUARGA"),
        _register("AHMAD FAUZI", NIK["AHMAD"], K_AHMAD, 1, "1985-03-10", "KEPALA KELUARGA"),
        _register("DEWI LESTARI", NIK["DEWI"], K_AHMAD, 2, "1985-03-25", "ISTRI"),
        _register("RINA", NIK["RINA"], K_AHMAD, 2, "2012-06-15", "ANAK"),
        _register("PUTRI AYU", NIK["PUTRI"], K_AHMAD, 2, "2022-09-07", "ANAK"),
        _register("HASAN", NIK["HASAN"], K_AHMAD, 1, "2005-04-15", "ANAK"),
        _register("YUSUF CAHYADI", NIK["YUSUF"], K_YUSUF, 1, "1955-07-08", "KEPALA KELUARGA"),
        _register("RATNA SARI", NIK["AMINAH"], K_YUSUF, 2, "1960-11-04", "ISTRI"),
        _register("WAHYU HIDAYAT", NIK["WAHYU"], K_WAHYU, 1, "1970-02-20", "KEPALA KELUARGA"),
        _register("SRI MULYANI", NIK["SRI"], K_WAHYU, 2, "1972-03-17", "ISTRI"),
        _register("WIWIN", NIK["WIWIN"], K_WAHYU, 2, "2001-04-09", "ANAK"),
        # a widow who lives alone since her son BAYU took a card of his own
        dict(
            _register("SUMARNI", NIK["SUMARNI"], K_SUMARNI, 2, "1955-08-12", "KEPALA KELUARGA"),
            status_kawin="CERAI MATI",
        ),
        _register("BAYU PRATAMA", NIK["BAYU"], K_BAYU, 1, "1999-05-16", "KEPALA KELUARGA"),
        _register("JOKO SUSILO", NIK["JOKO"], K_JOKO, 1, "1975-01-20", "KEPALA KELUARGA"),
        _register("LINA", NIK["LINA"], K_JOKO, 2, "2008-02-11", "ANAK"),
        _register("LINA MARLINA", NIK["LINA_MARLINA"], K_JOKO, 2, "2010-09-03", "ANAK"),
        dict(
            _register("DIMAS PRASETYO", NIK["DIMAS"], K_DIMAS, 1, "1998-10-05", "KEPALA KELUARGA"),
            kode_desa=OTHER_REGENCY_VILLAGE,
        ),
        dict(
            _register("RAFI SETIAWAN", NIK["RAFI"], K_RAFI, 1, "1996-03-14", "KEPALA KELUARGA"),
            kode_desa=OTHER_REGENCY_VILLAGE,
        ),
        dict(
            _register("EKO PRASETYO", NIK["EKO"], K_EKO, 1, "1980-07-17", "KEPALA KELUARGA"),
            kode_desa=OTHER_REGENCY_VILLAGE,
        ),
        dict(
            _register("EKO PRASETYO", NIK["EKO_TOO"], K_EKO_TOO, 1, "1980-07-17", "KEPALA KELUARGA"),
            kode_desa=OTHER_REGENCY_VILLAGE,
        ),
        _register("HERMANUS KURNIAWAN", NIK["HERMANUS"], K_HERMANUS, 1, "1979-08-23", "KEPALA KELUARGA"),
        _register("RAKA SUPRIYANTO", NIK["RAKA"], K_RAKA, 1, "1975-12-12", "KEPALA KELUARGA"),
        _register("INTAN KURNIASIH", NIK["INTAN"], K_RAKA, 2, "2005-05-05", "ANAK"),
        _register("FAJAR NUGROHO", NIK["FAJAR"], K_RAKA, 1, "2008-03-11", "ANAK"),
    ]
    household = rows["dtks"]["rumah_tangga.csv"][0]
    sizes = {"RT2": 2, "RT3": 5, "RT4": 1, "RT5": 1, "RT6": 2, "RT7": 2, "RT9": 2, "RT10": 3}
    sizes |= {"RT11": 1, "RT12": 1, "RT13": 1, "RT14": 3}
    rows["dtks"]["rumah_tangga.csv"] += [
        dict(household, id_rt=id_rt, jumlah_art=str(size)) for id_rt, size in sizes.items()
    ]
    moved = dict(
        household, id_rt="RT8", jumlah_art="3", kode_desa=OTHER_REGENCY_VILLAGE, alamat="JL. KENANGA 7"
    )
    rows["dtks"]["rumah_tangga.csv"].append(moved)
    rows["dtks"]["anggota.csv"] += [
        # a parent and his son, who has since taken a card of his own: a tie, one each
        _member("B1", "RT2", NIK["SLAMET"], K_PARENT, "SLAMET RIYADI", 1, "04/05/1960", 1),
        _member("B2", "RT2", NIK["AGUS"], K_PARENT, "AGUS SLAMET", 1, "12/08/1990", 3),
        # AHMAD's household: wife and daughter under his NIK; PUTRI written 1 January
        _member("C1", "RT3", NIK["AHMAD"], K_AHMAD, "AHMAD FAUZI", 1, "10/03/1985", 1),
        _member("C2", "RT3", NIK["AHMAD"], K_AHMAD, "DEWI LESTARI", 2, "25/03/1985", 2),
        _member("C3", "RT3", NIK["AHMAD"], K_AHMAD, "RINA BINTI AHMAD FAUZI", 2, "15/06/2012", 3),
        _member("C4", "RT3", NIK["PUTRI"], K_AHMAD, "NENG PUTRI", 2, "01/01/2022", 3),
        # his grown son, head of his own household, under his father's NIK
        _member("C5", "RT4", NIK["AHMAD"], K_AHMAD, "HASAN BIN AHMAD FAUZI", 1, "15/04/2005", 1),
        # a made-up recipient: AHMAD's name and birth date, a well-formed NIK nobody holds
        _member("D1", "RT1", "3171011003850099", "", "AHMAD FAUZI", 1, "10/03/1985", 3),
        # the only member of RT5, quarantined (no 31 February)
        _member("E1", "RT5", "3171014101700001", "", "SRI WAHYUNI", 2, "31/02/1970", 1),
        # YUSUF written in the spelling before 1972, no NIK; his wife between a title and a degree
        _member("F1", "RT6", "", K_YUSUF, "JOESOEF TJAHJADI", 1, "08/07/1955", 1),
        _member("F2", "RT6", "", K_YUSUF, "HJ. RATNA SARI, S.PD.", 2, "04/11/1960", 2),
        # WAHYU's NIK copied from a form between tabs, SRI's with two digits transposed
        _member("G1", "RT7", "\t" + NIK["WAHYU"] + " \t", K_WAHYU, "WAHYU HIDAYAT", 1, "20/02/1970", 1),
        _member(
            "G2",
            "RT7",
            NIK["SRI"][:9] + NIK["SRI"][10] + NIK["SRI"][9] + NIK["SRI"][11:],
            K_WAHYU,
            "SRI MULYANI",
            2,
            "17/03/1972",
            2,
        ),
        # the same family registered again where it moved to, in another regency; both receive
        _member("H1", "RT8", NIK["WAHYU"], K_WAHYU, "WAHYU HIDAYAT", 1, "20/02/1970", 1),
        _member("H2", "RT8", NIK["SRI"], K_WAHYU, "SRI MULYANI", 2, "17/03/1972", 2),
        # and their daughter WIWIN there, her name short of a letter, her NIK short of a digit
        _member("H3", "RT8", NIK["WIWIN"][:15], K_WAHYU, "WIWI", 2, "09/04/2001", 3),
        # SUMARNI's household before BAYU left: him as her child, his late father's name after
        # his own, which is mistyped
        _member("I1", "RT9", NIK["SUMARNI"], K_SUMARNI, "SUMARNI", 2, "12/08/1955", 1),
        _member("I2", "RT9", NIK["BAYU"], K_SUMARNI, "BAYU PRATAMAA BIN HARTONO", 1, "16/05/1999", 3),
        # JOKO's household: LINA MARLINA under her elder sister's NIK (her name holds LINA's,
        # her birth date is her own); DIMAS under the old card, birth date a placeholder
        _member("J1", "RT10", NIK["JOKO"], K_JOKO, "JOKO SUSILO", 1, "20/01/1975", 1),
        _member("J2", "RT10", NIK["LINA"], K_JOKO, "LINA MARLINA", 2, "03/09/2010", 3),
        _member("J3", "RT10", NIK["DIMAS"], K_JOKO, "DIMAS PRASETYO", 1, "01/01/1900", 3),
        # RAFI and an EKO here, without a NIK or a card; HERMANUS without his first letter, his
        # birth date written 1 January of its year
        _member("K1", "RT11", "", "", "RAFI SETIAWAN", 1, "14/03/1996", 1),
        _member("K2", "RT12", "", "", "EKO PRASETYO", 1, "17/07/1980", 1),
        _member("K3", "RT13", "", "", "ERMANUS KURNIAWAN", 1, "01/01/1979", 1),
        # RAKA's children named after him (his name in the spelling before 1972 once): FAJAR
        # with his own NIK; INTAN with a digit of hers lost
        _member("L1", "RT14", NIK["RAKA"], K_RAKA, "RAKA SUPRIYANTO", 1, "12/12/1975", 1),
        _member("L2", "RT14", NIK["FAJAR"], K_RAKA, "FAJAR NUGROHO BIN RAKA SUPRIYANTO", 1, "11/03/2008", 3),
        _member(
            "L3",
            "RT14",
            NIK["INTAN"][:15],
            K_RAKA,
            "INTAN KURNIASIH BINTI RAKA SUPRIJANTO",
            2,
            "05/05/2005",
            3,
        ),
    ]
    landing = root / "landing"
    for source, files in rows.items():
        write_delivery(landing, source, SAMPLE_DATES[source], files)
    build = dbt_build(landing, root / "warehouse.duckdb")
    assert build.returncode == 0, build.stdout[-4000:]
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def _dtks(con, sql):
    return dict(con.sql(sql).fetchall())


def _households(con, column):
    return _dtks(
        con,
        f"select source_household_id, {column} from intermediate.int_source_households where source = 'dtks'",
    )


def _dtks_persons(con):
    return _dtks(
        con,
        "select records.source_record_id, identity.person_id"
        " from intermediate.int_person_identity as identity"
        " join intermediate.int_person_records as records using (record_key) where identity.source = 'dtks'",
    )


def _dtks_record(id_art):
    """SQL giving the record_key of DTKS member `id_art` (keys are numbers: source, delivery, row)."""
    return (
        "(select record_key from intermediate.int_person_records"
        f" where source = 'dtks' and source_record_id = '{id_art}')"
    )


def test_a_tie_goes_to_the_heads_card(identity_build):
    """Old: the smaller card number, the son's new card, took the parent's household."""
    assert _households(identity_build, "family_key")["RT2"] == K_PARENT


def test_a_nik_borrowed_from_the_head_is_not_the_head(identity_build):
    """The wife (born within a month of him), the daughter whose patronymic holds his whole
    name, and the grown son, head of his own household, named after him: none is AHMAD."""
    links = _dtks(
        identity_build,
        "select records.source_record_id, links.nik_link from intermediate.int_person_nik_links as links "
        "join intermediate.int_person_records as records using (record_key) where links.source = 'dtks'",
    )
    assert {key: links[key] for key in ("C1", "C2", "C3", "C5")} == {
        "C1": "nik_register",
        "C2": "contradicted",
        "C3": "contradicted",
        "C5": "contradicted",
    }
    persons = _dtks_persons(identity_build)
    for key in ("C2", "C3", "C5"):
        assert persons[key] != persons["C1"], key


def test_a_1_january_birth_date_agrees_with_the_register(identity_build):
    """PUTRI's name is written otherwise, her birth date 1 January of her year: the NIK stands."""
    link = identity_build.sql(
        "select nik_link, birth_date_agrees from intermediate.int_person_nik_links "
        f"where record_key = {_dtks_record('C4')}"
    ).fetchall()
    assert link == [("nik_register", True)]


def test_a_nik_nobody_holds_counts_against_a_merge(identity_build):
    """The made-up AHMAD meets the real one on name, birth date, sex and village; his NIK,
    well formed and the register's for nobody, weighs against them being one person."""
    con = identity_build
    weights = con.sql(f"""
        select pairs.mw_nik
        from intermediate.int_person_match_pairs as pairs
        join intermediate.int_person_records as register
            on register.record_key in (pairs.record_key_l, pairs.record_key_r)
        where {_dtks_record("D1")} in (pairs.record_key_l, pairs.record_key_r)
            and register.source = 'dukcapil' and register.nik_clean = '{NIK["AHMAD"]}'
    """).fetchall()
    m, u = resolution.NIK_LEVELS["different"]
    assert weights == [(pytest.approx(math.log2(m / u)),)] and weights[0][0] < -4
    persons = _dtks_persons(con)
    assert persons["D1"] != persons["C1"]


def test_a_quarantined_only_member_is_not_called_unknown_to_the_register(identity_build):
    con = identity_build
    assert _households(con, "family_link_basis")["RT5"] == "member_rows_quarantined"
    reasons = con.sql("""
        select reasons.alasan_daftar
        from intermediate.int_verification_reasons as reasons
        join intermediate.int_household_families as households using (family_key)
        where households.source = 'dtks' and households.source_household_id = 'RT5'
    """).fetchall()
    assert ("PENERIMA_ANGGOTA_DIKARANTINA",) in reasons
    assert ("PENERIMA_TIDAK_DI_DUKCAPIL",) not in reasons


def test_a_quarantined_only_member_is_not_counted_as_unknown_to_the_register(identity_build):
    """fct_eligibility agrees with the verification list: RT5 receives, its family is not in
    the register only because its member row was quarantined."""
    rows = identity_build.sql("""
        select eligibility.program, eligibility.menerima, eligibility.penerima_tidak_di_dukcapil
        from marts.fct_eligibility as eligibility
        join intermediate.int_family_pseudonyms as pseudonyms
            on pseudonyms.pseudonym = eligibility.family_id
        join intermediate.int_household_families as households
            on households.family_key = pseudonyms.identifier
        where households.source = 'dtks' and households.source_household_id = 'RT5'
            and eligibility.program in ('pkh', 'bpnt', 'pbi_jk')
    """).fetchall()
    assert sorted(rows) == [("bpnt", True, False), ("pbi_jk", True, False), ("pkh", True, False)]


def _register_person(con, nik):
    return con.sql(
        "select person_id from intermediate.int_person_identity "
        f"where source = 'dukcapil' and nik_clean = '{nik}'"
    ).fetchall()[0][0]


def test_old_spelling_and_titles_are_the_same_name(identity_build):
    """JOESOEF TJAHJADI is YUSUF CAHYADI written before 1972 (OE, DJ, TJ; old J for Y); HJ. and
    S.PD. are a title and a degree. Without a NIK, each is the register's person."""
    con = identity_build
    keys = _dtks(
        con,
        "select records.source_record_id, features.name_key from intermediate.int_person_match_features"
        " as features join intermediate.int_person_records as records using (record_key)"
        " where records.source = 'dtks' and records.source_record_id in ('F1', 'F2')",
    )
    register = dict(
        con.sql(f"""
            select nik_clean, name_key from intermediate.int_person_match_features
            where source = 'dukcapil' and nik_clean in ('{NIK["YUSUF"]}', '{NIK["AMINAH"]}')
        """).fetchall()
    )
    assert keys == {"F1": register[NIK["YUSUF"]], "F2": register[NIK["AMINAH"]]}
    persons = _dtks_persons(con)
    assert persons["F1"] == _register_person(con, NIK["YUSUF"])
    assert persons["F2"] == _register_person(con, NIK["AMINAH"])


def test_a_nik_between_tabs_and_a_transposed_nik_find_their_person(identity_build):
    con = identity_build
    staged = con.sql(
        "select id_art, nik_clean, nik_status from staging.stg_dtks__anggota where id_art in ('G1', 'G2')"
    ).fetchall()
    assert ("G1", NIK["WAHYU"], "valid") in staged
    persons = _dtks_persons(con)
    assert persons["G1"] == _register_person(con, NIK["WAHYU"])
    assert persons["G2"] == _register_person(con, NIK["SRI"])


def test_a_family_registered_in_two_regencies_is_a_double_recipient(identity_build):
    """RT7 and RT8, in two regencies, are WAHYU's family: one family receiving twice."""
    con = identity_build
    families = _households(con, "family_key")
    assert families["RT7"] == families["RT8"] == K_WAHYU
    errors = con.sql(f"""
        select program, penerima_rumah_tangga_ganda from intermediate.int_recipient_data_errors
        where family_key = '{K_WAHYU}' and program in ('pkh', 'bpnt', 'pbi_jk')
    """).fetchall()
    assert sorted(errors) == [("bpnt", True), ("pbi_jk", True), ("pkh", True)]


def test_a_son_under_his_mothers_old_card_keeps_his_nik(identity_build):
    """BAYU, a child on his mother's old card in DTKS and the head of his own in the register,
    is named with a patronymic and a typo: his name before BIN agrees with the register's
    within one letter, his birth date agrees, so his NIK holds although the relation to the
    head differs. The household of two is the mother's, as its head's card says."""
    con = identity_build
    link = con.sql(
        f"select nik_link from intermediate.int_person_nik_links where record_key = {_dtks_record('I2')}"
    ).fetchall()
    assert link == [("nik_register",)]
    assert _dtks_persons(con)["I2"] == _register_person(con, NIK["BAYU"])
    assert _households(con, "family_key")["RT9"] == K_SUMARNI


def test_the_relation_to_the_head_counts_only_on_one_card(identity_build):
    """DIMAS, a child on his father's old card in DTKS, heads a card of his own in the register
    (in another regency); his birth date is a placeholder, his name and NIK the register's.
    Being the head of another card is no disagreement: his NIK holds."""
    con = identity_build
    link = con.sql(
        f"select nik_link from intermediate.int_person_nik_links where record_key = {_dtks_record('J3')}"
    ).fetchall()
    assert link == [("nik_register",)]
    assert _dtks_persons(con)["J3"] == _register_person(con, NIK["DIMAS"])


def test_a_card_mate_agreeing_on_name_and_date_outweighs_a_nik_agreeing_on_one(identity_build):
    """LINA MARLINA carries her sister LINA's NIK: her name holds LINA's, her birth date does
    not agree. Her sister on the same card, LINA MARLINA, agrees on both: the NIK is the
    sister's, and the record is LINA MARLINA."""
    con = identity_build
    link = con.sql(
        f"select nik_link from intermediate.int_person_nik_links where record_key = {_dtks_record('J2')}"
    ).fetchall()
    assert link == [("contradicted",)]
    persons = _dtks_persons(con)
    assert persons["J2"] == _register_person(con, NIK["LINA_MARLINA"])
    assert persons["J2"] != _register_person(con, NIK["LINA"])


def test_a_record_on_the_family_card_in_another_village_is_compared(identity_build):
    """WIWI, in WAHYU's family registered again in another regency, has no usable NIK and a
    letter short of her name: no village rule pairs her with the register's WIWIN, nor does
    the exact name. Her family card does, and the card held in another village counts."""
    con = identity_build
    assert _dtks_persons(con)["H3"] == _register_person(con, NIK["WIWIN"])


def _level(comparison: str, left: dict, right: dict) -> str:
    """The label of the level of `comparison` (Splink's settings for DuckDB) a pair falls in."""
    settings = resolution.splink_settings().create_settings_dict("duckdb")
    levels = next(c for c in settings["comparisons"] if c["output_column_name"] == comparison)
    case = " ".join(
        f"when {level['sql_condition']} then '{level['label_for_charts'].replace(chr(39), chr(39) * 2)}'"
        for level in levels["comparison_levels"]
        if level["sql_condition"] != "ELSE"
    )
    columns = ", ".join(
        f"{'null' if value is None else repr(value)}::"
        f"{'date' if 'date' in name else 'varchar[]' if isinstance(value, list) else 'varchar'}"
        f" as {name}_{side}"
        for side, record in (("l", left), ("r", right))
        for name, value in record.items()
    )
    return duckdb.sql(f"select case {case} else 'else' end from (select {columns})").fetchall()[0][0]


def test_splink_tells_placeholder_dates_and_swaps_apart():
    placeholder = _level("birth_date", {"birth_date": "2022-01-01"}, {"birth_date": "2022-09-07"})
    assert placeholder == "same year, one date a placeholder"
    assert _level("birth_date", {"birth_date": "2022-07-09"}, {"birth_date": "2022-09-07"}) == (
        "day and month swapped"
    )
    assert _level("birth_date", {"birth_date": "2022-01-01"}, {"birth_date": "2021-09-07"}) == "within a year"


def test_splink_compares_niks():
    nik = NIK["AHMAD"]
    transposed = nik[:14] + nik[15] + nik[14]
    mistyped = nik[:15] + "9"
    assert _level("nik", {"nik": nik}, {"nik": nik}) == "Exact match on nik"
    for near in (transposed, mistyped):
        assert _level("nik", {"nik": nik}, {"nik": near}) == "Damerau-Levenshtein distance of nik <= 1"
    assert _level("nik", {"nik": nik}, {"nik": NIK["DEWI"]}) == "else"
    assert _level("nik", {"nik": nik}, {"nik": None}) == "nik is NULL"


SOURCE_NUMBERS = {"dukcapil": 1, "dtks": 2, "p3ke": 3, "bps": 4, "verifikasi": 5}


def test_a_record_key_is_its_source_delivery_and_row(identity_build):
    """record_key is a number: source x 2^59 + days of the extract date x 2^43 + row number,
    above every NIK (a person_id is either)."""
    rows = identity_build.sql(
        "select source, extract_date, source_row_number, record_key from intermediate.int_person_records"
    ).fetchall()
    assert {source for source, *_ in rows} >= {"dukcapil", "dtks", "p3ke", "bps"}
    for source, extract_date, row_number, record_key in rows:
        days = (extract_date - date(1970, 1, 1)).days
        assert record_key == SOURCE_NUMBERS[source] * 2**59 + days * 2**43 + row_number
        assert record_key > resolution.NIK_LIMIT


def test_a_delivery_beyond_the_record_keys_bits_fails_its_test(identity_build):
    """A file dated before 1970 or with more rows than 2^43 would give keys that collide or
    read as NIKs: assert_person_record_key_within_its_bits names each such file."""
    path = identity_build.sql(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()[0][0]
    db = Path(path).with_name("bits") / "warehouse.duckdb"
    db.parent.mkdir()
    shutil.copyfile(path, db)
    test = ["--select", "assert_person_record_key_within_its_bits"]
    landing = Path(path).parent / "landing"
    passed = run_dbt("test", landing, db, test, isolated=True, capture=True)
    assert passed.returncode == 0, passed.stdout[-2000:]
    con = duckdb.connect(str(db))
    try:
        con.execute("""
            update intermediate.int_person_records set extract_date = date '1969-12-31' where source = 'p3ke';
            update intermediate.int_person_records set source_row_number = 8796093022208
            where record_key = (
                select max(record_key) from intermediate.int_person_records where source = 'bps'
            )
        """)
    finally:
        con.close()
    failed = run_dbt("test", landing, db, test, isolated=True, capture=True)
    assert failed.returncode == 1 and "Got 2 results" in failed.stdout, failed.stdout[-2000:]


def test_a_person_id_is_the_register_nik_or_the_clusters_smallest_record(identity_build):
    """person_id is a number: the register NIK of a person the register knows, else the
    smallest record key of the person's cluster (never a hash)."""
    rows = identity_build.sql("""
        select identity.person_id, identity.resolved_nik, clusters.cluster_key, identity.record_key
        from intermediate.int_person_identity as identity
        left join intermediate.int_person_clusters as clusters using (record_key)
    """).fetchall()
    by_nik = [row for row in rows if row[1] is not None]
    without = [row for row in rows if row[1] is None]
    assert by_nik and without
    assert all(person_id == int(nik) < resolution.NIK_LIMIT for person_id, nik, _, _ in by_nik)
    assert all(person_id == cluster_key <= record_key for person_id, _, cluster_key, record_key in without)
    persons = _dtks_persons(identity_build)
    assert persons["C1"] == int(NIK["AHMAD"])


def test_a_persons_pseudonym_keys_the_text_of_its_id(identity_build, pseudonym_key):
    """dim_person.person_id is the keyed pseudonym of 'person:' and the person_id's decimal
    digits: for a register person, whose id is its NIK, never the NIK's own pseudonym."""
    rows = identity_build.sql("""
        select persons.person_id, pseudonyms.identifier, pseudonyms.pseudonym
        from intermediate.int_persons as persons
        join intermediate.int_person_pseudonyms as pseudonyms
            on pseudonyms.identifier = 'person:' || cast(persons.person_id as varchar)
    """).fetchall()
    assert len(rows) == identity_build.sql("select count(*) from marts.dim_person").fetchall()[0][0] > 0
    assert [row[2] for row in rows] == pseudonymise(
        [f"person:{person_id}" for person_id, *_ in rows], pseudonym_key.encode()
    )
    shown = {row[0] for row in identity_build.sql("select person_id from marts.dim_person").fetchall()}
    assert shown == {row[2] for row in rows}
    register = identity_build.sql(
        "select person_id, nik_pseudonym from marts.dim_person where nik_pseudonym is not null"
    ).fetchall()
    assert register and all(person != nik for person, nik in register)
    niks = identity_build.sql("select pseudonym from intermediate.int_nik_pseudonyms").fetchall()
    assert not {nik for (nik,) in niks} & shown


def test_the_identity_table_leaves_lineage_and_matching_columns_to_the_records(identity_build):
    """int_person_identity carries what the models grouping records by person read; the
    lineage and the matching-only columns are one integer join away in int_person_records."""
    columns = {
        name
        for (name,) in identity_build.sql(
            "select column_name from information_schema.columns "
            "where table_schema = 'intermediate' and table_name = 'int_person_identity'"
        ).fetchall()
    }
    assert {"record_key", "person_id", "source", "link_rule", "nama", "source_row_number"} <= columns
    assert not columns & {"source_file", "source_record_id", "nama_normal", "kode_desa_delivered"}


def _name(name: str) -> dict:
    """The name's comparison columns as int_person_match_features makes them: name_words
    without a patronymic."""
    given = name.split(" BINTI ")[0].split(" BIN ")[0]
    return {
        "name_key": name,
        "name_sorted": " ".join(sorted(name.split())),
        "name_words": sorted(given.split()),
    }


def test_splink_sees_one_edit_in_a_short_name():
    """Jaro's match window is empty for three letters: SIR/SRI, AIN/ANI score like strangers.
    One transposition or dropped letter is its own level, after the close spellings."""
    for left, right in (("SIR", "SRI"), ("AIN", "ANI"), ("RI", "SRI"), ("RI", "TRI")):
        assert _level("name", _name(left), _name(right)) == "Damerau-Levenshtein distance of name_key <= 1"
    assert _level("name", _name("SUHARTO"), _name("SUHARTI")) == "Jaro-Winkler distance of name_key >= 0.92"
    # two edits: ANI and INA are other names
    assert _level("name", _name("ANI"), _name("INA")) == "else"


def test_splink_compares_the_given_names_when_one_name_has_a_patronymic():
    """The words before BIN/BINTI are the given names: equal, with the father's name on one
    side only, they are their own level. Two patronymics naming different fathers are not,
    nor a daughter named after her father against him."""
    given = "same given names, one with a patronymic"
    assert _level("name", _name("INTAN KURNIASIH BINTI MUHAMMAD RAKA"), _name("INTAN KURNIASIH")) == given
    assert _level("name", _name("AHMAD"), _name("AHMAD BIN YUSUF")) == given
    assert _level("name", _name("AHMAD BIN YUSUF"), _name("AHMAD BIN ALI")) != given
    assert _level("name", _name("SITI BINTI AHMAD"), _name("AHMAD")) != given
    # a given name starting with BIN is no patronymic
    assert _level("name", _name("RIZKI BINTANG BIN ALI"), _name("RIZKI BINTANG")) == given
    assert _level("name", _name("RIZKI BINTANG"), _name("BINTANG RIZKI")) == "same words, other order"


def test_splink_tells_the_same_card_in_another_village_apart():
    card, other = "3171010101150013", "3171010101150015"
    same_card = _level(
        "village", {"village": VILLAGE, "no_kk": card}, {"village": OTHER_REGENCY_VILLAGE, "no_kk": card}
    )
    assert same_card == "same family card, other village"
    other_card = _level(
        "village", {"village": VILLAGE, "no_kk": card}, {"village": OTHER_REGENCY_VILLAGE, "no_kk": other}
    )
    assert other_card == "else"
    assert _level("village", {"village": VILLAGE, "no_kk": card}, {"village": VILLAGE, "no_kk": other}) == (
        "Exact match on village"
    )


def test_the_same_card_in_another_village_counts_for_a_link():
    """Random pairs almost never share a card in two villages, so training cannot estimate
    the level's u (a default u made it weigh against a link): u is fixed, m trained."""
    settings = resolution.splink_settings().create_settings_dict("duckdb")
    village = next(c for c in settings["comparisons"] if c["output_column_name"] == "village")
    level = next(
        lv
        for lv in village["comparison_levels"]
        if lv.get("label_for_charts") == "same family card, other village"
    )
    assert (level["u_probability"], level["fix_u_probability"]) == (resolution.CARD_OTHER_VILLAGE_U, True)


def _link_rules(con):
    return _dtks(
        con,
        "select records.source_record_id, identity.link_rule"
        " from intermediate.int_person_identity as identity"
        " join intermediate.int_person_records as records using (record_key) where identity.source = 'dtks'",
    )


def test_the_only_register_person_of_a_name_and_date_in_the_province_is_linked(identity_build):
    """RAFI, without a NIK or a card here, is the register's only RAFI SETIAWAN born that day
    in the province, heading a card in another regency, where the village comparison keeps
    him apart: the deterministic rule links him. EKO has two such namesakes there: no rule
    decides. The made-up AHMAD carries a well-formed NIK the register does not hold: never."""
    con = identity_build
    rules, persons = _link_rules(con), _dtks_persons(con)
    assert rules["K1"] == "unique_in_province"
    assert persons["K1"] == _register_person(con, NIK["RAFI"])
    assert rules["K2"] != "unique_in_province"
    assert rules["D1"] != "unique_in_province"


def test_a_lost_first_letter_and_a_placeholder_date_are_compared(identity_build):
    """ERMANUS KURNIAWAN has lost his first letter and his birth date is 1 January: no rule
    on the first letter, the exact name or the exact date pairs him with the register's
    HERMANUS KURNIAWAN. The alphabetically last word of the name does, and name and date
    count for a link. (Whether it links rests on the village: this sample has one village,
    where being in it is no evidence; in a population it weighs about +13.)"""
    con = identity_build
    pairs = con.sql(f"""
        select p.blocking_rule, p.mw_name > 0, p.mw_birth_date > 0
        from intermediate.int_person_match_pairs as p
        join intermediate.int_person_identity as i
            on i.record_key in (p.record_key_l, p.record_key_r) and i.source = 'dukcapil'
        where {_dtks_record("K3")} in (p.record_key_l, p.record_key_r) and i.nik_clean = '{NIK["HERMANUS"]}'
    """).fetchall()
    assert pairs == [("village_birth_year_last_word", True, True)]


def test_a_patronymic_on_one_side_leaves_the_given_names_to_compare(identity_build):
    """INTAN KURNIASIH BINTI RAKA SUPRIJANTO in DTKS, a digit of her NIK lost, is the register's
    INTAN KURNIASIH on her father's card: the name before BINTI is hers. The pair takes the
    given-name level, whose m and u were trained (her brother FAJAR, named after their father
    too, carries his own NIK: a labelled pair), and she is linked. Without the level the pair
    falls in "one name's words within the other's", which in a population pools siblings
    (RINA / RINA ETI YULIANTI) and weighs about +3.5 against about +12.6 here; the independent
    data's INTAN, her birth year also one off, stayed alone for that. This sample has one
    village and trains no "within a year", so her date is her own here."""
    con = identity_build
    model = json.loads(con.sql("select model_json from intermediate.int_person_match_model").fetchall()[0][0])
    name = next(c for c in model["comparisons"] if c["output_column_name"] == "name")
    level = next(
        lv
        for lv in name["comparison_levels"]
        if lv.get("label_for_charts") == "same given names, one with a patronymic"
    )
    weight = math.log2(level["m_probability"] / level["u_probability"])
    pairs = con.sql(f"""
        select p.mw_name
        from intermediate.int_person_match_pairs as p
        join intermediate.int_person_identity as i
            on i.record_key in (p.record_key_l, p.record_key_r) and i.source = 'dukcapil'
        where {_dtks_record("L3")} in (p.record_key_l, p.record_key_r) and i.nik_clean = '{NIK["INTAN"]}'
    """).fetchall()
    assert pairs == [(pytest.approx(weight),)] and weight > 0
    persons = _dtks_persons(con)
    assert persons["L3"] == _register_person(con, NIK["INTAN"])
