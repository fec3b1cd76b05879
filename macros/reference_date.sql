{#- The date the warehouse describes: the newest current full extract. Ages, fit dates and
    history are taken at it rather than at current_date, so a rebuild on the same
    deliveries gives the same marts whatever the day it runs. Field results (an
    accumulating source) are observations dated by their visits: a new delivery of them
    does not move the date, so builds before and after field results compare. -#}
{% macro reference_date(registry) -%}
    (select max(extract_date) from {{ registry }}
        where status = 'current' and source not in ('{{ accumulating_sources() | join("', '") }}'))
{%- endmacro %}
