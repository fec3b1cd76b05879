"""Each agency's view of the true population, as tables shaped like the contract's files.

For every contract file this leaves a table out_<source>_<file stem> whose first columns
are the file's columns in contract order and whose t_* columns are the truth about each
row (row number, record id, person, family, NIK as delivered, injected errors). Counts of
eligible units and injected errors go to the table tally.

Every source sees the population as it was at its own state date (DTKS: the household's
last verification; P3KE: its enumeration; Regsosek: its fieldwork): people born later are
missing, people who died later are still there, a child who left the parents' KK later is
still listed as their child under the old KK (kk_change).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from dtsen.generate import errors
from dtsen.generate.db import drop
from dtsen.generate.population import assign_names
from dtsen.generate.timeline import Timeline, sql_date

# Share of families Regsosek enumerated (a coverage figure, not an error rate).
REGSOSEK_COVERAGE = {"urban": 0.90, "rural": 0.95}
SUSENAS_SAMPLE = 0.01
# Consumption measured by Susenas = truth x log-normal noise with this sd.
SUSENAS_NOISE_SD = 0.25
# P3KE ranks families by its own welfare estimate: true log consumption + noise (sd).
P3KE_NOISE_SD = 0.3

_SOURCE_INDEX = {"dukcapil": 0, "dtks": 1, "p3ke": 2, "bps": 3}


def build(
    con: duckdb.DuckDBPyConnection, rates: dict[str, float], tl: Timeline, deliver: Callable[[str], None]
) -> None:
    """Build the sources one by one; deliver(source) writes a source's out tables and drops
    them before the next is built, so that only one source's rows are held at a time."""
    errors.install(con)
    con.execute(
        "create table tally (source VARCHAR, file VARCHAR, kind VARCHAR, eligible BIGINT, injected BIGINT)"
    )
    # The NIK a careless enumerator copies: the next person's in the register (same family
    # or the neighbours, as families are numbered village by village).
    con.execute("""
    create temp table nik_other as
    select person_id, coalesce(lead(nik) over w, lag(nik) over w) as nik_other
    from person window w as (order by person_id)
    """)
    _old_region(con)
    for source, make in (("dukcapil", _dukcapil), ("dtks", _dtks), ("p3ke", _p3ke), ("bps", _bps)):
        make(con, rates, tl)
        deliver(source)
    drop(con, "nik_other", "old_kab")


def _tally(con, source: str, file: str, table: str, kinds: list[str], where: str = "true") -> None:
    """Record eligible and injected counts of kinds from columns el_<kind> and e_<kind>."""
    for kind in kinds:
        con.execute(f"""
        insert into tally select '{source}', '{file}', '{kind}',
            count(*) filter (el_{kind}), count(*) filter (el_{kind} and e_{kind})
        from {table} where {where}
        """)


def _drop_tallied(con, source: str, file: str, table: str, kind: str) -> None:
    """Tally a kind drawn while building an out table, then drop its helper columns."""
    _tally(con, source, file, table, [kind])
    con.execute(f"alter table {table} drop column el_{kind}")
    con.execute(f"alter table {table} drop column e_{kind}")


def _errors_list(pairs: list[tuple[str, str]]) -> str:
    """SQL list of the error kinds whose condition holds, in a fixed order."""
    items = ", ".join(f"case when {cond} then '{kind}' end" for kind, cond in pairs)
    return f"list_filter([{items}], lambda x: x is not null)"


# ---------------------------------------------------------------------------- dukcapil


def _dukcapil(con, rates, tl: Timeline) -> None:
    ext = sql_date(tl.dukcapil)
    r = {k: rates[f"dukcapil.{k}"] for k in ("duplicate_person", "invalid_date", "invalid_code")}
    con.execute(f"""
    create table out_dukcapil_penduduk as
    with a as (
        select p.*, f.no_kk, f.alamat, f.rt, f.rw, f.since,
            u(p.pk, 'dk_dup') < {r["duplicate_person"]} as dup
        from person p join family f using (family_id)
        where not p.unregistered and p.dob <= {ext}
    ), b as (
        select *, 0 as copy from a union all select *, 1 from a where dup
    ), c as (
        select *, hash(pk, copy) as rk,
            -- last change known at the extract: birth, the KK, or a registered death
            greatest(dob, since, case when dod <= {ext} then dod end) as changed
        from b
    ), d as (
        select *, u(rk, 'dk_q1') < {r["invalid_date"]} as e_invalid_date,
            u(rk, 'dk_q2') < {r["invalid_code"]} as e_invalid_code
        from c
    )
    select nik, no_kk, nama as nama_lengkap,
        case when e_invalid_code then case when u(rk, 'dk_c') < .5 then 'X' else '3' end
             when jk = 1 then 'LAKI-LAKI' else 'PEREMPUAN' end as jenis_kelamin,
        tempat_lahir,
        case when e_invalid_date then bad_date(dob, 'ymd', rk) else strftime(dob, '%Y-%m-%d') end
            as tanggal_lahir,
        agama, status_kawin, shdk, pendidikan, pekerjaan, kode_desa, alamat, rt, rw,
        case when dod <= {ext} then strftime(dod, '%Y-%m-%d') end as tanggal_meninggal,
        strftime((changed + floor(u(rk, 'dk_upd') * ({ext} - changed))::INT)::TIMESTAMP
                 + to_seconds(pick(rk, 'dk_sec', 86400)), '%Y-%m-%d %H:%M:%S') as tanggal_update,
        row_number() over (order by kode_desa, family_id, slot, copy) as t_row,
        person_id as t_person_id, family_id as t_family_id, nik as t_nik_delivered, NULL::VARCHAR
            as t_nik_damage, NULL::BIGINT as t_fictitious_person_id,
        {
        _errors_list(
            [
                ("duplicate_person", "copy = 1"),
                ("nik_birthdate_mismatch", "nik_mismatch"),
                ("invalid_date", "e_invalid_date"),
                ("invalid_code", "e_invalid_code"),
            ]
        )
    } as t_errors,
        copy = 0 as el_duplicate_person, copy = 0 and dup as e_duplicate_person,
        true as el_invalid_date, e_invalid_date, true as el_invalid_code, e_invalid_code
    from d
    order by t_row
    """)
    for kind in ("duplicate_person", "invalid_date", "invalid_code"):
        _drop_tallied(con, "dukcapil", "penduduk.csv", "out_dukcapil_penduduk", kind)


