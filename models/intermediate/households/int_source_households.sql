-- Every household delivered by DTKS, P3KE and Regsosek, and every family a village proposed
-- that a field visit found eligible (verifikasi USULAN LAYAK, keyed by its visit), with the
-- family (civil-register family card) it is: the card most of its members carry in the register, else the card
-- the source delivered when the register knows it; else the household is unknown to the
-- register and stands as a family of its own.
with households as (
    select
        source,
        id_rt as source_household_id,
        cast(null as string) as delivered_no_kk
    from {{ ref('stg_dtks__rumah_tangga') }}
    union all
    select
        source,
        id_keluarga_p3ke,
        no_kk_clean
    from {{ ref('stg_p3ke__keluarga') }}
    union all
    select
        source,
        id_keluarga,
        no_kk_clean
    from {{ ref('stg_bps__regsosek_keluarga') }}
    union all
    select
        visits.source,
        {{ field_visit_key('visits') }},
        visits.no_kk_clean
    from {{ ref('stg_verifikasi__hasil_verifikasi') }} as visits
    where visits.jenis = 'USULAN' and visits.hasil = 'LAYAK'
),

register_cards as (
    select distinct no_kk_clean
    from {{ ref('int_person_records') }}
    where source = 'dukcapil' and no_kk_clean is not null
),

member_votes as (
    select
        records.source,
        records.source_household_id,
        persons.register_no_kk,
        count(*) as members
    from {{ ref('int_person_identity') }} as records
    inner join {{ ref('int_persons') }} as persons on records.person_id = persons.person_id
    where records.source <> 'dukcapil' and persons.register_no_kk is not null
    group by all
),

member_card as (
    select
        source,
        source_household_id,
        register_no_kk,
        members
    from member_votes
    qualify row_number() over (
        partition by source, source_household_id order by members desc, register_no_kk asc
    ) = 1
),

-- DTKS delivers the card on each member row: the household's is the most frequent one.
-- (Counted first: Spark cannot order a window by an aggregate of the same select.)
dtks_card_rows as (
    select
        source,
        source_household_id,
        no_kk_clean,
        count(*) as member_rows
    from {{ ref('int_person_records') }}
    where source = 'dtks' and no_kk_clean is not null
    group by source, source_household_id, no_kk_clean
),

dtks_delivered_card as (
    select
        source,
        source_household_id,
        no_kk_clean as delivered_no_kk
    from dtks_card_rows
    qualify row_number() over (
        partition by source, source_household_id order by member_rows desc, no_kk_clean asc
    ) = 1
)

select
    households.source,
    households.source_household_id,
    coalesce(member_card.register_no_kk, register_cards.no_kk_clean) as register_no_kk,
    coalesce(
        member_card.register_no_kk,
        register_cards.no_kk_clean,
        households.source || '/' || households.source_household_id
    ) as family_key,
    case
        when member_card.register_no_kk is not null then 'members_in_register'
        when register_cards.no_kk_clean is not null then 'delivered_card_in_register'
        else 'unknown_to_register'
    end as family_link_basis,
    coalesce(member_card.members, 0) as members_in_register
from households
left join dtks_delivered_card
    on
        households.source = dtks_delivered_card.source
        and households.source_household_id = dtks_delivered_card.source_household_id
left join member_card
    on households.source = member_card.source and households.source_household_id = member_card.source_household_id
left join register_cards
    on coalesce(households.delivered_no_kk, dtks_delivered_card.delivered_no_kk) = register_cards.no_kk_clean
