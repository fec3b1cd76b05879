"""The true population: families (KK) in real villages, their members, welfare and identifiers.

Built in SQL from hashed draws (db.py). Tables left behind for agencies.py:
  family  one row per family: place, religion, naming culture, KK, address, size,
          true per-capita consumption and its national person-weighted percentile q,
          housing and assets, and for families formed lately (kk_change) the date
          they were formed and the family the head came from;
  person  one row per person, dead or alive: roles, dates, name, NIK, education, work.
"""

from __future__ import annotations

from collections.abc import Callable
from statistics import NormalDist

import duckdb

from dtsen.generate import names
from dtsen.generate.db import drop, one, sql_list, sql_str
from dtsen.generate.timeline import Timeline, sql_date

# Housing codes (docs/contract.md) from poorest to richest, with national shares, and how much
# being urban moves a family up the ladder (in standard deviations of the latent).
HOUSING = {
    "lantai": (
        [(8, 0.05), (7, 0.01), (5, 0.08), (6, 0.25), (9, 0.01), (4, 0.03), (2, 0.55), (3, 0.01), (1, 0.01)],
        0.4,
    ),
    "dinding": ([(7, 0.005), (6, 0.02), (4, 0.03), (5, 0.01), (3, 0.12), (2, 0.015), (1, 0.80)], 0.4),
    "atap": ([(7, 0.02), (8, 0.005), (5, 0.005), (6, 0.01), (4, 0.40), (3, 0.10), (2, 0.40), (1, 0.06)], 0.2),
    "sumber_air_minum": (
        [
            (8, 0.015),
            (7, 0.02),
            (5, 0.03),
            (9, 0.02),
            (10, 0.005),
            (6, 0.05),
            (4, 0.12),
            (3, 0.20),
            (2, 0.10),
            (1, 0.44),
        ],
        0.5,
    ),
    "fasilitas_bab": ([(4, 0.05), (3, 0.03), (2, 0.10), (1, 0.82)], 0.3),
    "sumber_penerangan": ([(6, 0.015), (5, 0.035), (1, 0.20), (2, 0.35), (3, 0.25), (4, 0.15)], 0.4),
    "bahan_bakar_masak": (
        [
            (8, 0.15),
            (7, 0.005),
            (6, 0.005),
            (5, 0.02),
            (9, 0.01),
            (3, 0.70),
            (4, 0.002),
            (2, 0.078),
            (1, 0.03),
        ],
        0.6,
    ),
}
# Assets: national share owning, urban shift, and how strongly ownership follows welfare.
ASSETS = {
    "punya_kulkas": (0.65, 0.4, 1.0),
    "punya_ac": (0.10, 0.4, 1.0),
    "punya_sepeda_motor": (0.80, 0.1, 1.0),
    "punya_mobil": (0.10, 0.2, 1.0),
    "punya_komputer": (0.15, 0.3, 1.0),
    "punya_emas_10g": (0.20, 0, 1.0),
    "punya_lahan": (0.45, -0.6, 0.4),
    "punya_rumah_lain": (0.08, 0, 0.8),
    "punya_ternak": (0.25, -0.6, 0.3),
}
# Indicator latent = LOADING * welfare + STYLE * a family's taste shared by all its
# indicators + noise. Calibrated so that a proxy-means regression of measured consumption
# on the Regsosek indicators reaches R^2 of about 0.5 (tests/pytest/test_generate.py).
LOADING, STYLE = 0.25, 0.35

# Adult education (dukcapil ladder 0-9) shares, lowest first.
EDUCATION_SHARES = [0.05, 0.10, 0.27, 0.18, 0.28, 0.01, 0.03, 0.075, 0.0045, 0.0005]
EDUCATION_WORDS = [
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
]
IJAZAH = [0, 0, 1, 2, 3, 4, 4, 5, 6, 6]  # bps ijazah per ladder step
OCCUPATION_WORDS = [
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
]
SHDK_WORDS = [
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
]
KAWIN_WORDS = ["BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI"]
AGAMA_WORDS = ["ISLAM", "KRISTEN", "KATOLIK", "HINDU", "BUDDHA", "KONGHUCU", "KEPERCAYAAN"]


def _z(p: float) -> float:
    return NormalDist().inv_cdf(p)


def _cut(latent: str, ladder: list[tuple[int, float]]) -> str:
    """CASE mapping a standard-normal latent onto codes with the ladder's shares."""
    total, cum, whens = sum(s for _, s in ladder), 0.0, []
    for code, share in ladder[:-1]:
        cum += share
        whens.append(f"when {latent} < {_z(cum / total):.6f} then {code}")
    return f"case {' '.join(whens)} else {ladder[-1][0]} end"


def build(
    con: duckdb.DuckDBPyConnection,
    persons: int,
    rates: dict[str, float],
    tl: Timeline,
    step: Callable[[str], None] | None = None,
) -> dict:
    """Create tables family and person; return population facts for error_rates.json.
    step(name) is called after each step (progress at millions of persons)."""
    step = step or (lambda name: None)
    _families(con, persons, rates, tl)
    step("population: families")
    _persons(con, persons, tl)
    step("population: persons")
    _identifiers(con, rates["population.nik_birthdate_mismatch"], tl)
    step("population: identifiers")
    _names(con)
    _education_and_work(con)
    _slim(con)
    step("population: names, education and work")
    return _facts(con)


