-- The household income a family reported to P3KE (penghasilan_bulanan, rupiah a month),
-- the only income any source delivers. P3KE lists families of desil 1-4 only, so most
-- families have none and are absent here. Of several reports the latest wins (P3KE's
-- survey date, then the later delivery, then the larger household id, so the choice never
-- depends on row order). A report of zero or less is no report: an export writes a blank
-- as 0, and a logarithm has no value for it.
select
    households.family_key,
    p3ke.penghasilan_bulanan,
    p3ke.id_keluarga_p3ke,
    coalesce(p3ke.tanggal_pendataan, p3ke.extract_date) as observed_on
from {{ ref('stg_p3ke__keluarga') }} as p3ke
inner join {{ ref('int_household_families') }} as households
    on households.source = 'p3ke' and p3ke.id_keluarga_p3ke = households.source_household_id
where p3ke.penghasilan_bulanan > 0
qualify row_number() over (
    partition by households.family_key
    order by
        coalesce(p3ke.tanggal_pendataan, p3ke.extract_date) desc,
        p3ke.extract_date desc,
        p3ke.id_keluarga_p3ke desc
) = 1
