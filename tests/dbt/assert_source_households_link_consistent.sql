-- Each source household's family link agrees with its basis: a household linked to a
-- register card has that card as its family_key and carries the card; one unknown to the
-- register, or whose member rows were all quarantined, stands as `<source>/<household id>`
-- with no card; member votes are counted only
-- when members decided the card. Returns the households that break a rule.
select
    source,
    source_household_id,
    family_link_basis
from {{ ref('int_source_households') }}
where not coalesce(
    case family_link_basis
        when 'members_in_register'
            then family_key = register_no_kk and members_in_register > 0
        when 'delivered_card_in_register'
            then family_key = register_no_kk and members_in_register = 0
        when 'unknown_to_register'
            then
                register_no_kk is null
                and family_key = source || '/' || source_household_id
                and members_in_register = 0
        when 'member_rows_quarantined'
            then
                register_no_kk is null
                and family_key = source || '/' || source_household_id
                and members_in_register = 0
    end,
    false
)