def _slim(con) -> None:
    """Keep only what the agencies need, words as ENUMs (one byte instead of 16 and more):
    at 10 M persons every column costs 100-200 MB."""
    for name, words in (
        ("role_t", _ROLES),
        ("shdk_t", SHDK_WORDS),
        ("kawin_t", KAWIN_WORDS),
        ("agama_t", AGAMA_WORDS),
        ("pendidikan_t", EDUCATION_WORDS),
        ("pekerjaan_t", OCCUPATION_WORDS),
    ):
        con.execute(f"create type {name} as enum ({', '.join(map(sql_str, words))})")
    con.execute("create type kab_t as enum (select distinct nama from kab order by nama)")
    con.execute("""
    create or replace table person as
    select person_id, family_id, pk, slot, role::role_t as role, hub, shdk::shdk_t as shdk, dob, dod, age, jk,
        status_kawin::kawin_t as status_kawin, agama::agama_t as agama, unregistered, kode_desa, nik,
        nik_mismatch, tempat_lahir::kab_t as tempat_lahir, nama, pendidikan::pendidikan_t as pendidikan,
            ijazah,
        sekolah, pekerjaan::pekerjaan_t as pekerjaan, disabilitas, hamil, bekerja, lapangan_usaha
    from person join person_ids using (person_id) join person_names using (person_id)
        join person_work using (person_id)
    order by person_id
    """)
    drop(con, "person_ids", "person_names", "person_work")
    housing = ", ".join([*HOUSING, *ASSETS])
    con.execute(f"""
    create or replace table family as
    select family_id, c, kode_provinsi, kode_kab, kode_kec, kode_desa, urban, budaya, unregistered, split,
        since, origin_family_id, no_kk, alamat, rt, rw, jumlah_art, pcc, q, {housing}, luas_lantai_m2,
            status_rumah
    from family order by family_id
    """)


