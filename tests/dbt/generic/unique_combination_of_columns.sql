{#- A model's rows are unique over these columns together (NULLs compare equal, so a
    region-unknown row still counts once). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select
        {%- for column in combination_of_columns %}
            {{ column }},
        {%- endfor %}
        count(*) as rows_with_these_values
    from {{ model }}
    group by
        {%- for column in combination_of_columns %}
            {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    having count(*) > 1
{% endtest %}
