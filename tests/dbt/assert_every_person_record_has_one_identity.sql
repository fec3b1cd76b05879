-- Identity resolution: every staged person record (int_person_records) has a row in
-- int_person_identity. With the unique tests on both tables' record_key and the
-- relationships test from identity to records, every record has exactly one identity and
-- there is no other. An anti-join holds only record keys: a full outer join of the two
-- tables grouped by key ran out of memory at 28.4 M persons (74 M records, 12 GB limit).
select records.record_key
from {{ ref('int_person_records') }} as records
where not exists (
    select 1
    from {{ ref('int_person_identity') }} as resolved
    where resolved.record_key = records.record_key
)