# ---------------------------------------------------------------------------- shared


def _old_region(con) -> None:
    """For each regency that was split, the code it had just before (latest old code)."""
    con.execute("""
    create temp table old_kab as
    select kode_baru, arg_max(kode_lama, tahun_berlaku_sampai) as kode_lama from hist group by all
    """)


def _members(con, src: str, dead_rate: float, extract: str) -> None:
    """List the members of each household of {src}_hh as they were at its state date.

    {src}_hh: hkey, family_id (null for made-up households), tfam (family it is based
    on), kind (0 original, 1 second registration, 2 made up), state (date).
    The dead are listed when they died after the state date, or (dead_rate) when the
    agency failed to remove them; listed dead count as dead recipients when the civil
    register knew of the death at the extract date.
    """
    con.execute(f"""
    create temp table {src}_cand as
    select h.hkey, h.family_id, h.kind, p.person_id, p.hub, p.slot as ord, false as kk_change,
        coalesce(p.dod <= h.state, false) as el_dead_recipient, p.dod
    from {src}_hh h join person p on p.family_id = h.family_id
    where h.kind <> 2 and p.dob <= h.state
    union all
    -- a child who left for their own KK after the state date is still listed here
    select h.hkey, h.family_id, h.kind, p.person_id, 3, 100 + p.slot, true, false, p.dod
    from {src}_hh h join family f on f.origin_family_id = h.family_id and f.since > h.state
        join person p on p.family_id = f.family_id and p.role = 'head'
    where h.kind <> 2
    """)
    con.execute(f"""
    create or replace temp table {src}_cand as
    select *, el_dead_recipient and u2(person_id, family_id, '{src}_dead') < {dead_rate} as e_dead_recipient
    from {src}_cand
    """)
    if src != "bps":  # a survey lists who lived there; only recipient lists keep the dead
        _tally(con, src, _PERSON_FILE[src], f"{src}_cand", ["dead_recipient"])
    idx = _SOURCE_INDEX[src]
    con.execute(f"""
    create temp table {src}_rows0 as
    select c.hkey, c.family_id, c.kind, p.person_id, p.person_id as src_pid, p.pk as pkey, c.hub, c.ord,
        c.kk_change, c.dod is not null and c.dod <= {extract} as dead_known, false as ghost, p.unregistered,
        p.nik as nik_true, o.nik_other, p.nik_mismatch, p.nama as nama_true, p.jk, p.dob, p.agama, p.age,
        f.no_kk
    from {src}_cand c join person p using (person_id) join nik_other o using (person_id)
        join family f on f.family_id = c.family_id
    where not c.el_dead_recipient or c.e_dead_recipient
    """)
    # Made-up households copy the make-up of a real one, with new names, dates and numbers.
    con.execute(f"""
    create temp table {src}_ghost0 as
    select h.hkey, h.state, p.person_id as src_pid, -(p.pk * 4 + {idx}) as pkey, -(f.c * 4 + {idx}) as fc,
        p.role, p.hub, p.slot as ord, p.jk, p.agama, f.budaya, f.kode_kec,
        least(p.dob + pick(p.pk, '{src}_gdob', 401) - 200, h.state) as dob
    from {src}_hh h join family f on f.family_id = h.tfam join person p on p.family_id = f.family_id
    where h.kind = 2 and p.dob <= h.state and (p.dod is null or p.dod > h.state)
    """)
    con.execute(f"""
    create temp view {src}_ghost_src as
    select pkey as id, pkey as pk, fc as c, budaya, role, jk, year(dob) as byear from {src}_ghost0
    """)
    assign_names(con, f"{src}_ghost_src", f"{src}_ghost_names")
    # Made-up NIK and KK numbers are well formed but unknown to the civil register:
    # serials from 9001 up, which no real registration reaches.
    con.execute(f"""
    create temp table {src}_ghost1 as
    with a as (
        select g.*, n.nama,
            g.kode_kec || lpad((day(g.dob) + case when g.jk = 2 then 40 else 0 end)::VARCHAR, 2, '0')
                || strftime(g.dob, '%m%y') as prefix,
            g.kode_kec || strftime(g.state - 400 - pick(g.fc, '{src}_gkk', 3000), '%d%m%y') as kk_prefix
        from {src}_ghost0 g join {src}_ghost_names n on n.id = g.pkey
    )
    select *, prefix || (9000 + row_number() over (partition by prefix order by pkey))::VARCHAR as nik,
        kk_prefix || (9000 + dense_rank() over (partition by kk_prefix order by hkey))::VARCHAR as no_kk
    from a
    """)
    con.execute(f"""
    insert into {src}_rows0
    select g.hkey, NULL, 2, NULL, g.src_pid, g.pkey, g.hub, g.ord, false, false, true, false,
        g.nik, NULL, false, g.nama, g.jk, g.dob, g.agama, date_diff('day', g.dob, g.state) / 365.25, g.no_kk
    from {src}_ghost1 g
    """)
    drop(con, f"{src}_cand", f"{src}_ghost0", f"{src}_ghost_names")


_PERSON_FILE = {"dtks": "anggota.csv", "p3ke": "individu.csv", "bps": "regsosek_individu.parquet"}
# A made-up person's id in the truth: its rows (a made-up person listed twice) are one person,
# though none of the register. A made-up row's pkey is negative and unique per source and person.
_FICTITIOUS_ID = "case when person_id is null then -pkey end as t_fictitious_person_id"