def _families(con, persons: int, rates: dict[str, float], tl: Timeline) -> None:
    as_of = sql_date(tl.as_of)
    # Candidate families; enough of them to hold `persons` people, the surplus is cut off.
    candidates = persons // 3 + 100
    con.execute(f"""
    create temp table fam0 as
    with a as (
        select c, u(c, 'ftype') as t, u(c, 'sub') as s, u(c, 'hage') as ha, u(c, 'nch') as nc,
               u(c, 'sex') as hs, u(c, 'a1') as a1u, 1.5 + 3.5 * u(c, 'gap') as gap
        from range(1, {candidates} + 1) r(c)
    ), b as (
        select *,
            case when t < .08 then 'single' when t < .20 then 'couple' when t < .75 then 'nuclear'
                 when t < .83 then 'single_parent' else 'extended' end as ftype
        from a
    ), c as (
        select *,
            case ftype when 'single' then case when s < .35 then 'young' when s < .85 then 'widowed'
                else 'divorced' end
                       when 'couple' then case when s < .4 then 'young' else 'old' end
                       when 'extended' then case when s < .6 then 'parents' else 'grand' end
                       else '' end as sub
        from b
    ), d as (
        select *,
            case when ftype = 'single' and sub = 'young' then 20 + 15 * ha
                 when ftype = 'single' and sub = 'widowed' then 55 + 35 * pow(ha, 1.3)
                 when ftype = 'single' then 30 + 30 * ha
                 when ftype = 'couple' and sub = 'young' then 21 + 12 * ha
                 when ftype = 'couple' then 55 + 30 * ha
                 when ftype = 'nuclear' then 24 + 36 * pow(ha, 1.2)
                 when ftype = 'single_parent' then 28 + 37 * ha
                 when sub = 'parents' then 28 + 22 * ha
                 else 48 + 25 * ha end as head_age,
            (ftype in ('couple', 'nuclear') or (ftype = 'extended' and u(c, 'sp') < .9))::INT as n_spouse
        from c
    ), e as (
        select *,
            case when n_spouse = 1 then 'KAWIN'
                 when ftype = 'single' and sub = 'young' then 'BELUM KAWIN'
                 when ftype = 'single' and sub = 'divorced' then 'CERAI HIDUP'
                 when ftype = 'single_parent' and u(c, 'ms') < .5 then 'CERAI HIDUP'
                 else 'CERAI MATI' end as head_kawin,
            case when n_spouse = 1 then hs < .97
                 when ftype = 'single' and sub = 'young' then hs < .6
                 when ftype = 'single' and sub = 'widowed' then hs < .25
                 when ftype = 'single' then hs < .45
                 else hs < .2 end as head_male,
            -- kk_change: a young couple that left the parents' KK after the Regsosek fieldwork
            ((ftype = 'couple' and sub = 'young') or ftype = 'nuclear') and head_age >= 23 and head_age < 33
                as split_candidate
        from d
    ), share as (
        select count(*) filter (split_candidate) / count(*) as candidates from e
    ), f as (
        select e.*, split_candidate
            and u(c, 'split') < {rates["population.kk_change"]} / share.candidates as split
        from e, share
    ), g as (
        select *,
            case when split then {sql_date(tl.fieldwork_end)} + 1 + floor(u(c, 'since')
                 * ({as_of} - 30 - {sql_date(tl.fieldwork_end)} - 1))::INT end as split_date,
            -- age of the oldest child still at home: born when the head was 24-30, and
            -- children leave from about 17-27; a family with grandchildren keeps a married one
            case when split then 0
                 when sub = 'grand' then 20 + a1u * (head_age - 42)
                 else greatest(0.2, least(head_age - 24 - 6 * a1u, 17 + 10 * u(c, 'leave'))) end as a1_pre
        from f
    ), h as (
        select *, case when split then a1u * ({as_of} - split_date) / 365.25 else a1_pre end as a1,
            case when ftype = 'nuclear' then
                    case when nc < .20 then 1 when nc < .55 then 2 when nc < .79 then 3 when nc < .92 then 4
                         when nc < .98 then 5 else 6 end
                 when ftype = 'single_parent' then case when nc < .45 then 1 when nc < .8 then 2 else 3 end
                 when sub = 'parents' then
                    case when nc < .25 then 0 when nc < .55 then 1 when nc < .85 then 2 else 3 end
                 when sub = 'grand' then case when nc < .5 then 1 when nc < .85 then 2 else 3 end
                 else 0 end as n_child_pre
        from g
    )
    select c, ftype, sub, head_age, head_male, head_kawin, n_spouse, split, split_date, a1, gap,
        least(n_child_pre, 1 + floor(a1 / gap)::INT, case when split then 2 else 9 end) as n_child,
        (sub = 'grand' and u(c, 'cil') < .8)::INT as n_cil,
        case when sub = 'grand' then case when u(c, 'ngr') < .4 then 1 when u(c, 'ngr') < .8 then 2 else 3 end
             else 0 end as n_grand,
        case when sub = 'parents' then case when u(c, 'npa') < .7 then 1 else 2 end else 0 end as n_parent,
        ((ftype = 'extended' and u(c, 'oth') < .08) or (ftype = 'nuclear' and u(c, 'oth') < .02))::INT
            as n_other,
        (ftype = 'nuclear' and not split and u(c, 'srv') < .004)::INT as n_servant,
        (head_kawin = 'CERAI MATI' and u(c, 'dsp') < .55)::INT as n_dead_spouse,
        (ftype in ('couple', 'nuclear', 'extended') and head_age between 30 and 65 and not split
            and u(c, 'dpa') < .07)::INT as n_dead_parent,
        (head_age between 20 and 45 and not split and u(c, 'dch') < .004)::INT as n_dead_child
    from h
    """)
    con.execute(f"""
    create temp table fam1 as
    with sized as (
        select *, 1 + n_spouse + n_child + n_cil + n_grand + n_parent + n_other + n_servant
                  + n_dead_spouse + n_dead_parent + n_dead_child as size_total
        from fam0
    ), placed as (
        select *, sum(size_total) over (order by c rows unbounded preceding) - size_total as start
        from sized
    )
    select *, (start + 0.5) / {persons} as pf, u(c, 'desa') as uv, u(c, 'agama') as ua, u(c, 'budaya') as ub
    from placed where start < {persons}
    """)
    drop(con, "fam0")
    total = one(con, "select sum(size_total) from fam1")[0]
    if total < persons:  # cannot happen with the sizes above; guards a future edit
        raise RuntimeError(f"family draw holds {total} persons, fewer than {persons}")
    unregistered = rates["population.unregistered"]
    con.execute(f"""
    create temp table fam2 as
    with p as (
        select f.*, p.kode_provinsi, p.median_pcc from fam1 f asof join prov p on f.pf >= p.p_lo
    ), v as (
        select p.*, v.kode_desa, v.kode_kec, v.kode_kab, v.urban
        from p asof join vill v on p.kode_provinsi = v.kode_provinsi and p.uv >= v.lo
    ), r as (
        select v.*, r.agama from v asof join relig r on v.kode_provinsi = r.kode_provinsi and v.ua >= r.lo
    )
    select row_number() over (order by r.kode_desa, r.c) as family_id, r.*, k.budaya,
           u(r.c, 'unreg') < {unregistered} as unregistered
    from r asof join cult k on r.kode_provinsi = k.kode_provinsi and r.agama = k.agama and r.ub >= k.lo
    """)
    drop(con, "fam1")
    _welfare(con, tl, rates["population.kk_change_lone_parent"])


