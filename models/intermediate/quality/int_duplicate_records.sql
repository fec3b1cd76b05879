-- The records of mart_duplicates, with their raw identifiers: duplicates found while
-- resolving identities, one row per record involved, grouped:
--   person_twice_in_source  one resolved person delivered more than once by one source;
--   family_twice_in_dtks    one family registered as more than one DTKS household;
--   nik_of_several_persons  one NIK carried by records of different resolved persons.
-- record_name names the record in text ('<source>/<file>/<record id>', not the numeric
-- record_key of int_person_records); the mart shows its keyed pseudonym
-- (int_record_pseudonyms) instead of the agency's record id.
-- Groups are found by hash aggregates on narrow columns of int_person_identity (every
-- record with its person) and their records picked by semi joins: every record with all
-- its columns, read once per kind, does not fit in memory at large populations. The few
-- records picked take their lineage (file, agency's id) from int_person_records.
with persons_twice_in_a_source as (
    select
        source,
        person_id
    from {{ ref('int_person_identity') }}
    group by source, person_id
    having count(*) > 1
),

person_twice as (
    select
        'person_twice_in_source' as duplicate_kind,
        lineage.source,
        lineage.source_file,
        lineage.source_record_id,
        records.person_id,
        cast(null as string) as family_key,
        cast(null as string) as nik_clean
    from {{ ref('int_person_identity') }} as records
    semi join persons_twice_in_a_source as twice
        on records.source = twice.source and records.person_id = twice.person_id
    inner join {{ ref('int_person_records') }} as lineage on records.record_key = lineage.record_key
    -- Twice in a source is twice in one of its files.
    qualify count(*) over (partition by lineage.source, lineage.source_file, records.person_id) > 1
),

family_twice as (
    select
        'family_twice_in_dtks' as duplicate_kind,
        source,
        'rumah_tangga.csv' as source_file,
        source_household_id as source_record_id,
        cast(null as bigint) as person_id,
        family_key,
        cast(null as string) as nik_clean
    from {{ ref('int_household_families') }}
    where source = 'dtks'
    qualify count(*) over (partition by family_key) > 1
),

niks_of_several_persons as (
    select nik_clean
    from {{ ref('int_person_identity') }}
    where nik_clean is not null
    group by nik_clean
    having min(person_id) <> max(person_id)
),

nik_shared as (
    select
        'nik_of_several_persons' as duplicate_kind,
        lineage.source,
        lineage.source_file,
        lineage.source_record_id,
        records.person_id,
        cast(null as string) as family_key,
        records.nik_clean
    from {{ ref('int_person_identity') }} as records
    semi join niks_of_several_persons as shared on records.nik_clean = shared.nik_clean
    inner join {{ ref('int_person_records') }} as lineage on records.record_key = lineage.record_key
),

duplicates as (
    select * from person_twice
    union all
    select * from family_twice
    union all
    select * from nik_shared
)

select
    {{ record_lineage_name('duplicates') }} as record_name,
    duplicates.*
from duplicates
