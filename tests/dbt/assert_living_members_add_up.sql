-- Household size counts every living member exactly once: per family, jumlah_anggota in
-- fct_household equals the living persons int_family_members puts in that family (so the
-- mart's total equals all living persons with a family). Returns the families that
-- disagree, with both counts.
with living as (
    select
        family_key,
        count(*) as living_members
    from {{ ref('int_family_members') }}
    where is_living
    group by family_key
),

households as (
    select
        pseudonyms.identifier as family_key,
        households.jumlah_anggota
    from {{ ref('fct_household') }} as households
    inner join {{ ref('int_family_pseudonyms') }} as pseudonyms
        on households.family_id = pseudonyms.pseudonym
)

select
    households.jumlah_anggota,
    living.living_members,
    coalesce(households.family_key, living.family_key) as family_key
from households
full outer join living on households.family_key = living.family_key
where coalesce(households.jumlah_anggota, -1) <> coalesce(living.living_members, 0)
