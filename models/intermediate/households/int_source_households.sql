-- Every household delivered by DTKS, P3KE and Regsosek, and every family a village proposed
-- that a field visit found eligible (verifikasi USULAN LAYAK, keyed by its visit), with the
-- family (civil-register family card) it is: the card most of its members carry in the register, else the card
-- the source delivered when the register knows it; else the household is unknown to the
-- register and stands as a family of its own. A tie between cards goes to the head's card,
-- then to the delivered one: a parent and a child who has since taken a card of his own
-- are the parent's household.
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
        count(*) as members,
        max(case when records.hubungan_kk = 1 then 1 else 0 end) as is_head_card
    from {{ ref('int_person_identity') }} as records
    inner join {{ ref('int_persons') }} as persons on records.person_id = persons.person_id
    where records.source <> 'dukcapil' and persons.register_no_kk is not null
    group by all
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
),

-- DTKS households none of whose member rows could be staged, all of them quarantined: the
-- register may well know the family; nobody can tell until the rows are delivered again.
dtks_quarantined_members as (
    select distinct {{ clean_text('quarantined.id_rt') }} as source_household_id
    from {{ ref('base_dtks__anggota') }} as quarantined
    where
        quarantined._reject_reasons is not null
        and {{ clean_text('quarantined.id_rt') }} not in (
            select staged.id_rt from {{ ref('stg_dtks__anggota') }} as staged
            where staged.id_rt is not null
        )
),

delivered as (
    select
        households.source,
        households.source_household_id,
        coalesce(households.delivered_no_kk, dtks_delivered_card.delivered_no_kk) as delivered_no_kk
    from households
    left join dtks_delivered_card
        on
            households.source = dtks_delivered_card.source
            and households.source_household_id = dtks_delivered_card.source_household_id
),

member_card as (
    select
        member_votes.source,
        member_votes.source_household_id,
        member_votes.register_no_kk,
        member_votes.members
    from member_votes
    left join delivered
        on
            member_votes.source = delivered.source
            and member_votes.source_household_id = delivered.source_household_id
    qualify row_number() over (
        partition by member_votes.source, member_votes.source_household_id
        order by
            member_votes.members desc,
            member_votes.is_head_card desc,
            case when member_votes.register_no_kk = delivered.delivered_no_kk then 1 else 0 end desc,
            member_votes.register_no_kk asc
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
        when dtks_quarantined_members.source_household_id is not null then 'member_rows_quarantined'
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
left join dtks_quarantined_members
    on households.source = 'dtks' and households.source_household_id = dtks_quarantined_members.source_household_id
