{#- The date the warehouse describes: the newest current extract. Ages, fit dates and
    history are taken at it rather than at current_date, so a rebuild on the same
    deliveries gives the same marts whatever the day it runs. -#}
{% macro reference_date(registry) -%}
    (select max(extract_date) from {{ registry }} where status = 'current')
{%- endmacro %}
