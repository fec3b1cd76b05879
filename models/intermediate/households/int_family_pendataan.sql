-- What each family's welfare ranking can rest on (status_pendataan): every housing and
-- asset indicator observed (LENGKAP), some of them only (SEBAGIAN: the full PMT fills the
-- rest with the survey's common level or mean), or none because no DTKS, P3KE or Regsosek
-- household describes the family (REGISTER_SAJA: ranked by the register-only PMT, and
-- first on the verification list). model_pmt names the PMT that ranks it
-- (mart_pmt_coefficients.model): lengkap when some asset is observed, perumahan when only
-- housing is (a field visit or P3KE observes no asset: filling every asset with the
-- survey's most common level, owning nothing, would rank the family far too poor),
-- register_saja when nothing is.
{%- set indicators = household_indicators() %}

select
    families.identifier as family_key,
    case
        when indicators.family_key is null then 'REGISTER_SAJA'
        when
            {%- for indicator in indicators %}
                indicators.{{ indicator }} is not null{% if not loop.last %} and{% endif %}
            {%- endfor %}
            then 'LENGKAP'
        else 'SEBAGIAN'
    end as status_pendataan,
    case
        when
            {%- for indicator in household_assets() %}
                indicators.{{ indicator }} is not null{% if not loop.last %} or{% endif %}
            {%- endfor %}
            then 'lengkap'
        when
            {%- for indicator in household_housing() %}
                indicators.{{ indicator }} is not null{% if not loop.last %} or{% endif %}
            {%- endfor %}
            then 'perumahan'
        else 'register_saja'
    end as model_pmt
from {{ ref('int_family_pseudonyms') }} as families
left join {{ ref('int_household_indicators') }} as indicators on families.identifier = indicators.family_key