def _welfare(con, tl: Timeline, lone_parent_rate: float) -> None:
    """True consumption, its percentile, housing and assets, KK date, origin of split families."""
    as_of = sql_date(tl.as_of)
    housing_latent = ", ".join(
        f"{LOADING} * wz + {STYLE} * style + {(1 - LOADING**2 - STYLE**2) ** 0.5:.6f} * nrm(c, '{col}')"
        f" + {shift} * (urban::INT - 0.5) as l_{col}"
        for col, (_, shift) in HOUSING.items()
    )
    asset_latent = ", ".join(
        f"{LOADING * k} * wz + {STYLE} * style"
        f" + {(1 - (LOADING * k) ** 2 - STYLE**2) ** 0.5:.6f} * nrm(c, '{col}')"
        f" + {shift} * (urban::INT - 0.5) as l_{col}"
        for col, (_, shift, k) in ASSETS.items()
    )
    housing = ", ".join(f"{_cut('l_' + col, ladder)} as {col}" for col, (ladder, _) in HOUSING.items())
    assets = ", ".join(
        f"(l_{col} > {_z(1 - share):.6f})::INT as {col}" for col, (share, _, _) in ASSETS.items()
    )
    con.execute(f"""
    create temp table fam3 as
    with a as (
        select *, size_total - n_dead_spouse - n_dead_parent - n_dead_child as jumlah_art,
               {as_of} - (head_age * 365.25)::INT as head_dob
        from fam2
    ), b as (
        -- log consumption: province median, urban premium, economies of size, family luck
        select *, ln(median_pcc) + 0.25 * (urban::INT - 0.5) - 0.10 * (jumlah_art - 3.7)
                  + 0.5 * nrm(c, 'welfare') as log_pcc
        from a
    ), c as (
        select *, (log_pcc - avg(log_pcc) over ()) / stddev_pop(log_pcc) over () as wz,
               nrm(c, 'style') as style,
               (sum(jumlah_art) over (order by log_pcc, family_id rows unbounded preceding)
                    - jumlah_art / 2.0) / sum(jumlah_art) over () as q
        from b
    ), d as (select *, {housing_latent}, {asset_latent} from c)
    select family_id, c, ftype, sub, head_age, head_male, head_kawin, head_dob, n_spouse, split, split_date,
        a1, gap, n_child, n_cil, n_grand, n_parent, n_other, n_servant, n_dead_spouse, n_dead_parent,
        n_dead_child, size_total, start, kode_provinsi, kode_kab, kode_kec, kode_desa, urban, agama,
        budaya, unregistered, jumlah_art, exp(log_pcc) as pcc, wz, q, {housing}, {assets},
        round(exp(ln(45) + 0.25 * wz + 0.15 * ln(jumlah_art) + 0.35 * nrm(c, 'luas'))) as luas_lantai_m2,
        case when u(c, 'own') < case when urban then .70 else .88 end then 1
             when u(c, 'own') < case when urban then .86 else .92 end then 2
             when u(c, 'own') < .97 then 3 when u(c, 'own') < .98 then 4 else 5 end as status_rumah
    from d
    """)
    drop(con, "fam2")
    # The KK is issued when the family forms: for split families at the split, otherwise
    # before the Regsosek fieldwork, once the head was an adult (and not before 2000).
    street, dusun, komplek = sql_list(names.STREETS), sql_list(names.DUSUN), sql_list(names.KOMPLEK)
    con.execute(f"""
    create table family as
    with a as (
        select *, greatest(head_dob + 17 * 365, DATE '2000-01-01') as kk_lo from fam3
    ), b as (
        select *,
            case when split then split_date
                 when kk_lo < {sql_date(tl.fieldwork_start)} then kk_lo + floor(u(c, 'kk')
                      * ({sql_date(tl.fieldwork_start)} - kk_lo))::INT
                 else least(kk_lo + floor(u(c, 'kk') * 365)::INT, {as_of} - 30) end as since
        from a
    ), old as (
        -- families a split head can come from: head over 50, same province and culture;
        -- lone: the parent now lives alone, so before the split the household was two people
        select family_id, kode_provinsi, budaya, jumlah_art = 1 as lone,
               row_number() over (partition by kode_provinsi, budaya order by family_id) - 1 as idx,
               row_number() over (partition by kode_provinsi, budaya, jumlah_art = 1 order by family_id) - 1
                   as idx_lone
        from b where head_age >= 50 and not split
    ), n_old as (
        select kode_provinsi, budaya, count(*) as n, count(*) filter (lone) as n_lone from old group by all
    ), old_keys as (
        -- each old family under its index among all of its province and culture, a lone
        -- parent also under its index among the lone: the origin is found by equal keys
        select family_id, kode_provinsi, budaya, false as lone, idx from old
        union all
        select family_id, kode_provinsi, budaya, true, idx_lone from old where lone
    ), wanted as (
        select b.family_id, b.kode_provinsi, b.budaya, w.lone,
               case when w.lone then pick(b.c, 'origin', n.n_lone) else pick(b.c, 'origin', n.n) end as idx
        from b
        join n_old n on b.split and n.kode_provinsi = b.kode_provinsi and n.budaya = b.budaya,
        lateral (select n.n_lone > 0 and u(b.c, 'origin_lone') < {lone_parent_rate} as lone) as w
    ), origin as (
        select wanted.family_id, o.family_id as origin_family_id
        from wanted join old_keys o using (kode_provinsi, budaya, lone, idx)
    )
    select b.*, origin.origin_family_id,
        case when b.urban then
            case when u(b.c, 'adr') < .08 then 'KOMPLEK "'
                || {komplek}[1 + pick(b.c, 'kp', {len(names.KOMPLEK)})]
                     || '" BLOK ' || chr(65 + pick(b.c, 'bl', 6)) || '/' || (1 + pick(b.c, 'no', 40))
                 when u(b.c, 'adr') < .2 then 'JL. ' || {street}[1 + pick(b.c, 'st', {len(names.STREETS)})]
                     || ' NO. ' || (1 + pick(b.c, 'no', 120)) || ', GG. ' || (1 + pick(b.c, 'gg', 9))
                 else 'JL. ' || {street}[1 + pick(b.c, 'st', {len(names.STREETS)})]
                     || ' NO. ' || (1 + pick(b.c, 'no', 120)) end
             else 'DUSUN ' || {dusun}[1 + pick(b.c, 'du', {len(names.DUSUN)})] end as alamat,
        lpad((1 + pick(b.c, 'rt', 15))::VARCHAR, 3, '0') as rt,
            lpad((1 + pick(b.c, 'rw', 8))::VARCHAR, 3, '0') as rw
    from b
    left join origin using (family_id)
    order by b.family_id
    """)
    drop(con, "fam3")