def _person_rows(con, src: str, rates: dict[str, float]) -> None:
    """{src}_rows: members plus second listings, with the row-level errors applied.

    Adds nik_d, nik_damage, nama_d, dob_d and an e_/el_ pair per row-level kind.
    """

    def r(kind):
        return rates.get(f"{src}.{kind}", 0.0)

    con.execute(f"""
    create temp table {src}_rows1 as
    with a as (
        select *, 0 as copy, true as el_duplicate_person,
            u2(pkey, hkey, '{src}_dup') < {r("duplicate_person")} as e_duplicate_person
        from {src}_rows0
    )
    select * from a
    union all select * replace (1 as copy) from a where e_duplicate_person
    """)
    file = _PERSON_FILE[src]
    drop(con, f"{src}_rows0")
    _tally(con, src, file, f"{src}_rows1", ["duplicate_person"], "copy = 0")
    # The household's head (hub 1) as this source lists it: whose NIK a member borrows, and
    # (a man, in a Muslim household) whose name a child's patronymic carries.
    con.execute(f"""
    create temp table {src}_rows as
    with a as (
        select *, hash(pkey, hkey, copy, {_SOURCE_INDEX[src]}) as rk,
            max(case when hub = 1 then nik_true end) over (partition by hkey) as nik_head,
            max(case when hub = 1 and jk = 1 and agama = 'ISLAM' then nama_true end)
                over (partition by hkey) as father_name
        from {src}_rows1
    ), b as (
        select *, nik_true is not null and nik_other is not null as el_nik_other_person,
            nik_true is not null and nik_other is not null and u(rk, 'e_nop') < {r("nik_other_person")}
                as e_nik_other_person,
            hub <> 1 and nik_true is not null and nik_head is not null and nik_head <> nik_true
                as el_nik_borrowed_from_head,
            hub = 3 and father_name is not null as el_patronymic
        from a
    ), b2 as (
        select *,
            el_nik_borrowed_from_head and not e_nik_other_person
                and u(rk, 'e_nbh') < {r("nik_borrowed_from_head")} as e_nik_borrowed_from_head,
            el_patronymic and u(rk, 'e_pat') < {r("patronymic")} as e_patronymic
        from b
    ), c as (
        select *, case when e_nik_other_person then nik_other
                       when e_nik_borrowed_from_head then nik_head
                       else nik_true end as nik1
        from b2
    ), d as (
        select *, nik1 is not null as el_nik_damaged,
            nik1 is not null and u(rk, 'e_nd') < {r("nik_damaged")} as e_nik_damaged,
            u(rk, 'e_nv') < {r("name_variant")} as draw_name,
            u(rk, 'e_bp') < {r("birthdate_placeholder")} as e_birthdate_placeholder,
            u(rk, 'e_by') < {r("birthdate_year_only")} as draw_year_only,
            u(rk, 'e_bs') < {r("birthdate_shifted")} as draw_shift
        from c
    ), d2 as (
        select *, nik1 is not null and not e_nik_damaged as el_nik_mistyped,
            nik1 is not null and not e_nik_damaged and u(rk, 'e_nm') < {r("nik_mistyped")} as e_nik_mistyped,
            not e_birthdate_placeholder as el_birthdate_year_only,
            not e_birthdate_placeholder and draw_year_only and dob <> make_date(year(dob), 1, 1)
                as e_birthdate_year_only
        from d
    ), e as (
        select *,
            case when e_nik_damaged then nik_form(rk, 'ndf')
                 when e_nik_mistyped then mistype_form(nik1, rk) end as nik_damage,
            case when draw_name then name_form(nama_true, age, rk, 'nvf') end as name_form_d,
            case when draw_name
                then name_variant(nama_true, name_form(nama_true, age, rk, 'nvf'), rk, jk, agama)
                 else nama_true end
            || case when e_patronymic then case when jk = 1 then ' BIN ' else ' BINTI ' end || father_name
                    else '' end as nama_d,
            case when e_birthdate_placeholder then DATE '1900-01-01'
                 when e_birthdate_year_only then make_date(year(dob), 1, 1)
                 when draw_shift then shift_date(dob, shift_form(rk, 'bsf'), rk)
                 else dob end as dob_d
        from d2
    )
    select *,
        case when e_nik_damaged then damage_id(nik1, nik_damage, rk)
             when e_nik_mistyped then mistype_id(nik1, nik_damage, rk)
             else nik1 end as nik_d,
        true as el_name_variant,
        (case when e_patronymic then nama_d[1:length(nama_d) - length(father_name)
            - case when jk = 1 then 5 else 7 end] else nama_d end)
            is distinct from nama_true as e_name_variant,
        true as el_birthdate_placeholder,
        not e_birthdate_placeholder and not e_birthdate_year_only as el_birthdate_shifted,
        not e_birthdate_placeholder and not e_birthdate_year_only and dob_d <> dob as e_birthdate_shifted,
        true as el_invalid_date, u(rk, 'e_q1') < {r("invalid_date")} as e_invalid_date,
        true as el_invalid_code, u(rk, 'e_q2') < {r("invalid_code")} as e_invalid_code,
        true as el_empty_record_id, u(rk, 'e_q3') < {r("empty_record_id")} as e_empty_record_id
    from e
    """)
    kinds = [
        k
        for k in (
            "nik_other_person",
            "nik_borrowed_from_head",
            "nik_damaged",
            "nik_mistyped",
            "name_variant",
            "patronymic",
            "birthdate_placeholder",
            "birthdate_year_only",
            "birthdate_shifted",
            "invalid_date",
            "invalid_code",
            "empty_record_id",
        )
        if f"{src}.{k}" in rates
    ]
    drop(con, f"{src}_rows1")
    _tally(con, src, file, f"{src}_rows", kinds)


