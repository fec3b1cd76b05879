-- The proxy-means test's explanatory variables for every family fct_household shows
-- (macros/welfare.sql lists them). Categorical codes are text so the fit treats each code
-- as its own level; an unknown code is the level 'unknown', which the survey sample never
-- has, so it scores as the sample's reference level. An unknown numeric value takes the
-- mean over all families, so a missing answer neither raises nor lowers a score.

with families as (
    select identifier as family_key
    from {{ ref('int_family_pseudonyms') }}
),

raw_features as (
    select
        families.family_key,
        coalesce(cast(indicators.lantai as string), 'unknown') as lantai,
        coalesce(cast(indicators.dinding as string), 'unknown') as dinding,
        coalesce(cast(indicators.atap as string), 'unknown') as atap,
        coalesce(cast(indicators.sumber_air_minum as string), 'unknown') as sumber_air_minum,
        coalesce(cast(indicators.fasilitas_bab as string), 'unknown') as fasilitas_bab,
        coalesce(cast(indicators.sumber_penerangan as string), 'unknown') as sumber_penerangan,
        coalesce(cast(indicators.bahan_bakar_masak as string), 'unknown') as bahan_bakar_masak,
        coalesce(cast(indicators.status_rumah as string), 'unknown') as status_rumah,
        coalesce(cast(heads.ijazah as string), 'unknown') as kepala_ijazah,
        coalesce(substr(villages.kode_desa, 1, 2), 'unknown') as kode_provinsi,
        -- Economies of size: consumption per person falls with household size, not linearly.
        ln(greatest(coalesce(composition.jumlah_anggota, 0), 1)) as ln_jumlah_anggota,
        coalesce(composition.jumlah_balita, 0) / greatest(coalesce(composition.jumlah_anggota, 0), 1)
            as porsi_balita,
        coalesce(composition.jumlah_anak_sekolah, 0) / greatest(coalesce(composition.jumlah_anggota, 0), 1)
            as porsi_anak_sekolah,
        coalesce(composition.jumlah_lansia, 0) / greatest(coalesce(composition.jumlah_anggota, 0), 1)
            as porsi_lansia,
        cast(heads.jenis_kelamin = 2 as double) as kepala_perempuan,
        cast(heads.bekerja as double) as kepala_bekerja,
        -- The 7th digit of a village code is 1 for an urban kelurahan.
        cast(substr(villages.kode_desa, 7, 1) = '1' as double) as perkotaan,
        {%- for asset in household_assets() %}
            cast(indicators.{{ asset }} as double) as {{ asset }},
        {%- endfor %}
        -- greatest() skips a NULL (DuckDB and Spark alike): without the case an unknown floor
        -- area would count as 1 m2, the poorest dwelling there is, instead of taking the mean.
        case
            when indicators.luas_lantai_m2 is not null
                then
                    ln(
                        greatest(indicators.luas_lantai_m2, 1)
                        / greatest(coalesce(composition.jumlah_anggota, 0), 1)
                    )
        end as ln_luas_lantai_per_kapita,
        {%- for variable in pmt_member_variables() %}
            member_features.{{ variable }},
        {%- endfor %}
        -- P3KE's reported household income per living member; NULL (the mean) without a
        -- report, which penghasilan_dilaporkan marks.
        case
            when income.penghasilan_bulanan is not null
                then ln(income.penghasilan_bulanan / greatest(coalesce(composition.jumlah_anggota, 0), 1))
        end as ln_penghasilan_per_kapita,
        cast(income.penghasilan_bulanan is not null as double) as penghasilan_dilaporkan
    from families
    left join {{ ref('int_family_composition') }} as composition on families.family_key = composition.family_key
    left join {{ ref('int_family_heads') }} as heads on families.family_key = heads.family_key
    left join {{ ref('int_family_villages') }} as villages on families.family_key = villages.family_key
    left join {{ ref('int_household_indicators') }} as indicators on families.family_key = indicators.family_key
    left join {{ ref('int_family_reported_income') }} as income on families.family_key = income.family_key
    left join {{ ref('int_family_member_features') }} as member_features
        on families.family_key = member_features.family_key
)

select
    family_key,
    {%- for variable in pmt_categorical_variables() %}
        {{ variable }},
    {%- endfor %}
    {%- for variable in pmt_numeric_variables() %}
        coalesce({{ variable }}, {{ exact_sum(variable, 'over ()') }} / count({{ variable }}) over ()) as {{ variable }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
from raw_features
