-- The consumption survey's households (Susenas sample of Regsosek families) on the family
-- they belong to: the yardstick the proxy-means test is fitted on and statistical
-- targeting errors are measured against.
select
    households.family_key,
    survey.id_keluarga,
    survey.pengeluaran_perkapita,
    survey.bobot,
    survey.tahun
from {{ ref('stg_bps__susenas_konsumsi') }} as survey
inner join {{ ref('int_household_families') }} as households
    on households.source = 'bps' and survey.id_keluarga = households.source_household_id
where survey.pengeluaran_perkapita > 0 and survey.bobot > 0