def _person_errors(src: str, extra: list[tuple[str, str]] = ()) -> str:
    """The errors list of a person row (after _person_rows)."""
    pairs = [
        ("duplicate_family", "kind = 1"),
        ("registered_in_two_regencies", "kind = 3"),
        ("unknown_to_civil_register", "ghost"),
        ("unregistered", "unregistered"),
        ("duplicate_person", "copy = 1"),
        ("kk_change", "kk_change"),
        *([("dead_recipient", "dead_known")] if src != "bps" else []),
        ("nik_other_person", "e_nik_other_person"),
        ("nik_borrowed_from_head", "e_nik_borrowed_from_head"),
        ("nik_damaged", "e_nik_damaged"),
        ("nik_mistyped", "e_nik_mistyped"),
        ("nik_birthdate_mismatch", "nik_mismatch and nik_d is not distinct from nik_true"),
        ("name_variant", "e_name_variant"),
        # forms of name_variant evaluated on their own (docs/synthetic-data.md "Name variants")
        ("name_title", "e_name_variant and name_form_d = 'title'"),
        ("name_old_spelling", "e_name_variant and name_form_d = 'old_spelling'"),
        ("patronymic", "e_patronymic"),
        ("birthdate_placeholder", "e_birthdate_placeholder"),
        ("birthdate_year_only", "e_birthdate_year_only"),
        ("birthdate_shifted", "e_birthdate_shifted"),
        *extra,
    ]
    return _errors_list(pairs)


def _household_flags(con, src: str, file: str, rates: dict[str, float], kinds: list[str]) -> None:
    """{src}_hh2: {src}_hh plus the household-level error draws of kinds (quarantine and
    old region code) and the delivered kode_desa."""

    def r(kind):
        return rates.get(f"{src}.{kind}", 0.0)

    # The village the household is listed in: the family's, or (dtks other_desa) the one
    # it was registered in a second time.
    village = "coalesce(h.other_desa, f.kode_desa)" if src == "dtks" else "f.kode_desa"
    con.execute(f"""
    create temp table {src}_hh2 as
    select h.*, {village} as kode_desa_true, substr({village}, 1, 4) as kode_kab,
        k.kode_lama is not null as el_old_region_code,
        k.kode_lama is not null and u(h.hkey, '{src}_old') < {r("old_region_code")} as e_old_region_code,
        case when k.kode_lama is not null and u(h.hkey, '{src}_old') < {r("old_region_code")}
             then k.kode_lama || substr({village}, 5) else {village} end as kode_desa_d,
        true as el_invalid_date, u(h.hkey, '{src}_hq1') < {r("invalid_date")} as e_invalid_date,
        true as el_invalid_code, u(h.hkey, '{src}_hq2') < {r("invalid_code")} as e_invalid_code,
        true as el_empty_record_id, u(h.hkey, '{src}_hq3') < {r("empty_record_id")} as e_empty_record_id
    from {src}_hh h join family f on f.family_id = h.tfam
        left join old_kab k on k.kode_baru = substr({village}, 1, 4)
    """)
    _tally(con, src, file, f"{src}_hh2", [k for k in kinds if f"{src}.{k}" in rates])


def _household_errors(extra: list[tuple[str, str]] = ()) -> str:
    return _errors_list(
        [
            *extra,
            ("duplicate_family", "kind = 1"),
            ("registered_in_two_regencies", "kind = 3"),
            ("unknown_to_civil_register", "kind = 2"),
            ("old_region_code", "e_old_region_code"),
            ("invalid_date", "e_invalid_date"),
            ("invalid_code", "e_invalid_code"),
            ("empty_record_id", "e_empty_record_id"),
        ]
    )


# ---------------------------------------------------------------------------- dtks


