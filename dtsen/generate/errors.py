"""How each kind of error changes a delivered value: SQL macros used by agencies.py.

Each macro takes a row key k (hashed with a salt, so the damage is reproducible) and
returns the damaged value; the *_form macros draw which variant of a kind a row gets.
Forms and their weights are documented in docs/synthetic-data.md.
"""

from __future__ import annotations

import duckdb

from dtsen.generate import names
from dtsen.generate.db import sql_list, sql_str

# Damage forms of an identifier (docs/contract.md "Identifiers"), with weights.
NIK_FORMS = [
    ("blank", 0.25),
    ("zero", 0.05),
    ("len15", 0.10),
    ("len17", 0.05),
    ("spaces", 0.06),
    ("padded", 0.02),
    ("dots", 0.07),
    ("dashes", 0.05),
    ("apostrophe", 0.10),
    ("dot0", 0.10),
    ("exponent", 0.15),
]
# Name variants, with weights; a form that does not fit a name (no second word to drop,
# no Muhammad to respell, a child given a title) falls back to a typo or a case change.
NAME_FORMS = [
    ("title", 0.20),
    ("muhammad", 0.15),
    ("single_name", 0.15),
    ("typo", 0.20),
    ("word_order", 0.10),
    ("case", 0.10),
    ("old_spelling", 0.10),
]
BIRTHDATE_SHIFTS = [("days", 0.35), ("month", 0.2), ("year", 0.2), ("swap", 0.15), ("mid_year", 0.1)]

_MUHAMMAD = "(^| )(" + "|".join(s.replace(".", r"\.") for s in names.MUHAMMAD_SPELLINGS) + ")( |$)"


def _form_case(forms: list[tuple[str, float]], draw: str) -> str:
    whens, cum = [], 0.0
    for form, weight in forms[:-1]:
        cum += weight
        whens.append(f"when {draw} < {cum:.6f} then '{form}'")
    return f"case {' '.join(whens)} else '{forms[-1][0]}' end"


