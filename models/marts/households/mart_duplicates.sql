-- Duplicates found while resolving identities (int_duplicate_records), one row per record
-- involved, grouped: person_twice_in_source, family_twice_in_dtks, nik_of_several_persons.
-- Records are named by source, file and the keyed pseudonym of the agency's record id (the
-- agencies' own ids stay in the working database); persons, families and NIKs by pseudonym.
select
    duplicates.duplicate_kind,
    duplicates.source,
    duplicates.source_file,
    records.pseudonym as source_record_id,
    persons.pseudonym as person_id,
    families.pseudonym as family_id,
    niks.pseudonym as nik_pseudonym,
    -- A group is named by the keyed pseudonym of what its records share; a person delivered
    -- twice makes one group per source, NIK and family groups may span sources.
    case duplicates.duplicate_kind
        when 'person_twice_in_source' then duplicates.source || ':' || persons.pseudonym
        when 'family_twice_in_dtks' then families.pseudonym
        when 'nik_of_several_persons' then niks.pseudonym
    end as duplicate_group_id
from {{ ref('int_duplicate_records') }} as duplicates
left join {{ ref('int_record_pseudonyms') }} as records on duplicates.record_name = records.identifier
left join {{ ref('int_person_pseudonyms') }} as persons
    on {{ person_pseudonym_identifier('duplicates.person_id') }} = persons.identifier
left join {{ ref('int_family_pseudonyms') }} as families on duplicates.family_key = families.identifier
left join {{ ref('int_nik_pseudonyms') }} as niks on duplicates.nik_clean = niks.identifier
