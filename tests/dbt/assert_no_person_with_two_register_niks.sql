-- Identity resolution never chains two register persons together: no resolved person holds
-- civil-register records of two different NIKs, nor records resolved to two NIKs.
-- Two different values are told by min <> max (NULLs aside, as count(distinct) would), all
-- four in one aggregate over the records, on the NIKs as numbers: both columns are 16
-- digits or NULL, so the number tells two NIKs apart exactly as the string does, and a
-- minimum of numbers costs a fraction of one of strings. A distinct count per person runs
-- out of memory on large populations, and two aggregates joined by person cost twice one.
with person_niks as (
    select
        person_id,
        min(case when source = 'dukcapil' then cast(nik_clean as bigint) end) as register_nik_low,
        max(case when source = 'dukcapil' then cast(nik_clean as bigint) end) as register_nik_high,
        min(cast(resolved_nik as bigint)) as resolved_nik_low,
        max(cast(resolved_nik as bigint)) as resolved_nik_high
    from {{ ref('int_person_identity') }}
    group by person_id
)

select
    person_id,
    register_nik_low,
    register_nik_high,
    resolved_nik_low,
    resolved_nik_high
from person_niks
where
    register_nik_low <> register_nik_high
    or resolved_nik_low <> resolved_nik_high
