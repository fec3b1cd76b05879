-- The village each family lives in: where most of its living members are registered in
-- the civil register; for a family the register does not place, where most records of
-- the source households linked to it say it lives. (Counted first: Spark cannot order a
-- window by an aggregate of the same select.)
with register_village_records as (
    select
        members.family_key,
        records.kode_desa,
        count(*) as records_in_village
    from {{ ref('int_family_members') }} as members
    inner join {{ ref('int_person_identity') }} as records
        on members.person_id = records.person_id and records.source = 'dukcapil'
    where members.is_living and records.kode_desa is not null
    group by members.family_key, records.kode_desa
),

register_village as (
    select
        family_key,
        kode_desa
    from register_village_records
    qualify row_number() over (partition by family_key order by records_in_village desc, kode_desa asc) = 1
),

source_village_records as (
    select
        households.family_key,
        records.kode_desa,
        count(*) as records_in_village
    from {{ ref('int_household_families') }} as households
    inner join {{ ref('int_person_records') }} as records
        on households.source = records.source and households.source_household_id = records.source_household_id
    where records.kode_desa is not null
    group by households.family_key, records.kode_desa
),

source_village as (
    select
        family_key,
        kode_desa
    from source_village_records
    qualify row_number() over (partition by family_key order by records_in_village desc, kode_desa asc) = 1
)

select
    coalesce(register_village.family_key, source_village.family_key) as family_key,
    coalesce(register_village.kode_desa, source_village.kode_desa) as kode_desa,
    case when register_village.family_key is not null then 'register' else 'source_household' end as village_basis
from register_village
full outer join source_village on register_village.family_key = source_village.family_key
