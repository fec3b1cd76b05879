-- Identity resolution: every staged person record (int_person_records) has exactly one row
-- in int_person_identity, and int_person_identity has no other rows.
select
    coalesce(records.record_key, resolved.record_key) as record_key,
    count(records.record_key) as record_rows,
    count(resolved.record_key) as identity_rows
from {{ ref('int_person_records') }} as records
full outer join {{ ref('int_person_identity') }} as resolved
    on records.record_key = resolved.record_key
group by coalesce(records.record_key, resolved.record_key)
having count(records.record_key) != 1 or count(resolved.record_key) != 1
