-- One row per family: the civil-register family card, or a household a source knows that
-- the register does not (a family a village proposed and a field visit found eligible
-- among them). Where it lives, who lives in it (living members only), its
-- harmonised housing and assets, which sources know it, and what it receives today.
-- Identified by a keyed pseudonym, never by the family-card number.
{%- set indicators = household_indicators() %}

with sources as (
    select
        family_key,
        bool_or(source = 'dtks') as di_dtks,
        bool_or(source = 'p3ke') as di_p3ke,
        bool_or(source = 'bps') as di_regsosek,
        bool_or(source = 'verifikasi') as di_usulan_verifikasi,
        count(*) filter (where source = 'dtks') as jumlah_rumah_tangga_dtks
    from {{ ref('int_household_families') }}
    group by family_key
),

receipt as (
    select
        households.family_key,
        bool_or(dtks.penerima_pkh) as penerima_pkh,
        bool_or(dtks.penerima_bpnt) as penerima_bpnt,
        bool_or(dtks.penerima_pbi_jk) as penerima_pbi_jk
    from {{ ref('int_household_families') }} as households
    inner join {{ ref('stg_dtks__rumah_tangga') }} as dtks
        on households.source = 'dtks' and households.source_household_id = dtks.id_rt
    group by households.family_key
),

register_cards as (
    select distinct no_kk_clean as family_key
    from {{ ref('int_person_records') }}
    where source = 'dukcapil' and no_kk_clean is not null
),

families as (
    -- Every family with a member, and every delivered household's family even when none of
    -- its member rows could be staged.
    select
        family_keys.family_key,
        register_cards.family_key is not null as di_dukcapil
    from (
        select family_key from {{ ref('int_family_members') }}
        union
        select family_key from {{ ref('int_household_families') }}
    ) as family_keys
    left join register_cards on family_keys.family_key = register_cards.family_key
)

select
    pseudonyms.pseudonym as family_id,
    families.di_dukcapil,
    villages.kode_desa,
    substr(villages.kode_desa, 1, 6) as kode_kecamatan,
    substr(villages.kode_desa, 1, 4) as kode_kabupaten_kota,
    substr(villages.kode_desa, 1, 2) as kode_provinsi,
    coalesce(composition.jumlah_anggota, 0) as jumlah_anggota,
    coalesce(composition.jumlah_balita, 0) as jumlah_balita,
    coalesce(composition.jumlah_anak_sekolah, 0) as jumlah_anak_sekolah,
    coalesce(composition.jumlah_lansia, 0) as jumlah_lansia,
    coalesce(composition.jumlah_hamil, 0) as jumlah_hamil,
    coalesce(composition.jumlah_disabilitas, 0) as jumlah_disabilitas,
    heads.jenis_kelamin as kepala_jenis_kelamin,
    heads.umur as kepala_umur,
    heads.ijazah as kepala_ijazah,
    heads.bekerja as kepala_bekerja,
    {%- for indicator in indicators %}
        indicators.{{ indicator }},
        indicators.{{ indicator }}_sumber,
    {%- endfor %}
    coalesce(sources.di_dtks, false) as di_dtks,
    coalesce(sources.di_p3ke, false) as di_p3ke,
    coalesce(sources.di_regsosek, false) as di_regsosek,
    coalesce(sources.di_usulan_verifikasi, false) as di_usulan_verifikasi,
    field.jumlah_anggota_lapangan,
    coalesce(sources.jumlah_rumah_tangga_dtks, 0) as jumlah_rumah_tangga_dtks,
    coalesce(receipt.penerima_pkh, false) as penerima_pkh,
    coalesce(receipt.penerima_bpnt, false) as penerima_bpnt,
    coalesce(receipt.penerima_pbi_jk, false) as penerima_pbi_jk,
    coalesce(composition.jumlah_penerima_pip, 0) > 0 as penerima_pip
from families
inner join {{ ref('int_family_pseudonyms') }} as pseudonyms
    on families.family_key = pseudonyms.identifier
left join {{ ref('int_family_composition') }} as composition on families.family_key = composition.family_key
left join {{ ref('int_family_heads') }} as heads on families.family_key = heads.family_key
left join {{ ref('int_family_villages') }} as villages on families.family_key = villages.family_key
left join {{ ref('int_household_indicators') }} as indicators on families.family_key = indicators.family_key
left join sources on families.family_key = sources.family_key
left join {{ ref('int_family_field_status') }} as field on families.family_key = field.family_key
left join receipt on families.family_key = receipt.family_key
