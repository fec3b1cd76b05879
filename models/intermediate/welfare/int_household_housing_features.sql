-- The housing proxy-means test's explanatory variables (macros/welfare.sql) for every family
-- fct_household shows: the housing indicators exactly as the full PMT has them
-- (int_household_pmt_features: a missing code is 'unknown', scoring as the survey's most
-- common level; a missing floor area takes the mean) and the register-only PMT's facts
-- (int_household_register_features). For families whose housing some source observed but
-- no source their assets (fct_household_desil.model_pmt perumahan).
select
    register.family_key,
    {%- for variable in pmt_housing_categorical_variables() + pmt_housing_numeric_variables() %}
        {%- if variable in pmt_register_categorical_variables() + pmt_register_numeric_variables() %}
            register.{{ variable }}
        {%- else %}
            housing.{{ variable }}
        {%- endif %}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
from {{ ref('int_household_register_features') }} as register
inner join {{ ref('int_household_pmt_features') }} as housing on register.family_key = housing.family_key
