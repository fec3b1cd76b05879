-- Every family's predicted welfare from the proxy-means test (mart_pmt_coefficients) and
-- its welfare decile (desil): nationally and within its province, each desil holding a
-- tenth of the living population (persons, not households).
{%- set categorical = pmt_categorical_variables() %}
{%- set numeric = pmt_numeric_variables() %}

with slopes as (
    select
        {%- for variable in numeric %}
            coalesce(max(coefficient) filter (where variable = '{{ variable }}'), 0) as {{ variable }},
        {%- endfor %}
        max(coefficient) filter (where variable = 'intercept') as intercept
    from {{ ref('mart_pmt_coefficients') }}
),

scores as (
    -- A level the survey never saw has no coefficient and scores as the reference level.
    select
        features.family_key,
        slopes.intercept
        {%- for variable in numeric %}
            + slopes.{{ variable }} * features.{{ variable }}
        {%- endfor %}
        {%- for variable in categorical %}
            + coalesce(level_{{ variable }}.coefficient, 0)
        {%- endfor %}
            as log_kesejahteraan_prediksi
    from {{ ref('int_household_pmt_features') }} as features
    cross join slopes
    {%- for variable in categorical %}
        left join {{ ref('mart_pmt_coefficients') }} as level_{{ variable }}
            on
                level_{{ variable }}.variable = '{{ variable }}'
                and features.{{ variable }} = level_{{ variable }}.level
    {%- endfor %}
),

households as (
    select
        scores.family_key,
        scores.log_kesejahteraan_prediksi,
        substr(villages.kode_desa, 1, 2) as kode_provinsi,
        substr(villages.kode_desa, 1, 4) as kode_kabupaten_kota,
        coalesce(composition.jumlah_anggota, 0) as jumlah_anggota
    from scores
    left join {{ ref('int_family_villages') }} as villages on scores.family_key = villages.family_key
    left join {{ ref('int_family_composition') }} as composition on scores.family_key = composition.family_key
),

cumulated as (
    -- Poorest first; equal scores are ordered by family key so ranks never depend on the
    -- order rows happen to arrive in. A household is in the desil its middle person falls in.
    select
        *,
        (sum(jumlah_anggota) over national_order) - jumlah_anggota / 2.0 as persons_below_national,
        sum(jumlah_anggota) over () as persons_national,
        (sum(jumlah_anggota) over provincial_order) - jumlah_anggota / 2.0 as persons_below_provincial,
        sum(jumlah_anggota) over (partition by kode_provinsi) as persons_provincial
    from households
    window
        national_order as (order by log_kesejahteraan_prediksi, family_key rows unbounded preceding),
        provincial_order as (
            partition by kode_provinsi order by log_kesejahteraan_prediksi, family_key rows unbounded preceding
        )
)

select
    pseudonyms.pseudonym as family_id,
    cumulated.kode_provinsi,
    cumulated.kode_kabupaten_kota,
    cumulated.jumlah_anggota,
    cumulated.log_kesejahteraan_prediksi,
    exp(cumulated.log_kesejahteraan_prediksi) as kesejahteraan_prediksi,
    {{ desil_of('cumulated.persons_below_national', 'cumulated.persons_national') }} as desil_nasional,
    case
        when cumulated.kode_provinsi is not null
            then {{ desil_of('cumulated.persons_below_provincial', 'cumulated.persons_provincial') }}
    end as desil_provinsi
from cumulated
inner join {{ ref('int_family_pseudonyms') }} as pseudonyms
    on cumulated.family_key = pseudonyms.identifier