_ROLES = [
    "head",
    "spouse",
    "child",
    "cil",
    "grand",
    "parent",
    "other",
    "servant",
    "dead_spouse",
    "dead_parent",
    "dead_child",
]
_ROLE_COUNTS = [
    "1",
    "n_spouse",
    "n_child",
    "n_cil",
    "n_grand",
    "n_parent",
    "n_other",
    "n_servant",
    "n_dead_spouse",
    "n_dead_parent",
    "n_dead_child",
]


def _persons(con, persons: int, tl: Timeline) -> None:
    as_of, deaths_from = sql_date(tl.as_of), sql_date(tl.deaths_from)
    # Slots are laid out role by role; slot_lo(role) is where a role's slots begin.
    bounds, acc = [], "0"
    for role, count in zip(_ROLES, _ROLE_COUNTS):
        bounds.append((role, acc))
        acc = f"{acc} + {count}"
    role_case = (
        "case "
        + " ".join(f"when slot < {bounds[i + 1][1]} then '{bounds[i][0]}'" for i in range(len(bounds) - 1))
        + f" else '{_ROLES[-1]}' end"
    )
    j_case = "case role " + " ".join(f"when '{r}' then slot - ({lo})" for r, lo in bounds) + " end"
    con.execute(f"""
    create temp table person0 as
    with s as (
        select family_id, c, start, a1, gap, head_age, head_male, head_kawin, n_spouse, n_child, n_cil,
            n_grand, n_parent, n_other, n_servant, n_dead_spouse, n_dead_parent, n_dead_child, agama, budaya,
            unregistered, kode_kec, kode_desa, urban, wz, unnest(range(size_total)) as slot
        from family
    ), r as (
        select *, {role_case} as role from s where start + slot < {persons}
    )
    select *, {j_case} as j, c * 32 + slot as pk from r
    """)
    # Ages of the living at as_of; the dead get a death date and the age they would have.
    con.execute(f"""
    create temp table person1 as
    with a as (
        select *,
            case role
                when 'head' then head_age
                when 'spouse' then case when head_male then greatest(17, head_age + 2 - 9 * u(pk, 'age'))
                                        else head_age - 2 + 9 * u(pk, 'age') end
                when 'dead_spouse' then case when head_male then greatest(17, head_age + 2 - 9 * u(pk, 'age'))
                                             else head_age - 2 + 9 * u(pk, 'age') end
                when 'child' then a1 - j * gap
                when 'cil' then greatest(17, a1 - 3 + 6 * u(pk, 'age'))
                when 'grand' then u(pk, 'age') * greatest(0.5, a1 - 19)
                when 'parent' then least(99, head_age + 20 + 15 * u(pk, 'age'))
                when 'dead_parent' then head_age + 22 + 12 * u(pk, 'age')
                when 'other' then 5 + 65 * u(pk, 'age')
                when 'servant' then 18 + 40 * u(pk, 'age')
                else 0.5 + 8.5 * u(pk, 'age') end as age_now,
            case when role like 'dead%' then {deaths_from}
                 + floor(u(pk, 'dod') * ({as_of} - 1 - {deaths_from}))::INT end as dod0
        from person0
    )
    select *, {as_of} - (age_now * 365.25)::INT as dob1 from a
    """)
    drop(con, "person0")
    con.execute(f"""
    create table person as
    with a as (
        select *,
            case when role = 'dead_child' then least(dob1 + floor(u(pk, 'dod') * 365)::INT, {as_of} - 1)
                 else dod0 end as dod,
            -- a dead spouse was at least 18 at death
            case when role = 'dead_spouse' then least(dob1, dod0 - 18 * 365) else dob1 end as dob,
            case when role in ('head') then case when head_male then 1 else 2 end
                 when role in ('spouse', 'dead_spouse') then case when head_male then 2 else 1 end
                 when role = 'servant' then case when u(pk, 'sex') < .3 then 1 else 2 end
                 when role in ('cil', 'parent', 'dead_parent') then case when u(pk, 'sex') < .5 then 1
                     else 2 end
                 else case when u(pk, 'sex') < .512 then 1 else 2 end end as jk
        from person1
    )
    select row_number() over (order by family_id, slot) as person_id, family_id, c, pk, slot, role, j,
        dob, dod, jk, year(dob) as byear,
        date_diff('day', dob, coalesce(dod, {as_of})) / 365.25 as age,
        case role when 'head' then 1 when 'spouse' then 2 when 'dead_spouse' then 2 when 'child' then 3
                  when 'dead_child' then 3 when 'cil' then 4 when 'grand' then 5 when 'parent' then 6
                  when 'dead_parent' then 6 when 'other' then 7 else 8 end as hub,
        case when role = 'head' then 'KEPALA KELUARGA'
             when role in ('spouse', 'dead_spouse') then case when jk = 2 then 'ISTRI' else 'SUAMI' end
             when role in ('child', 'dead_child') then 'ANAK'
             when role = 'cil' then 'MENANTU'
             when role = 'grand' then 'CUCU'
             when role in ('parent', 'dead_parent') then
                 case when u(pk, 'mertua') < .5 then 'ORANG TUA' else 'MERTUA' end
             when role = 'other' then 'FAMILI LAIN'
             else case when u(pk, 'srv') < .7 then 'PEMBANTU' else 'LAINNYA' end end as shdk,
        case when role = 'head' then head_kawin
             when role in ('spouse', 'cil', 'dead_spouse', 'dead_parent') then 'KAWIN'
             when role = 'child' and j = 0 and n_cil = 1 then 'KAWIN'
             when role = 'parent' then case when u(pk, 'kawin') < .6 then 'CERAI MATI' else 'KAWIN' end
             when role in ('other', 'servant') and dob < {as_of} - 20 * 365 and u(pk, 'kawin') < .5
                 then 'KAWIN'
             else 'BELUM KAWIN' end as status_kawin,
        agama, budaya, unregistered, kode_kec, kode_desa, urban, wz
    from a
    order by person_id
    """)
    drop(con, "person1")


