-- What each family's welfare ranking can rest on (status_pendataan): every housing and
-- asset indicator observed (LENGKAP), some of them only (SEBAGIAN: the full PMT fills the
-- rest with the survey's common level or mean), or none because no DTKS, P3KE or Regsosek
-- household describes the family (REGISTER_SAJA: ranked by the register-only PMT, and
-- first on the verification list).
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
    end as status_pendataan
from {{ ref('int_family_pseudonyms') }} as families
left join {{ ref('int_household_indicators') }} as indicators on families.identifier = indicators.family_key