def _dtks(con, rates, tl: Timeline) -> None:
    ext = sql_date(tl.dtks)
    r = {k.split(".", 1)[1]: v for k, v in rates.items() if k.startswith("dtks.")}
    # Who is in DTKS: most of the poor (true desil 1-4), some of the rest, more likely the
    # closer they are to desil 4: the inclusion probability falls linearly from 1.5x to
    # 0.5x the rate, so it averages the rate. State date = last verification.
    con.execute(f"""
    create temp table dtks_cov as
    select family_id, c, q, since, q <= 0.4 as poor,
        case when q <= 0.4 then u(c, 'dtks_in') >= {r["poor_missing_from_dtks"]}
             else u(c, 'dtks_in') < {r["rich_in_dtks"]} * (1.5 - (q - 0.4) / 0.6) end as covered,
        greatest(since, {ext} - floor(1095 * pow(u(c, 'dtks_verivali'), 2))::INT) as state
    from family where since <= {ext}
    """)
    # A family that moved to another regency of its province and was registered there too,
    # its first listing never removed: a village of that other regency (villages of a
    # province in code order; those of the family's own regency are one block, skipped).
    con.execute("""
    create or replace temp table dtks_cov as
    with villages as (
        select kode_desa, kode_kab, kode_provinsi,
            row_number() over (partition by kode_provinsi order by kode_desa) - 1 as idx,
            count(*) over (partition by kode_provinsi) as n_province,
            count(*) over (partition by kode_kab) as n_kab
        from (select distinct kode_desa, kode_kab, kode_provinsi from family)
    ), own as (
        select distinct kode_kab, kode_provinsi, n_province, n_kab,
            first_value(idx) over (partition by kode_kab order by idx) as start
        from villages
    ), cov as (
        select d.*, o.n_province - o.n_kab as n_other, o.start, o.n_kab, f.kode_provinsi
        from dtks_cov d join family f using (family_id) join own o using (kode_kab)
    )
    select cov.* exclude (n_other, start, n_kab, kode_provinsi), v.kode_desa as other_desa
    from cov left join villages v on v.kode_provinsi = cov.kode_provinsi and cov.n_other > 0
        and v.idx = case when pick(cov.c, 'dtks_2kab_v', greatest(cov.n_other, 1)) < cov.start
                         then pick(cov.c, 'dtks_2kab_v', greatest(cov.n_other, 1))
                         else pick(cov.c, 'dtks_2kab_v', greatest(cov.n_other, 1)) + cov.n_kab end
    """)
    con.execute(f"""
    insert into tally select 'dtks', 'rumah_tangga.csv', 'poor_missing_from_dtks',
        count(*) filter (poor), count(*) filter (poor and not covered) from dtks_cov;
    insert into tally select 'dtks', 'rumah_tangga.csv', 'rich_in_dtks',
        count(*) filter (not poor), count(*) filter (not poor and covered) from dtks_cov;
    insert into tally select 'dtks', 'rumah_tangga.csv', 'duplicate_family', count(*),
        count(*) filter (u(c, 'dtks_dupf') < {r["duplicate_family"]}) from dtks_cov where covered;
    insert into tally select 'dtks', 'rumah_tangga.csv', 'registered_in_two_regencies',
        count(*) filter (other_desa is not null),
        count(*) filter (other_desa is not null and u(c, 'dtks_2kab') < {r["registered_in_two_regencies"]})
        from dtks_cov where covered;
    insert into tally select 'dtks', 'rumah_tangga.csv', 'unknown_to_civil_register', count(*),
        count(*) filter (u(c, 'dtks_ghost') < {r["unknown_to_civil_register"]}) from dtks_cov where covered;
    create temp table dtks_hh as
    select family_id * 4 as hkey, family_id, family_id as tfam, 0 as kind, state, q, c,
        NULL as other_desa from dtks_cov
        where covered
    union all
    select family_id * 4 + 1, family_id, family_id, 1, state, q, c, NULL from dtks_cov
    where covered and u(c, 'dtks_dupf') < {r["duplicate_family"]}
    union all
    select family_id * 4 + 2, NULL, family_id, 2, state, 0.1, -c, NULL from dtks_cov
    where covered and u(c, 'dtks_ghost') < {r["unknown_to_civil_register"]}
    union all
    select family_id * 4 + 3, family_id, family_id, 3, state, q, c, other_desa from dtks_cov
    where covered and other_desa is not null and u(c, 'dtks_2kab') < {r["registered_in_two_regencies"]};
    """)
    _members(con, "dtks", r["dead_recipient"], ext)
    _person_rows(con, "dtks", rates)
    _household_flags(
        con,
        "dtks",
        "rumah_tangga.csv",
        rates,
        ["old_region_code", "invalid_date", "invalid_code", "empty_record_id"],
    )
    # Receipt: programmes reach the poorest households most, never perfectly. Second
    # registrations receive as the first (double receipt); made-up ones as the poorest.
    con.execute("""
    create temp table dtks_comp as
    select family_id, bool_or(age < 6 or (sekolah = 1 and age between 6 and 21) or age >= 60
                              or hamil = 1 or disabilitas > 0) as has_component
    from person where dod is null group by family_id
    """)
    con.execute("""
    create temp table dtks_hh3 as
    select h.*, row_number() over (order by h.kode_desa_true, mix(h.hkey, 'dtks_order')) as hh_row,
        (u(h.c, 'pkh') < case when not cp.has_component then .02 when h.q < .2 then .55 when h.q < .4 then .40
                              when h.q < .6 then .15 else .06 end)::INT as penerima_pkh,
        (u(h.c, 'bpnt') < case when h.q < .2 then .70 when h.q < .4 then .50
                               when h.q < .6 then .20 else .08 end)::INT
            as penerima_bpnt,
        (u(h.c, 'pbi') < case when h.q < .2 then .85 when h.q < .4 then .70
                              when h.q < .6 then .40 else .15 end)::INT
            as penerima_pbi_jk
    from dtks_hh2 h join dtks_comp cp on cp.family_id = h.tfam
    """)
    con.execute(f"""
    create table out_dtks_anggota as
    with m as (
        select r.*, h.hh_row, h.q, p.shdk, p.sekolah, p.disabilitas, p.hamil, p.age as age_now
        from dtks_rows r join dtks_hh3 h using (hkey) join person p on p.person_id = r.src_pid
    ), n as (
        -- pkey last: two children who left for their own KK share hub and ord
        select *, row_number() over (order by hh_row, hub, ord, copy, pkey) as t_row,
            no_kk is not null as el_no_kk_damaged,
            no_kk is not null and u(rk, 'e_kk') < {r["no_kk_damaged"]} as e_no_kk_damaged
        from m
    )
    select
        case when e_empty_record_id then NULL else 'ART' || lpad(t_row::VARCHAR, 12, '0') end as id_art,
        'RT' || lpad(hh_row::VARCHAR, 12, '0') as id_rt,
        nik_d as nik,
        case when e_no_kk_damaged then damage_id(no_kk, nik_form(rk, 'kkf'), rk) else no_kk end as no_kk,
        nama_d as nama,
        case when e_invalid_code then case when u(rk, 'ic') < .5 then '3' else 'X' end else jk::VARCHAR end
            as jenis_kelamin,
        case when e_invalid_date then bad_date(dob_d, 'dmy', rk) else strftime(dob_d, '%d/%m/%Y') end
            as tanggal_lahir,
        case when hub = 8 and shdk = 'PEMBANTU' then 7 when hub >= 7 then 8 else hub end::VARCHAR as hub_krt,
        sekolah::VARCHAR as partisipasi_sekolah, disabilitas::VARCHAR as disabilitas, hamil::VARCHAR as hamil,
        (sekolah = 1 and age_now between 6 and 21 and u2(pkey, hkey // 4, 'pip') <
            case when q < .2 then .45 when q < .4 then .30 when q < .6 then .12 else .04 end)::INT::VARCHAR
            as penerima_pip,
        t_row, case when e_empty_record_id then NULL else 'ART' || lpad(t_row::VARCHAR, 12, '0') end
            as t_record_id,
        person_id as t_person_id, family_id as t_family_id, nik_d as t_nik_delivered, nik_damage
            as t_nik_damage, {_FICTITIOUS_ID},
        {
        _person_errors(
            "dtks",
            [
                ("no_kk_damaged", "e_no_kk_damaged"),
                ("invalid_date", "e_invalid_date"),
                ("invalid_code", "e_invalid_code"),
                ("empty_record_id", "e_empty_record_id"),
            ],
        )
    }
            as t_errors,
        el_no_kk_damaged, e_no_kk_damaged
    from n order by t_row
    """)
    _drop_tallied(con, "dtks", "anggota.csv", "out_dtks_anggota", "no_kk_damaged")
    housing = ", ".join(
        f"f.{c}::VARCHAR as {c}"
        for c in (
            "dinding",
            "atap",
            "sumber_air_minum",
            "fasilitas_bab",
            "sumber_penerangan",
            "bahan_bakar_masak",
            "punya_kulkas",
            "punya_ac",
            "punya_sepeda_motor",
            "punya_mobil",
            "punya_lahan",
            "punya_ternak",
        )
    )
    con.execute(f"""
    create table out_dtks_rumah_tangga as
    with n as (select hkey, count(*) filter (copy = 0) as jumlah_art from dtks_rows group by hkey)
    select
        case when h.e_empty_record_id then NULL else 'RT' || lpad(h.hh_row::VARCHAR, 12, '0') end as id_rt,
        h.kode_desa_d as kode_desa, f.alamat, coalesce(n.jumlah_art, 0)::VARCHAR as jumlah_art,
        case when h.e_invalid_code then '0' else f.lantai::VARCHAR end as lantai, {housing},
        h.penerima_pkh::VARCHAR as penerima_pkh, h.penerima_bpnt::VARCHAR as penerima_bpnt,
        h.penerima_pbi_jk::VARCHAR as penerima_pbi_jk,
        case when h.e_invalid_date then bad_date(h.state, 'dmy', h.hkey)
            else strftime(h.state, '%d/%m/%Y') end
            as tanggal_verivali,
        h.hh_row as t_row, case when h.e_empty_record_id then NULL else 'RT'
            || lpad(h.hh_row::VARCHAR, 12, '0') end
            as t_record_id,
        h.family_id as t_family_id,
        {_household_errors([("rich_in_dtks", "h.kind <> 2 and h.q > 0.4")])} as t_errors
    from dtks_hh3 h join family f on f.family_id = h.tfam left join n using (hkey)
    order by h.hh_row
    """)
    drop(con, "dtks_cov", "dtks_hh", "dtks_hh2", "dtks_hh3", "dtks_comp", "dtks_rows", "dtks_ghost1")


