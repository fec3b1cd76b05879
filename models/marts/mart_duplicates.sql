-- Duplicates found while resolving identities, one row per record involved, grouped:
--   person_twice_in_source  one resolved person delivered more than once by one source;
--   family_twice_in_dtks    one family registered as more than one DTKS household;
--   nik_of_several_persons  one NIK carried by records of different resolved persons.
-- Records are named by source, file and the agency's own record id; NIKs by pseudonym.
with records as (
    select
        records.record_key,
        records.source,
        records.source_file,
        records.source_record_id,
        records.source_household_id,
        records.nik_clean,
        identities.person_id
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('int_person_identity') }} as identities on records.record_key = identities.record_key
),

-- Groups found by hash aggregates, their records by semi-joins: a window over every record
-- sorted all of them (the slowest mart at 10 % of the population).
persons_twice_in_a_file as (
    select
        source,
        source_file,
        person_id
    from records
    group by source, source_file, person_id
    having count(*) > 1
),

person_twice as (
    select
        'person_twice_in_source' as duplicate_kind,
        'person' as group_kind,
        records.person_id as group_identifier,
        records.source,
        records.source_file,
        records.source_record_id,
        records.person_id,
        cast(null as string) as family_key,
        cast(null as string) as nik_clean
    from records
    semi join persons_twice_in_a_file as twice
        on
            records.source = twice.source
            and records.source_file = twice.source_file
            and records.person_id = twice.person_id
),

family_twice as (
    select
        'family_twice_in_dtks' as duplicate_kind,
        'family' as group_kind,
        family_key as group_identifier,
        source,
        'rumah_tangga.csv' as source_file,
        source_household_id as source_record_id,
        cast(null as string) as person_id,
        family_key,
        cast(null as string) as nik_clean
    from {{ ref('int_household_families') }}
    where source = 'dtks'
    qualify count(*) over (partition by family_key) > 1
),

niks_of_several_persons as (
    select nik_clean
    from records
    where nik_clean is not null
    group by nik_clean
    having count(distinct person_id) > 1
),

nik_shared as (
    select
        'nik_of_several_persons' as duplicate_kind,
        'nik' as group_kind,
        records.nik_clean as group_identifier,
        records.source,
        records.source_file,
        records.source_record_id,
        records.person_id,
        cast(null as string) as family_key,
        records.nik_clean
    from records
    semi join niks_of_several_persons as shared
        on records.nik_clean = shared.nik_clean
),

duplicates as (
    select * from person_twice
    union all
    select * from family_twice
    union all
    select * from nik_shared
)

select
    duplicates.duplicate_kind,
    duplicates.source,
    duplicates.source_file,
    duplicates.source_record_id,
    persons.pseudonym as person_id,
    families.pseudonym as family_id,
    niks.pseudonym as nik_pseudonym,
    -- A group is named by the keyed pseudonym of what its records share; a person delivered
    -- twice makes one group per source, NIK and family groups may span sources.
    case when duplicates.duplicate_kind = 'person_twice_in_source' then duplicates.source || ':' else '' end
    || group_pseudonyms.pseudonym as duplicate_group_id
from duplicates
inner join {{ ref('int_pseudonyms') }} as group_pseudonyms
    on
        duplicates.group_kind = group_pseudonyms.identifier_kind
        and duplicates.group_identifier = group_pseudonyms.identifier
left join {{ ref('int_pseudonyms') }} as persons
    on persons.identifier_kind = 'person' and duplicates.person_id = persons.identifier
left join {{ ref('int_pseudonyms') }} as families
    on families.identifier_kind = 'family' and duplicates.family_key = families.identifier
left join {{ ref('int_pseudonyms') }} as niks
    on niks.identifier_kind = 'nik' and duplicates.nik_clean = niks.identifier
