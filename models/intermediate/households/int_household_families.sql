-- The family each delivered household finally belongs to. A household the register does
-- not know can still hold persons resolved to a family elsewhere (the same made-up family
-- delivered by DTKS and P3KE, say): it then joins the family most of its members are in,
-- so that no family is known by its indicators or receipt but has no members.
with member_families as (
    select
        records.source,
        records.source_household_id,
        members.family_key,
        count(*) as members
    from {{ ref('int_person_identity') }} as records
    inner join {{ ref('int_family_members_provisional') }} as members on records.person_id = members.person_id
    where records.source <> 'dukcapil'
    group by records.source, records.source_household_id, members.family_key
),

members_family as (
    select
        source,
        source_household_id,
        family_key
    from member_families
    qualify row_number() over (
        partition by source, source_household_id order by members desc, family_key asc
    ) = 1
)

select
    households.source,
    households.source_household_id,
    households.family_link_basis,
    case
        when households.family_link_basis = 'unknown_to_register'
            then coalesce(members_family.family_key, households.family_key)
        else households.family_key
    end as family_key
from {{ ref('int_source_households') }} as households
left join members_family
    on
        households.source = members_family.source
        and households.source_household_id = members_family.source_household_id
