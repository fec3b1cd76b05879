-- The housing proxy-means test's estimation sample: the same surveyed households as
-- int_pmt_sample, the same weight and outcome, described by their housing indicators and
-- the register's facts (int_household_housing_features).
select
    survey.family_key,
    survey.bobot,
    {%- for variable in pmt_housing_categorical_variables() + pmt_housing_numeric_variables() %}
        features.{{ variable }},
    {%- endfor %}
    ln(survey.pengeluaran_perkapita) as ln_pengeluaran_perkapita
from {{ ref('int_survey_households') }} as survey
inner join {{ ref('int_household_housing_features') }} as features on survey.family_key = features.family_key
