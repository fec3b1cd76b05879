-- Identity resolution never chains two register persons together: no resolved person holds
-- civil-register records of two different NIKs, nor records resolved to two NIKs.
-- Two different values are told by min <> max (NULLs aside, as count(distinct) would): plain
-- aggregates, and only the register's records joined. A distinct count per person over
-- every record ran out of memory at 28.4 M persons beside the identity test (12 GB limit).
with register_niks as (
    select
        resolved.person_id,
        min(records.nik_clean) as register_nik_low,
        max(records.nik_clean) as register_nik_high
    from {{ ref('int_person_identity') }} as resolved
    inner join {{ ref('int_person_records') }} as records
        on resolved.record_key = records.record_key
    -- int_person_identity.source is its record's source; filtering both sides keeps the join small
    where resolved.source = 'dukcapil' and records.source = 'dukcapil'
    group by resolved.person_id
),

resolved_niks as (
    select
        person_id,
        min(resolved_nik) as resolved_nik_low,
        max(resolved_nik) as resolved_nik_high
    from {{ ref('int_person_identity') }}
    group by person_id
)

select
    resolved_niks.person_id,
    register_niks.register_nik_low,
    register_niks.register_nik_high,
    resolved_niks.resolved_nik_low,
    resolved_niks.resolved_nik_high
from resolved_niks
left join register_niks
    on resolved_niks.person_id = register_niks.person_id
where
    register_niks.register_nik_low <> register_niks.register_nik_high
    or resolved_niks.resolved_nik_low <> resolved_niks.resolved_nik_high
