-- Every duplicate group in mart_duplicates is a real duplicate. person_twice_in_source: all
-- records are one person of one source file (the group is named '<source>:<person>') and
-- there are at least two of them.
-- nik_of_several_persons: the group is named by the shared NIK's pseudonym and names at
-- least two persons. family_twice_in_dtks: two or more DTKS households of the one family
-- the group names. Returns the groups that break a rule.
with per_file as (
    select
        duplicate_kind,
        duplicate_group_id,
        source,
        source_file,
        count(*) as records
    from {{ ref('mart_duplicates') }}
    group by duplicate_kind, duplicate_group_id, source, source_file
),

groups_by_file as (
    select
        duplicate_kind,
        duplicate_group_id,
        min(records) as fewest_records_in_a_file
    from per_file
    group by duplicate_kind, duplicate_group_id
)

select
    duplicates.duplicate_kind,
    duplicates.duplicate_group_id,
    count(*) as records
from {{ ref('mart_duplicates') }} as duplicates
inner join groups_by_file
    on
        duplicates.duplicate_kind = groups_by_file.duplicate_kind
        and duplicates.duplicate_group_id = groups_by_file.duplicate_group_id
group by duplicates.duplicate_kind, duplicates.duplicate_group_id
having
    count(*) < 2
    or duplicates.duplicate_kind = 'person_twice_in_source'
    and (
        min(groups_by_file.fewest_records_in_a_file) < 2
        or count(distinct duplicates.source_file) <> 1
        or count(distinct duplicates.person_id) <> 1
        or min(duplicates.source) || ':' || min(duplicates.person_id) <> duplicates.duplicate_group_id
    )
    or duplicates.duplicate_kind = 'nik_of_several_persons'
    and (
        count(distinct duplicates.person_id) < 2
        or min(duplicates.nik_pseudonym) <> duplicates.duplicate_group_id
        or max(duplicates.nik_pseudonym) <> duplicates.duplicate_group_id
    )
    or duplicates.duplicate_kind = 'family_twice_in_dtks'
    and (
        min(duplicates.source) <> 'dtks'
        or max(duplicates.source) <> 'dtks'
        or min(duplicates.family_id) <> duplicates.duplicate_group_id
        or max(duplicates.family_id) <> duplicates.duplicate_group_id
    )
