-- Identity resolution never chains two register persons together: no resolved person holds
-- civil-register records of two different NIKs, nor records resolved to two NIKs.
select
    resolved.person_id,
    count(distinct records.nik_clean) filter (where records.source = 'dukcapil') as register_niks,
    count(distinct resolved.resolved_nik) as resolved_niks
from {{ ref('int_person_identity') }} as resolved
inner join {{ ref('int_person_records') }} as records
    on resolved.record_key = records.record_key
group by resolved.person_id
having
    count(distinct records.nik_clean) filter (where records.source = 'dukcapil') > 1
    or count(distinct resolved.resolved_nik) > 1