def _identifiers(con, mismatch_rate: float, tl: Timeline) -> None:
    """NIK and no_kk per docs/contract.md, region codes as they were when issued."""
    as_of = sql_date(tl.as_of)
    con.execute(f"""
    create temp table nik0 as
    with a as (
        select person_id, c, pk, jk, dob, role, family_id, unregistered,
            -- adults who moved: their NIK was issued elsewhere
            case when role in ('head', 'spouse', 'cil', 'parent', 'other', 'servant',
                               'dead_spouse', 'dead_parent')
                      and u(pk, 'migrant') < .12 then pick(pk, 'mig', (select count(*) from kec))
                 end as kec_idx,
            kode_kec,
            case when dob >= DATE '2000-01-01' then least(dob + floor(u(pk, 'nikdate') * 730)::INT, {as_of})
                 else DATE '2006-01-01' + floor(u(pk, 'nikdate') * 2921)::INT end as nik_issued,
            u(pk, 'mismatch') < {mismatch_rate} as nik_mismatch
        from person
    ), b as (
        select a.*, coalesce(k.kode_kec, a.kode_kec) as kec_issued from a left join kec k on k.idx = a.kec_idx
    ), old as (
        select b.person_id, arg_min(hi.kode_lama, hi.tahun_berlaku_sampai) as kode_lama
        from b join hist hi on hi.kode_baru = substr(b.kec_issued, 1, 4)
            and year(b.nik_issued) <= hi.tahun_berlaku_sampai
        group by b.person_id
    )
    select b.*, coalesce(o.kode_lama || substr(b.kec_issued, 5, 2), b.kec_issued) as nik_region,
        case when b.nik_mismatch then b.dob + (1 + pick(b.pk, 'mmdate', 364)) else b.dob end as nik_date
    from b left join old o using (person_id)
    """)
    con.execute("""
    create temp table nik1 as
    with a as (
        select person_id, kec_issued, nik_mismatch,
            nik_region || lpad((day(nik_date) + case when jk = 2 then 40 else 0 end)::VARCHAR, 2, '0')
                || strftime(nik_date, '%m%y') as prefix
        from nik0 where not unregistered
    )
    select person_id, kec_issued, nik_mismatch,
        prefix || lpad(row_number() over (partition by prefix order by person_id)::VARCHAR, 4, '0') as nik
    from a
    """)
    con.execute("""
    create temp table kk as
    with a as (
        select f.family_id, f.since,
            coalesce((select arg_min(hi.kode_lama, hi.tahun_berlaku_sampai) from hist hi
                      where hi.kode_baru = f.kode_kab and year(f.since) <= hi.tahun_berlaku_sampai)
                     || substr(f.kode_kec, 5, 2), f.kode_kec) || strftime(f.since, '%d%m%y') as prefix
        from family f where not f.unregistered
    )
    select family_id,
        prefix || lpad(row_number() over (partition by prefix order by family_id)::VARCHAR, 4, '0') as no_kk
    from a
    """)
    con.execute("alter table family add column no_kk VARCHAR")
    con.execute("update family set no_kk = kk.no_kk from kk where kk.family_id = family.family_id")
    con.execute("""
    create temp table person_ids as
    select p.person_id, n.nik, coalesce(n.nik_mismatch, false) as nik_mismatch, k.nama as tempat_lahir
    from person p
    left join nik1 n using (person_id)
    left join kab k on k.kode_kab = substr(coalesce(n.kec_issued, p.kode_kec), 1, 4)
    """)
    drop(con, "nik0", "nik1", "kk")


