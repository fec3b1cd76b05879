-- The proxy-means test's estimation sample: each surveyed household's log measured
-- consumption per person, its survey weight and its explanatory variables.
select
    survey.family_key,
    survey.bobot,
    {%- for variable in pmt_categorical_variables() + pmt_numeric_variables() %}
        features.{{ variable }},
    {%- endfor %}
    ln(survey.pengeluaran_perkapita) as ln_pengeluaran_perkapita
from {{ ref('int_survey_households') }} as survey
inner join {{ ref('int_household_pmt_features') }} as features on survey.family_key = features.family_key
