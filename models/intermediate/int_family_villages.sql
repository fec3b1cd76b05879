-- The village each family lives in: where most of its living members are registered in
-- the civil register; for a family the register does not place, where most records of
-- the source households linked to it say it lives.
with register_village as (
    select
        members.family_key,
        records.kode_desa
    from {{ ref('int_family_members') }} as members
    inner join {{ ref('int_person_identity') }} as identities on members.person_id = identities.person_id
    inner join {{ ref('int_person_records') }} as records
        on identities.record_key = records.record_key and records.source = 'dukcapil'
    where members.is_living and records.kode_desa is not null
    group by members.family_key, records.kode_desa
    qualify row_number() over (partition by members.family_key order by count(*) desc, records.kode_desa) = 1
),

source_village as (
    select
        households.family_key,
        records.kode_desa
    from {{ ref('int_household_families') }} as households
    inner join {{ ref('int_person_records') }} as records
        on households.source = records.source and households.source_household_id = records.source_household_id
    where records.kode_desa is not null
    group by households.family_key, records.kode_desa
    qualify row_number() over (partition by households.family_key order by count(*) desc, records.kode_desa) = 1
)

select
    coalesce(register_village.family_key, source_village.family_key) as family_key,
    coalesce(register_village.kode_desa, source_village.kode_desa) as kode_desa,
    case when register_village.family_key is not null then 'register' else 'source_household' end as village_basis
from register_village
full outer join source_village on register_village.family_key = source_village.family_key
