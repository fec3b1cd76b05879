-- Housing and asset indicators of each family, harmonised across DTKS, P3KE and Regsosek:
-- for each indicator, the most recent observation that has a value wins (DTKS's
-- verification date, P3KE's survey date, Regsosek's enumeration date), and the source it
-- came from is kept beside it. A field visit applied to the family (int_field_visits) is one
-- more observation, dated by the visit: the housing the officer saw. Regsosek alone asks
-- about floor area, computer, gold and a second house, so those come from it whenever it
-- knows the family.
{%- set indicators = household_indicators() %}

with observations as (
    select
        households.family_key,
        dtks.source,
        households.source_household_id,
        coalesce(dtks.tanggal_verivali, dtks.extract_date) as observed_on,
        cast(null as date) as visit_delivery,
        cast(null as integer) as visit_row,
        dtks.lantai,
        dtks.dinding,
        dtks.atap,
        dtks.sumber_air_minum,
        dtks.fasilitas_bab,
        dtks.sumber_penerangan,
        dtks.bahan_bakar_masak,
        cast(null as integer) as status_rumah,
        cast(null as double) as luas_lantai_m2,
        dtks.punya_kulkas,
        dtks.punya_ac,
        dtks.punya_sepeda_motor,
        dtks.punya_mobil,
        cast(null as boolean) as punya_komputer,
        cast(null as boolean) as punya_emas_10g,
        dtks.punya_lahan,
        cast(null as boolean) as punya_rumah_lain,
        dtks.punya_ternak
    from {{ ref('stg_dtks__rumah_tangga') }} as dtks
    inner join {{ ref('int_household_families') }} as households
        on households.source = 'dtks' and dtks.id_rt = households.source_household_id
    union all
    select
        households.family_key,
        p3ke.source,
        households.source_household_id,
        coalesce(p3ke.tanggal_pendataan, p3ke.extract_date) as observed_on,
        null as visit_delivery,
        null as visit_row,
        p3ke.lantai,
        p3ke.dinding,
        null as atap,
        p3ke.sumber_air_minum,
        p3ke.fasilitas_bab,
        null as sumber_penerangan,
        null as bahan_bakar_masak,
        p3ke.kepemilikan_rumah as status_rumah,
        null as luas_lantai_m2,
        null as punya_kulkas,
        null as punya_ac,
        null as punya_sepeda_motor,
        null as punya_mobil,
        null as punya_komputer,
        null as punya_emas_10g,
        null as punya_lahan,
        null as punya_rumah_lain,
        null as punya_ternak
    from {{ ref('stg_p3ke__keluarga') }} as p3ke
    inner join {{ ref('int_household_families') }} as households
        on households.source = 'p3ke' and p3ke.id_keluarga_p3ke = households.source_household_id
    union all
    select
        households.family_key,
        bps.source,
        households.source_household_id,
        coalesce(bps.tanggal_pencacahan, bps.extract_date) as observed_on,
        null as visit_delivery,
        null as visit_row,
        bps.lantai,
        bps.dinding,
        bps.atap,
        bps.sumber_air_minum,
        bps.fasilitas_bab,
        bps.sumber_penerangan,
        bps.bahan_bakar_masak,
        bps.status_rumah,
        bps.luas_lantai_m2,
        bps.punya_kulkas,
        bps.punya_ac,
        bps.punya_sepeda_motor,
        bps.punya_mobil,
        bps.punya_komputer,
        bps.punya_emas_10g,
        bps.punya_lahan,
        bps.punya_rumah_lain,
        bps.punya_ternak
    from {{ ref('stg_bps__regsosek_keluarga') }} as bps
    inner join {{ ref('int_household_families') }} as households
        on households.source = 'bps' and bps.id_keluarga = households.source_household_id
    union all
    select
        visits.family_key,
        visits.source,
        visits.id_kunjungan_lapangan,
        visits.tanggal_kunjungan,
        visits.extract_date,
        visits.source_row_number,
        visits.lantai,
        visits.dinding,
        visits.atap,
        visits.sumber_air_minum,
        visits.fasilitas_bab,
        visits.sumber_penerangan,
        visits.bahan_bakar_masak,
        null as status_rumah,
        null as luas_lantai_m2,
        null as punya_kulkas,
        null as punya_ac,
        null as punya_sepeda_motor,
        null as punya_mobil,
        null as punya_komputer,
        null as punya_emas_10g,
        null as punya_lahan,
        null as punya_rumah_lain,
        null as punya_ternak
    from {{ ref('int_field_visits') }} as visits
    -- Only a visit that found the family saw its housing, and only one that recorded some
    -- of it is an observation: any other would make a family no source describes look
    -- observed (status_pendataan) while telling nothing.
    where
        visits.diterapkan
        and visits.hasil in ('LAYAK', 'TIDAK_LAYAK')
        and coalesce(
            visits.lantai, visits.dinding, visits.atap, visits.sumber_air_minum, visits.fasilitas_bab,
            visits.sumber_penerangan, visits.bahan_bakar_masak
        ) is not null
),

ordered as (
    -- Ties on the date go to Regsosek, then DTKS, then P3KE, then a field visit (the later
    -- delivery, then the later row): a visit replaces only what is older than it.
    select
        *,
        row_number() over (
            order by
                observed_on,
                case source when 'verifikasi' then 0 when 'p3ke' then 1 when 'dtks' then 2 else 3 end,
                visit_delivery,
                visit_row,
                source_household_id
        ) as recency
    from observations
)

select
    family_key,
    {%- for indicator in indicators %}
        {{ arg_max(indicator, 'recency') }} filter (where {{ indicator }} is not null) as {{ indicator }},
        {{ arg_max('source', 'recency') }} filter (where {{ indicator }} is not null) as {{ indicator }}_sumber,
    {%- endfor %}
    max(observed_on) as observed_on
from ordered
group by family_key
