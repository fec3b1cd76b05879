-- Identity resolution's SQL shared by its models.

-- Two person records' names are the same or very close: the same words in any order, or
-- Jaro-Winkler >= 0.92 (the threshold of the matcher's close-name level, dtsen/resolution.py).
-- `left` and `right` are aliases of relations with name_sorted and name_key
-- (int_person_match_features).
{% macro names_close(left, right) -%}
    (
        {{ left }}.name_sorted = {{ right }}.name_sorted
        or jaro_winkler_similarity({{ left }}.name_key, {{ right }}.name_key) >= 0.92
    )
{%- endmacro %}