def _names(con) -> None:
    con.execute("create temp table pool (pool VARCHAR, words VARCHAR[])")
    con.executemany("insert into pool values (?, ?)", list(names.POOLS.items()))
    con.execute(
        "create temp view name_src as select person_id as id, pk, c, budaya, role, jk, byear from person"
    )
    assign_names(con, "name_src", "name1")
    con.execute("create temp table person_names as select id as person_id, nama from name1")
    drop(con, "name1")


def assign_names(con, source: str, target: str) -> None:
    """Names from the pools in names.py; father and children share a family name.

    source has columns id, pk (person key), c (family key), budaya, role, jk, byear;
    target gets (id, nama). Agencies reuse this for made-up persons.
    """
    surname = sql_list(names.SURNAME_CULTURES)
    con.execute(f"""
    create or replace temp table {target} as
    with a as (
        select id, pk, c, budaya, role, case when jk = 1 then 'm' else 'f' end as sx,
            byear + 12 * (u(pk, 'old') - 0.5) < 1975 as old_style, u(pk, 'n2') as u2, u(pk, 'n3') as u3
        from {source}
    ), n as (
        select id, pk,
            case when budaya = 'JAWA' and old_style then 'JAWA_old_'
                 when budaya = 'BALI' then 'BALI_order_'
                 when list_contains({surname}, budaya) then 'KRISTEN_first_'
                 else budaya || '_first_' end || sx as p1,
            case when budaya = 'BALI' then 'BALI_first_' || sx
                 when budaya in ('JAWA', 'SUNDA', 'MELAYU') and not old_style
                      and u2 < case budaya when 'JAWA' then .28 when 'SUNDA' then .15 else .25 end
                      then budaya || '_first_' || sx
                 when (budaya = 'KRISTEN' or list_contains({surname}, budaya)) and u2 < .3
                     then 'KRISTEN_second_' || sx
                 end as p2,
            case when list_contains({surname}, budaya) then 'surname_' || budaya
                 when budaya = 'TIONGHOA' then 'TIONGHOA_second_' || sx
                 when u3 < case when budaya = 'JAWA' and old_style then .25 when budaya = 'JAWA' then .88
                                when budaya = 'SUNDA' then .75 when budaya = 'MELAYU' then .9
                                when budaya = 'BALI' then .5 else .7 end
                      then case when budaya = 'KRISTEN' then 'JAWA' else budaya end || '_second_' || sx
                 end as p3,
            -- the family name follows the father's line
            case when role in ('head', 'child', 'grand', 'dead_child') then c else pk end as surname_key
        from a
    ), w as (
        select n.id,
            p1.words[1 + pick(n.pk, 'w1', len(p1.words))] as w1,
            p2.words[1 + pick(n.pk, 'w2', len(p2.words))] as w2,
            p3.words[1 + pick(case when n.p3 like 'surname_%' then n.surname_key else n.pk end, 'w3',
                              len(p3.words))] as w3
        from n
        left join pool p1 on p1.pool = n.p1
        left join pool p2 on p2.pool = n.p2
        left join pool p3 on p3.pool = n.p3
    )
    select id, concat_ws(' ', w1, case when w2 <> w1 then w2 end, case when w3 <> w1 then w3 end) as nama
    from w
    """)


