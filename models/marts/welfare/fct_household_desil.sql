-- Every family's predicted welfare from the proxy-means test (mart_pmt_coefficients) and
-- its welfare decile (desil): nationally and within its province, each desil holding a
-- tenth of the living population (persons, not households). Each family is scored by the
-- model int_family_pendataan.model_pmt names: the full model when some asset indicator is
-- observed, the housing model when only housing is, the register-only model when nothing is.
{%- set features = {
    'lengkap': ref('int_household_pmt_features'),
    'perumahan': ref('int_household_housing_features'),
    'register_saja': ref('int_household_register_features'),
} %}

with
{%- for model, variables in pmt_models().items() %}
    slopes_{{ model }} as (
        select
            {%- for variable in variables.numeric %}
                coalesce(max(coefficient) filter (where variable = '{{ variable }}'), 0) as {{ variable }},
            {%- endfor %}
            max(coefficient) filter (where variable = 'intercept') as intercept
        from {{ ref('mart_pmt_coefficients') }}
        where model = '{{ model }}'
    ),

    scores_{{ model }} as (
        -- A level the survey never saw has no coefficient and scores as the reference level.
        select
            features.family_key,
            slopes.intercept
            {%- for variable in variables.numeric %}
                + slopes.{{ variable }} * features.{{ variable }}
            {%- endfor %}
            {%- for variable in variables.categorical %}
                + coalesce(level_{{ variable }}.coefficient, 0)
            {%- endfor %}
                as log_kesejahteraan_prediksi
        from {{ features[model] }} as features
        cross join slopes_{{ model }} as slopes
        {%- for variable in variables.categorical %}
            left join {{ ref('mart_pmt_coefficients') }} as level_{{ variable }}
                on
                    level_{{ variable }}.model = '{{ model }}'
                    and level_{{ variable }}.variable = '{{ variable }}'
                    and features.{{ variable }} = level_{{ variable }}.level
        {%- endfor %}
    ),
{%- endfor %}

scores as (
    -- One national ranking: every model predicts log consumption per person from the same
    -- survey, so a family is scored by what is observed of it instead of by the survey's
    -- common levels for what is not, on the same scale.
    select
        status.family_key,
        status.status_pendataan,
        status.model_pmt,
        case
            {%- for model in pmt_models() %}
                when status.model_pmt = '{{ model }}' then scores_{{ model }}.log_kesejahteraan_prediksi
            {%- endfor %}
        end as log_kesejahteraan_prediksi
    from {{ ref('int_family_pendataan') }} as status
    inner join scores_lengkap on status.family_key = scores_lengkap.family_key
    inner join scores_perumahan on status.family_key = scores_perumahan.family_key
    inner join scores_register_saja on status.family_key = scores_register_saja.family_key
),

households as (
    select
        scores.family_key,
        scores.status_pendataan,
        scores.model_pmt,
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
    cumulated.status_pendataan,
    cumulated.model_pmt,
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
