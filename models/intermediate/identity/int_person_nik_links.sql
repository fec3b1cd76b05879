-- Exact identity links on the NIK: one row per staged person record, saying whether its NIK
-- ties it to a person of the civil register (dukcapil) and whether that tie is trusted.
-- The register may list one person twice under the same NIK: that is one person.
-- A record whose NIK is in the register links to that register person when name and birth
-- date agree with it, or one of them does and neither sex nor being the head disagrees: a
-- spouse or child listed with the head's NIK is often born within a month of the head, or
-- named with the head's name as a patronymic, and says so by sex and relation. Being the head
-- is compared only on one card: a relation to the head is defined on a card, and a child
-- still listed under the parents' old card may head a card of its own in the register.
-- A link resting on one agreement gives way when another register person on the record's
-- card agrees on both name and birth date: the NIK is that family member's (a sister's
-- NIK on a form whose name holds the sister's). The other records (the NIK of another
-- person), and records with a missing, damaged or unknown NIK, go to probabilistic matching.
-- Each step reads the features table itself: a CTE read three times is materialised by
-- DuckDB, and at national scale every record would be spilled to disk and scanned back.
{% set given = " (BIN|BINTI) .*$" %}
{% set record_given = replace_pattern('records.name_key', given, '', 'g') %}
with register as (
    select
        nik_clean as register_nik,
        name_key,
        {{ replace_pattern('name_key', given, '', 'g') }} as given_name_key,
        name_words,
        name_sorted,
        birth_date,
        sex,
        hubungan_kk,
        no_kk
    from {{ ref('int_person_match_features') }}
    where source = 'dukcapil' and nik_clean is not null
),

compared as (
    select
        records.record_key,
        register.register_nik,
        -- Forms a name takes for the same person: equal as a key, other word order, a single
        -- name (words of one contained in the other), one typo, or very close spelling; the
        -- spelling compared before a patronymic (BIN/BINTI and the father's name), which one
        -- source writes and another leaves out, as the words are.
        -- (case, not or: the costly comparisons only run when the cheap ones fail)
        case
            when records.name_key is null or register.name_key is null then false
            when records.name_key = register.name_key or records.name_sorted = register.name_sorted then true
            else
                {{ list_contains_all('records.name_words', 'register.name_words') }}
                or {{ list_contains_all('register.name_words', 'records.name_words') }}
                or {{ within_one_edit(record_given, 'register.given_name_key') }}
                or jaro_winkler_similarity({{ record_given }}, register.given_name_key) >= 0.95
        end as name_agrees,
        -- Forms a birth date takes for the same person: equal, off by up to a month, off by a
        -- year on the same day, day and month swapped, or only the year known (a placeholder
        -- 1 January, 1 July or 31 December of the right year).
        case
            when records.birth_date is null or register.birth_date is null then false
            when records.birth_date = register.birth_date then true
            else
                abs({{ days_between('records.birth_date', 'register.birth_date') }}) <= 31
                or (
                    month(records.birth_date) = month(register.birth_date)
                    and day(records.birth_date) = day(register.birth_date)
                    and abs(year(records.birth_date) - year(register.birth_date)) = 1
                )
                or (
                    year(records.birth_date) = year(register.birth_date)
                    and (
                        (
                            month(records.birth_date) = day(register.birth_date)
                            and day(records.birth_date) = month(register.birth_date)
                        )
                        or month(records.birth_date) * 100 + day(records.birth_date) in (101, 701, 1231)
                        or month(register.birth_date) * 100 + day(register.birth_date) in (101, 701, 1231)
                    )
                )
        end as birth_date_agrees,
        coalesce(records.sex != register.sex, false)
        or (
            coalesce(records.no_kk = register.no_kk, true)
            and coalesce((records.hubungan_kk = 1) != (register.hubungan_kk = 1), false)
        ) as sex_or_head_differs
    from {{ ref('int_person_match_features') }} as records
    inner join register
        on records.nik_clean = register.register_nik
    where records.source != 'dukcapil'
),

-- A register NIK listed twice: the record agrees with the person if it agrees with either row.
best as (
    select
        record_key,
        register_nik,
        bool_or(name_agrees) as name_agrees,
        bool_or(birth_date_agrees) as birth_date_agrees,
        bool_or(
            (name_agrees and birth_date_agrees)
            or ((name_agrees or birth_date_agrees) and not sex_or_head_differs)
        ) as is_same_person
    from compared
    group by record_key, register_nik
),

-- Records with a register person on their card, other than the one their NIK names, of the
-- same birth date and the same or a very close name.
card_mate_agrees as (
    select distinct records.record_key
    from {{ ref('int_person_match_features') }} as records
    inner join {{ ref('int_person_match_features') }} as mate
        on
            records.no_kk = mate.no_kk
            and records.birth_date = mate.birth_date
            and records.nik_clean != mate.nik_clean
    where
        records.source != 'dukcapil'
        and mate.source = 'dukcapil'
        and {{ names_close('records', 'mate') }}
)

select
    records.record_key,
    records.source,
    records.nik_status,
    best.name_agrees,
    best.birth_date_agrees,
    case
        when records.source = 'dukcapil' and records.nik_clean is not null then records.nik_clean
        when best.record_key is not null then best.register_nik
    end as register_nik,
    case
        when records.source = 'dukcapil' and records.nik_clean is not null then 'register_record'
        when best.record_key is null and records.nik_clean is null then 'no_valid_nik'
        when best.record_key is null then 'not_in_register'
        when not best.is_same_person then 'contradicted'
        when card_mate_agrees.record_key is not null and not (best.name_agrees and best.birth_date_agrees)
            then 'contradicted'
        else 'nik_register'
    end as nik_link,
    nik_link in ('register_record', 'nik_register') as is_nik_trusted
from {{ ref('int_person_match_features') }} as records
left join best
    on records.record_key = best.record_key
left join card_mate_agrees
    on records.record_key = card_mate_agrees.record_key