def _education_and_work(con) -> None:
    """Education from welfare, cohort and luck; school and work from age and education."""
    cuts = []
    cum = 0.0
    for share in EDUCATION_SHARES[:-1]:
        cum += share
        cuts.append(cum)
    level_case = (
        "case "
        + " ".join(f"when e < q[{i + 1}] then {i}" for i in range(len(cuts)))
        + f" else {len(cuts)} end"
    )
    words, ijazah = sql_list(EDUCATION_WORDS), "[" + ", ".join(map(str, IJAZAH)) + "]"
    con.execute(f"""
    create temp table person_work as
    with a as (
        select person_id, pk, age, jk, urban, wz, status_kawin,
            0.5 * wz + 0.85 * nrm(pk, 'edu') + 0.035 * (byear - 1975) as e
        from person
    ), q as (select quantile_cont(e, {cuts}) as q from a where age >= 25)
    , b as (select a.*, {level_case} as lvl from a, q)
    , c as (
        select *,
            case when age < 7 then 0
                 when age < 13 then least(lvl, 1)
                 when age < 16 then least(lvl, 2)
                 when age < 19 then least(lvl, 3)
                 when age < 23 then least(lvl, 4)
                 else lvl end as pendidikan_idx,
            case when age < 5 then 0
                 when age < 7 then (u(pk, 'tk') < .4)::INT
                 when lvl = 0 then 0
                 when age < 13 then 1
                 when age < 16 then case when u(pk, 'drop') < .92 then 1 else 2 end
                 when age < 19 then case when lvl >= 4 then 1 else 2 end
                 when age < 24 then case when lvl >= 5 and u(pk, 'uni') < .7 then 1 else 2 end
                 else 2 end as sekolah,
            u(pk, 'occ') as uo, 0.6 * wz + 0.8 * nrm(pk, 'job') as job
        from b
    ), d as (
        select *,
            case when age < 5 then 'BELUM/TIDAK BEKERJA'
                 when sekolah = 1 then 'PELAJAR/MAHASISWA'
                 when age < 17 then 'BELUM/TIDAK BEKERJA'
                 when age >= 65 then
                     case when pendidikan_idx >= 4 and uo < .5 then 'PENSIUNAN'
                          when uo < .45 then 'BELUM/TIDAK BEKERJA'
                          when jk = 2 and uo < .75 then 'MENGURUS RUMAH TANGGA'
                          else 'PETANI/PEKEBUN' end
                 when jk = 2 and uo < 0.45 - 0.03 * pendidikan_idx then 'MENGURUS RUMAH TANGGA'
                 when pendidikan_idx >= 7 and u(pk, 'pns') < .3 then 'PEGAWAI NEGERI SIPIL'
                 when u(pk, 'jobless') < .06 then 'BELUM/TIDAK BEKERJA'
                 when urban then case when job < {_z(0.20):.4f} then 'BURUH HARIAN LEPAS'
                                      when job < {_z(0.21):.4f} then 'NELAYAN/PERIKANAN'
                                      when job < {_z(0.24):.4f} then 'PETANI/PEKEBUN'
                                      when job < {_z(0.54):.4f} then 'WIRASWASTA'
                                      else 'KARYAWAN SWASTA' end
                 else case when job < {_z(0.22):.4f} then 'BURUH HARIAN LEPAS'
                           when job < {_z(0.26):.4f} then 'NELAYAN/PERIKANAN'
                           when job < {_z(0.68):.4f} then 'PETANI/PEKEBUN'
                           when job < {_z(0.85):.4f} then 'WIRASWASTA'
                           else 'KARYAWAN SWASTA' end end as pekerjaan,
            case when u(pk, 'dis') < case when age < 18 then .01 when age < 60 then .02 else .10 end then
                 case when u(pk, 'dtype') < .4 then 1 when u(pk, 'dtype') < .5 then 2
                     when u(pk, 'dtype') < .6 then 3
                      when u(pk, 'dtype') < .9 then 4 else 5 end
                 else 0 end as disabilitas,
            (jk = 2 and status_kawin = 'KAWIN' and age between 15 and 45 and u(pk, 'hamil') < .08)::INT
                as hamil
        from c
    )
    select person_id, pendidikan_idx, {words}[pendidikan_idx + 1] as pendidikan,
        {ijazah}[pendidikan_idx + 1] as ijazah, sekolah, pekerjaan, disabilitas, hamil,
        (pekerjaan not in ('MENGURUS RUMAH TANGGA', 'PELAJAR/MAHASISWA', 'BELUM/TIDAK BEKERJA',
                           'PENSIUNAN'))::INT
            as bekerja,
        case pekerjaan
            when 'PETANI/PEKEBUN' then 1 when 'NELAYAN/PERIKANAN' then 1
            when 'BURUH HARIAN LEPAS' then case when u(pk, 'lu') < .5 then 4 when u(pk, 'lu') < .8 then 1
                else 3 end
            when 'WIRASWASTA' then case when u(pk, 'lu') < .6 then 5 when u(pk, 'lu') < .75 then 6
                                        when u(pk, 'lu') < .9 then 7 else 3 end
            when 'KARYAWAN SWASTA' then case when u(pk, 'lu') < .4 then 3 when u(pk, 'lu') < .6 then 5
                                             when u(pk, 'lu') < .85 then 7 when u(pk, 'lu') < .95 then 6
                                                 else 2 end
            when 'PEGAWAI NEGERI SIPIL' then case when u(pk, 'lu') < .7 then 8 else 7 end
            else 0 end as lapangan_usaha
    from d
    """)


def _facts(con) -> dict:
    row = one(
        con,
        """
        select (select count(*) from person), (select count(*) from person where dod is not null),
               (select count(*) from family), (select count(*) from family where unregistered),
               (select count(*) from family where split),
               (select count(*) from family where origin_family_id is not null),
               (select count(*) from family s join family o on o.family_id = s.origin_family_id
                where o.jumlah_art = 1),
               (select count(*) from person where nik_mismatch),
               (select avg(jumlah_art) from family)
    """,
    )
    keys = [
        "persons",
        "dead",
        "families",
        "unregistered_families",
        "split_families",
        "split_families_with_origin",
        "split_families_from_lone_parent",
        "nik_birthdate_mismatch",
        "mean_jumlah_art",
    ]
    return dict(zip(keys, row))
