-- Identity resolution: int_person_identity holds exactly the records of int_person_records,
-- once each. Both tables' record_key is tested unique; so when every record has a row in
-- int_person_identity and the two count the same rows, there is no other row (the counts
-- replace a costlier relationships test from identity to records). The anti-join holds only
-- record keys: a full outer join of the two tables grouped by key runs out of memory on
-- large populations.
with records_without_identity as (
    select
        records.record_key,
        'record without identity' as problem
    from {{ ref('int_person_records') }} as records
    where not exists (
        select 1
        from {{ ref('int_person_identity') }} as resolved
        where resolved.record_key = records.record_key
    )
),

row_counts as (
    select
        (select count(*) from {{ ref('int_person_records') }}) as records,
        (select count(*) from {{ ref('int_person_identity') }}) as identities
)

select
    record_key,
    problem
from records_without_identity
union all
select
    null as record_key,
    'identities ' || cast(identities as string) || ' <> records ' || cast(records as string) as problem
from row_counts
where identities <> records