# ---------------------------------------------------------------------------- p3ke


def _p3ke(con, rates, tl: Timeline) -> None:
    ext = sql_date(tl.p3ke)
    r = {k.split(".", 1)[1]: v for k, v in rates.items() if k.startswith("p3ke.")}
    # P3KE's own welfare ranking (noisy), in person-weighted national deciles; it keeps
    # desil 1-4. Enumerated 1-18 months before the extract.
    con.execute(f"""
    create temp table p3ke_cov as
    with a as (
        select family_id, c, jumlah_art, since,
            ln(pcc) + {P3KE_NOISE_SD} * nrm(c, 'p3ke_score') as score,
            {ext} - 30 - pick(c, 'p3ke_date', 510) as state
        from family where since <= {ext} - 30
    ), b as (
        select *, 1 + floor(10 * (sum(jumlah_art) over (order by score, family_id rows unbounded preceding)
                                  - jumlah_art) / sum(jumlah_art) over ())::INT as desil
        from a
    )
    select *, greatest(state, since) as state2 from b where desil <= 4
    """)
    con.execute(f"""
    insert into tally select 'p3ke', 'keluarga.csv', 'unknown_to_civil_register', count(*),
        count(*) filter (u(c, 'p3ke_ghost') < {r["unknown_to_civil_register"]}) from p3ke_cov;
    create temp table p3ke_hh as
    select family_id * 4 as hkey, family_id, family_id as tfam, 0 as kind, state2 as state, desil, c
        from p3ke_cov
    union all
    select family_id * 4 + 2, NULL, family_id, 2, state2, 1 + pick(c, 'p3ke_gd', 2), -c from p3ke_cov
    where u(c, 'p3ke_ghost') < {r["unknown_to_civil_register"]}
    """)
    _members(con, "p3ke", r["dead_recipient"], ext)
    _person_rows(con, "p3ke", rates)
    _household_flags(
        con,
        "p3ke",
        "keluarga.csv",
        rates,
        ["old_region_code", "invalid_date", "invalid_code", "empty_record_id"],
    )
    con.execute("""
    create temp table p3ke_hh3 as
    select *, row_number() over (order by kode_desa_true, mix(hkey, 'p3ke_order')) as hh_row from p3ke_hh2
    """)
    con.execute(f"""
    create table out_p3ke_individu as
    with m as (
        select r.*, h.hh_row, p.shdk, p.pekerjaan, p.pendidikan, p.sekolah,
            p.age as age_now
        from p3ke_rows r join p3ke_hh3 h using (hkey) join person p on p.person_id = r.src_pid
    ), n as (
        select *, row_number() over (order by hh_row, hub, ord, copy, pkey) as t_row from m
    )
    select
        case when e_empty_record_id then NULL else 'IND-' || lpad(t_row::VARCHAR, 11, '0') end as id_individu,
        'P3KE-' || lpad(hh_row::VARCHAR, 10, '0') as id_keluarga_p3ke,
        nik_d as nik, nama_d as nama,
        case when e_invalid_code then case when u(rk, 'ic') < .5 then 'X' else '3' end
             when jk = 1 then 'L' else 'P' end as jk,
        case when e_invalid_date then bad_date(dob_d, 'ymd', rk) else strftime(dob_d, '%Y-%m-%d') end
            as tgl_lahir,
        case when kk_change then 'ANAK' else shdk end as hubungan, pekerjaan, pendidikan,
        case when sekolah = 1 then 'SEKOLAH' when age_now < 7 then 'BELUM SEKOLAH' else 'TIDAK SEKOLAH' end
            as status_sekolah,
        t_row, case when e_empty_record_id then NULL else 'IND-' || lpad(t_row::VARCHAR, 11, '0') end
            as t_record_id,
        person_id as t_person_id, family_id as t_family_id, nik_d as t_nik_delivered, nik_damage
            as t_nik_damage, {_FICTITIOUS_ID},
        {
        _person_errors(
            "p3ke",
            [
                ("invalid_date", "e_invalid_date"),
                ("invalid_code", "e_invalid_code"),
                ("empty_record_id", "e_empty_record_id"),
            ],
        )
    } as t_errors,
        hkey, hub, copy
    from n order by t_row
    """)
    con.execute(f"""
    create table out_p3ke_keluarga as
    with n as (
        select hkey, count(*) filter (copy = 0) as jumlah,
            arg_min(nik, t_row) filter (hub = 1 and copy = 0) as nik_head
        from out_p3ke_individu group by hkey
    ), k as (
        select h.*, case when h.kind = 2 then g.no_kk else f.no_kk end as no_kk_true, f.lantai, f.dinding,
            f.sumber_air_minum,
            f.fasilitas_bab, f.status_rumah, f.pcc, f.jumlah_art
        from p3ke_hh3 h join family f on f.family_id = h.tfam
        left join (select distinct hkey, no_kk from p3ke_ghost1) g using (hkey)
    ), d as (
        select *, no_kk_true is not null as el_no_kk_damaged,
            no_kk_true is not null and u(hkey, 'p3ke_kk') < {r["no_kk_damaged"]} as e_no_kk_damaged
        from k
    )
    select
        case when d.e_empty_record_id then NULL else 'P3KE-' || lpad(d.hh_row::VARCHAR, 10, '0') end
            as id_keluarga_p3ke,
        case when e_no_kk_damaged then damage_id(no_kk_true, nik_form(hkey, 'p3ke_kkf'), hkey)
            else no_kk_true end
            as no_kk,
        n.nik_head as nik_kepala_keluarga, d.kode_desa_d as kode_desa,
        case when d.e_invalid_code then '5' else d.desil::VARCHAR end as desil_p3ke,
        coalesce(n.jumlah, 0)::VARCHAR as jumlah_anggota, d.lantai::VARCHAR as jenis_lantai,
        d.dinding::VARCHAR as jenis_dinding, d.sumber_air_minum::VARCHAR as sumber_air_minum,
        d.fasilitas_bab::VARCHAR as fasilitas_bab, d.status_rumah::VARCHAR as kepemilikan_rumah,
        (round(d.pcc * d.jumlah_art * exp(-0.15 + 0.35 * nrm(d.hkey, 'p3ke_inc')), -4))::BIGINT::VARCHAR
            as penghasilan_bulanan,
        case when d.e_invalid_date then bad_date(d.state, 'ymd', d.hkey)
            else strftime(d.state, '%Y-%m-%d') end
            as tanggal_pendataan,
        d.hh_row as t_row,
        case when d.e_empty_record_id then NULL else 'P3KE-' || lpad(d.hh_row::VARCHAR, 10, '0') end
            as t_record_id,
        d.family_id as t_family_id,
        {_household_errors([("no_kk_damaged", "e_no_kk_damaged")])} as t_errors,
        el_no_kk_damaged, e_no_kk_damaged
    from d left join n using (hkey)
    order by d.hh_row
    """)
    # The truth's income (writer.write_truth, family_indicators.parquet): what P3KE reports
    # for each true family it lists, kept apart from the delivery and its errors.
    con.execute("""
    create table truth_p3ke_income as
    select t_family_id as family_id, penghasilan_bulanan::BIGINT as penghasilan_bulanan
    from out_p3ke_keluarga where t_family_id is not null
    """)
    _drop_tallied(con, "p3ke", "keluarga.csv", "out_p3ke_keluarga", "no_kk_damaged")
    for column in ("hkey", "hub", "copy"):
        con.execute(f"alter table out_p3ke_individu drop column {column}")
    drop(con, "p3ke_cov", "p3ke_hh", "p3ke_hh2", "p3ke_hh3", "p3ke_rows", "p3ke_ghost1")


