{#- The date programme eligibility is decided as of: the var tanggal_keputusan when set, else
    the data date (the newest current extract of `registry`, the intake). The rules in force
    and the members' ages follow it; the data (desil, members, deaths) are the data date's. -#}
{% macro eligibility_date(registry) -%}
    {%- set asked = var('tanggal_keputusan', none) -%}
    {%- if asked -%}
        cast('{{ asked }}' as date)
    {%- else -%}
        {{ reference_date(registry) }}
    {%- endif -%}
{%- endmacro %}
