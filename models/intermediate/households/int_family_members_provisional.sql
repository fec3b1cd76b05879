-- Every resolved person in the family they belong to, provisionally: the family card the
-- civil register gives them, else the family of a source household that lists them
-- (Regsosek first, then DTKS, then P3KE). int_family_members settles households unknown
-- to the register that int_household_families merges into another family.
with source_membership as (
    select
        records.person_id,
        households.family_key,
        row_number() over (
            partition by records.person_id
            order by case records.source when 'bps' then 1 when 'dtks' then 2 else 3 end, households.family_key
        ) as preference
    from {{ ref('int_person_identity') }} as records
    inner join {{ ref('int_source_households') }} as households
        on records.source = households.source and records.source_household_id = households.source_household_id
)

select
    persons.person_id,
    persons.jenis_kelamin,
    persons.tanggal_lahir,
    persons.hubungan_kk,
    persons.tanggal_meninggal,
    attributes.sekolah,
    attributes.disabilitas,
    attributes.hamil,
    attributes.ijazah,
    attributes.bekerja,
    attributes.penerima_pip,
    coalesce(persons.register_no_kk, source_membership.family_key) as family_key,
    persons.register_no_kk is not null as family_from_register,
    persons.tanggal_meninggal is null as is_living
from {{ ref('int_persons') }} as persons
left join source_membership
    on persons.person_id = source_membership.person_id and source_membership.preference = 1
left join {{ ref('int_person_attributes') }} as attributes on persons.person_id = attributes.person_id
where coalesce(persons.register_no_kk, source_membership.family_key) is not null
