-- DEV STUB (worktree only): exact register NIK linking.
with register as (
    select distinct nik_clean from {{ ref('int_person_records') }}
    where source = 'dukcapil' and nik_clean is not null
)
select
    records.record_key,
    records.source,
    register.nik_clean as resolved_nik,
    cast(null as double) as match_probability,
    md5(coalesce('nik:' || register.nik_clean, 'rec:' || records.record_key)) as person_id,
    case when register.nik_clean is not null then 'nik_register' else 'none' end as link_rule
from {{ ref('int_person_records') }} as records
left join register on records.nik_clean = register.nik_clean
