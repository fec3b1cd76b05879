-- Every resolved person in the family they belong to: the family card the civil register
-- gives them, else the family of a source household that lists them (Regsosek first,
-- then DTKS, then P3KE), where a household unknown to the register follows its members
-- into the family int_household_families gives it. The dead stay listed, marked, and are
-- not counted as living.
with merged_households as (
    select
        family_key,
        source || '/' || source_household_id as provisional_family_key
    from {{ ref('int_household_families') }}
    where family_link_basis = 'unknown_to_register'
)

select
    provisional.person_id,
    provisional.jenis_kelamin,
    provisional.tanggal_lahir,
    provisional.hubungan_kk,
    provisional.tanggal_meninggal,
    provisional.sekolah,
    provisional.disabilitas,
    provisional.hamil,
    provisional.ijazah,
    provisional.bekerja,
    provisional.penerima_pip,
    provisional.family_from_register,
    provisional.is_living,
    coalesce(merged_households.family_key, provisional.family_key) as family_key
from {{ ref('int_family_members_provisional') }} as provisional
left join merged_households on provisional.family_key = merged_households.provisional_family_key
