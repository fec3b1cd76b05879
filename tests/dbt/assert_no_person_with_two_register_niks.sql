-- Identity resolution never chains two register persons together: no resolved person holds
-- civil-register records of two different NIKs, nor records resolved to two NIKs.
-- Two different values are told by min <> max (NULLs aside, as count(distinct) would): plain
-- aggregates. A distinct count per person over every record ran out of memory at 28.4 M
-- persons beside the identity test (12 GB limit).
with register_niks as (
    select
        person_id,
        min(nik_clean) as register_nik_low,
        max(nik_clean) as register_nik_high
    from {{ ref('int_person_identity') }}
    where source = 'dukcapil'
    group by person_id
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