# ---------------------------------------------------------------------------- bps


def _bps(con, rates, tl: Timeline) -> None:
    r = {k.split(".", 1)[1]: v for k, v in rates.items() if k.startswith("bps.")}
    start, end = sql_date(tl.fieldwork_start), sql_date(tl.fieldwork_end)
    con.execute(f"""
    create temp table bps_hh as
    select family_id * 4 as hkey, family_id, family_id as tfam, 0 as kind, c,
        {start} + pick(c, 'bps_date', {(tl.fieldwork_end - tl.fieldwork_start).days + 1}) as state
    from family
    where since <= {start}
        and u(c, 'bps_in') < case when urban then {REGSOSEK_COVERAGE["urban"]}
            else {REGSOSEK_COVERAGE["rural"]} end
    """)
    _members(con, "bps", 0.0, end)
    _person_rows(con, "bps", rates)
    _household_flags(
        con, "bps", "regsosek_keluarga.parquet", rates, ["old_region_code", "invalid_code", "empty_record_id"]
    )
    con.execute("""
    create temp table bps_hh3 as
    select *, row_number() over (order by kode_desa_true, mix(hkey, 'bps_order')) as hh_row from bps_hh2
    """)
    year = tl.fieldwork_start.year
    con.execute(f"""
    create table out_bps_regsosek_individu as
    with m as (
        select r.*, h.hh_row, p.ijazah, p.bekerja, p.lapangan_usaha,
            p.disabilitas, p.sekolah
        from bps_rows r join bps_hh3 h using (hkey) join person p on p.person_id = r.src_pid
    ), n as (
        select *, row_number() over (order by hh_row, hub, ord, copy, pkey) as t_row,
            row_number() over (partition by hkey order by hub, ord, copy, pkey) as no_urut
        from m
    )
    select
        case when e_empty_record_id then '' else '{year}' || lpad(hh_row::VARCHAR, 10, '0') end
            as id_keluarga,
        no_urut::INTEGER as no_urut, nik_d as nik, nama_d as nama,
        case when e_invalid_code then case when u(rk, 'ic') < .5 then 3 else 9 end else jk end::INTEGER
            as jenis_kelamin,
        dob_d as tanggal_lahir, hub::INTEGER as hubungan_kk, ijazah::INTEGER as ijazah, bekerja::INTEGER
            as bekerja,
        lapangan_usaha::INTEGER as lapangan_usaha, (disabilitas > 0)::INTEGER as disabilitas,
        sekolah::INTEGER as sekolah,
        t_row,
        case when e_empty_record_id then NULL
             else '{year}' || lpad(hh_row::VARCHAR, 10, '0') || '/' || no_urut end as t_record_id,
        person_id as t_person_id, family_id as t_family_id, nik_d as t_nik_delivered, nik_damage
            as t_nik_damage, {_FICTITIOUS_ID},
        {
        _person_errors("bps", [("invalid_code", "e_invalid_code"), ("empty_record_id", "e_empty_record_id")])
    }
            as t_errors
    from n order by t_row
    """)
    housing = ", ".join(
        f"f.{c}::INTEGER as {c}"
        for c in (
            "dinding",
            "atap",
            "sumber_air_minum",
            "fasilitas_bab",
            "sumber_penerangan",
            "bahan_bakar_masak",
            "status_rumah",
        )
    )
    assets = ", ".join(
        f"f.{c}::INTEGER as {c}"
        for c in (
            "punya_kulkas",
            "punya_ac",
            "punya_sepeda_motor",
            "punya_mobil",
            "punya_komputer",
            "punya_emas_10g",
            "punya_lahan",
            "punya_rumah_lain",
            "punya_ternak",
        )
    )
    con.execute(f"""
    create table out_bps_regsosek_keluarga as
    with n as (select hkey, count(*) filter (copy = 0) as jumlah from bps_rows group by hkey),
    d as (
        select h.*, f.no_kk is not null as el_no_kk_damaged,
            f.no_kk is not null and u(h.hkey, 'bps_kk') < {r["no_kk_damaged"]} as e_no_kk_damaged
        from bps_hh3 h join family f on f.family_id = h.family_id
    )
    select
        case when d.e_empty_record_id then '' else '{year}' || lpad(d.hh_row::VARCHAR, 10, '0') end
            as id_keluarga,
        case when d.e_no_kk_damaged then damage_id(f.no_kk, nik_form(d.hkey, 'bps_kkf'), d.hkey)
            else f.no_kk end
            as no_kk,
        d.kode_desa_d as kode_desa, coalesce(n.jumlah, 0)::INTEGER as jumlah_art,
        case when d.e_invalid_code then 99 else f.lantai end::INTEGER as lantai, {housing},
        f.luas_lantai_m2::DOUBLE as luas_lantai_m2, {assets}, d.state as tanggal_pencacahan,
        d.hh_row as t_row,
        case when d.e_empty_record_id then NULL else '{year}' || lpad(d.hh_row::VARCHAR, 10, '0') end
            as t_record_id,
        d.family_id as t_family_id,
        {_household_errors([("no_kk_damaged", "d.e_no_kk_damaged")])} as t_errors,
        d.el_no_kk_damaged, d.e_no_kk_damaged, f.c, f.kode_provinsi, f.pcc
    from d join family f on f.family_id = d.family_id left join n using (hkey)
    order by d.hh_row
    """)
    _susenas(con, tl)
    for column in ("c", "kode_provinsi", "pcc"):
        con.execute(f"alter table out_bps_regsosek_keluarga drop column {column}")
    _drop_tallied(con, "bps", "regsosek_keluarga.parquet", "out_bps_regsosek_keluarga", "no_kk_damaged")
    drop(con, "bps_hh", "bps_hh2", "bps_hh3", "bps_rows", "bps_ghost1")