def install(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create macro nik_form(k, salt) as {_form_case(NIK_FORMS, 'u(k, salt)')}")
    # s is a clean 16-digit string; a digit is dropped or inserted at position p.
    con.execute(r"""
    create macro damage_id(s, form, k) as case form
        when 'blank' then NULL
        when 'zero' then '0'
        when 'len15' then s[1:pick(k, 'dp', 16)] || s[pick(k, 'dp', 16) + 2:]
        when 'len17' then s[1:pick(k, 'dp', 16)] || pick(k, 'dd', 10)::VARCHAR || s[pick(k, 'dp', 16) + 1:]
        when 'spaces' then case when u(k, 'ds') < .75 then s[1:4] || ' ' || s[5:8] || ' ' || s[9:12]
            || ' ' || s[13:16]
                                else s[1:6] || ' ' || s[7:12] || ' ' || s[13:16] end
        -- copied from a spreadsheet cell or a form: spaces or tabs around the number
        when 'padded' then case when u(k, 'ds') < .5 then ' ' || s || ' '
                                when u(k, 'ds') < .75 then chr(9) || s
                                else chr(9) || s || ' ' || chr(9) end
        when 'dots' then s[1:2] || '.' || s[3:4] || '.' || s[5:6] || '.' || s[7:12] || '.' || s[13:16]
        when 'dashes' then s[1:6] || '-' || s[7:12] || '-' || s[13:16]
        when 'apostrophe' then '''' || s
        when 'dot0' then s || '.0'
        when 'exponent' then regexp_replace(regexp_replace(printf('%.5E', s::DOUBLE), '0+E', 'E'), '\.E', 'E')
    end
    """)
    # A 16-digit NIK typed wrong, still 16 digits: two adjacent digits swapped (if they
    # differ) or one digit replaced by another. The form drawn: 'transposed' or 'mistyped'.
    con.execute("""
    create macro mistype_form(s, k) as case
        when u(k, 'mtf') < .5 and s[pick(k, 'mtp', 15) + 1] <> s[pick(k, 'mtp', 15) + 2] then 'transposed'
        else 'mistyped' end
    """)
    con.execute("""
    create macro mistype_id(s, form, k) as case form
        when 'transposed' then s[1:pick(k, 'mtp', 15)] || s[pick(k, 'mtp', 15) + 2]
            || s[pick(k, 'mtp', 15) + 1] || s[pick(k, 'mtp', 15) + 3:]
        else s[1:pick(k, 'mdp', 16)]
            || ((s[pick(k, 'mdp', 16) + 1]::INT + 1 + pick(k, 'mdd', 9)) % 10)::VARCHAR
            || s[pick(k, 'mdp', 16) + 2:]
    end
    """)
    has_space = "contains(n, ' ')"
    fits = {
        "title": "age >= 25",
        "muhammad": f"regexp_matches(n, '{_MUHAMMAD}')",
        "single_name": has_space,
        "typo": "true",
        "word_order": has_space,
        "case": "true",
        "old_spelling": "regexp_matches(n, '[UJCY]|KH')",
    }
    whens, cum = [], 0.0
    for form, weight in NAME_FORMS:
        cum += weight
        whens.append(f"when u(k, salt) < {cum:.6f} then case when {fits[form]} then '{form}' end")
    # NULL (the drawn form does not fit) makes name_variant fall back to a typo or a case change.
    con.execute(f"create macro name_form(n, age, k, salt) as case {' '.join(whens)} end")
    spellings = sql_list(names.MUHAMMAD_SPELLINGS)
    n_spell = len(names.MUHAMMAD_SPELLINGS)
    prefix_m, prefix_f = sql_list(names.TITLES_PREFIX["m"]), sql_list(names.TITLES_PREFIX["f"])
    suffixes = sql_list(names.DEGREE_SUFFIXES)
    con.execute(f"""
    create macro name_variant(n, form, k, jk, agama) as
    case coalesce(form, case when u(k, 'nf') < .5 then 'typo' else 'case' end)
        when 'title' then case
            when agama = 'ISLAM' and u(k, 'nt') < .6 then case
                when jk = 1 then {sql_str(names.TITLES_MUSLIM["m"])}
                else {sql_str(names.TITLES_MUSLIM["f"])} end || n
            when u(k, 'nt') < .8
                then (case when jk = 1 then {prefix_m} else {prefix_f} end)[1 + pick(k, 'np', 3)] || n
            else n || {suffixes}[1 + pick(k, 'ns', {len(names.DEGREE_SUFFIXES)})] end
        when 'muhammad' then regexp_replace(n, '{_MUHAMMAD}', '\\1' || (
            case when {spellings}[1 + pick(k, 'nm', {n_spell})] = regexp_extract(n, '{_MUHAMMAD}', 2)
                 then {spellings}[1 + (pick(k, 'nm', {n_spell}) + 1) % {n_spell}]
                 else {spellings}[1 + pick(k, 'nm', {n_spell})] end) || '\\3')
        when 'single_name' then case when string_split(n, ' ')[1] in ('I', 'NI') then string_split(n, ' ')[-1]
                                     else string_split(n, ' ')[1] end
        when 'typo' then case pick(k, 'ty', 3)
            when 0 then n[1:pick(k, 'tp', length(n))] || n[pick(k, 'tp', length(n)) + 2:]
            when 1 then n[1:pick(k, 'tp', length(n)) + 1] || n[pick(k, 'tp', length(n)) + 1:]
            else n[1:pick(k, 'tp', length(n))] || n[pick(k, 'tp', length(n)) + 2:pick(k, 'tp', length(n)) + 2]
                 || n[pick(k, 'tp', length(n)) + 1:pick(k, 'tp', length(n)) + 1]
                     || n[pick(k, 'tp', length(n)) + 3:] end
        when 'word_order'
            then array_to_string(list_concat(string_split(n, ' ')[2:], [string_split(n, ' ')[1]]), ' ')
        when 'case' then case when u(k, 'nc') < .5 then lower(n)
            else array_to_string(
                list_transform(string_split(lower(n), ' '), lambda w: upper(w[1]) || w[2:]), ' ') end
        -- the spelling before 1972 (EYD), all of it: J was DJ, Y was J (so NY, SY were NJ,
        -- SJ), C was TJ, KH was CH, U was OE. SUKARNO -> SOEKARNO, YUSUF -> JOESOEF.
        when 'old_spelling' then replace(replace(replace(replace(replace(
            n, 'J', 'DJ'), 'Y', 'J'), 'C', 'TJ'), 'KH', 'CH'), 'U', 'OE')
    end
    """)
    con.execute(f"create macro shift_form(k, salt) as {_form_case(BIRTHDATE_SHIFTS, 'u(k, salt)')}")
    con.execute("""
    create macro shift_date(d, form, k) as case
        when form = 'month' then (d + to_months(case when u(k, 'sd') < .5 then -1 else 1 end))::DATE
        when form = 'year' then (d + to_years(case when u(k, 'sd') < .5 then -1 else 1 end))::DATE
        when form = 'swap' and day(d) <= 12 and day(d) <> month(d) then make_date(year(d), day(d), month(d))
        when form = 'mid_year' then case when u(k, 'sd') < .5 then make_date(year(d), 7, 1)
                                         else make_date(year(d), 12, 31) end
        else d + (1 + pick(k, 'sn', 5)) * case when u(k, 'sd') < .5 then -1 else 1 end
    end
    """)
    # Unparseable dates, in the dialect's own shape so that they look like typing errors.
    con.execute("""
    create macro bad_date(d, dialect, k) as case pick(k, 'bd', 3)
        when 0 then case dialect when 'dmy' then '31/02/' || year(d) else year(d) || '-02-31' end
        when 1 then case dialect when 'dmy' then '00/00/0000' else year(d) || '-13-01' end
        else '-' end
    """)
