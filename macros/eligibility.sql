{#- The date programme eligibility is decided as of: the var tanggal_keputusan when set, else
    the data date. The rules in force and the members' ages follow it; the data (desil,
    members, deaths) are the data date's. -#}
{% macro eligibility_date() -%}
    {%- set asked = var('tanggal_keputusan', none) -%}
    {%- if asked -%}
        cast('{{ asked }}' as date)
    {%- else -%}
        {{ reference_date() }}
    {%- endif -%}
{%- endmacro %}