def _susenas(con, tl: Timeline) -> None:
    """About 1 % of Regsosek families, small provinces oversampled (probability ~ 1/sqrt of
    their share, within 0.5x-4x), weight = 1 / probability, consumption measured with noise."""
    con.execute(f"""
    create table out_bps_susenas_konsumsi as
    with k as (
        select * from out_bps_regsosek_keluarga where id_keluarga <> ''
    ), p as (
        select kode_provinsi, count(*) as n from k group by all
    ), f as (
        select kode_provinsi, n,
            least(4, greatest(0.5, sqrt((select avg(n) from p) / n))) as factor from p
    ), s as (
        -- A sum of doubles depends on the order the groups arrive in, which threads decide;
        -- summed as decimals it is exact, so the same seed writes the same bytes.
        select kode_provinsi,
            {SUSENAS_SAMPLE} * factor * (select sum(n) from f)
                / (select sum((n * factor)::DECIMAL(38, 12)) from f)::DOUBLE as prob
        from f
    ), d as (
        select k.*, s.prob from k join s using (kode_provinsi) where u(k.c, 'susenas') < s.prob
    )
    select id_keluarga,
        round(pcc * exp({SUSENAS_NOISE_SD} * nrm(c, 'susenas_noise') - {SUSENAS_NOISE_SD**2 / 2}))::DOUBLE
            as pengeluaran_perkapita,
        (1 / prob)::DOUBLE as bobot, {tl.fieldwork_start.year + 1}::INTEGER as tahun,
        row_number() over (order by t_row) as t_row, id_keluarga as t_record_id, t_family_id,
        []::VARCHAR[] as t_errors
    from d order by t_row
    """)
