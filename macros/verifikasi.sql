{#- The key of a field visit (and of the household a village proposal stands for): the
    delivery and the office's visit id, `<extract_date>/<id_kunjungan>`, since an id_kunjungan
    is unique within its delivery only. -#}
{% macro field_visit_key(relation) -%}
    cast({{ relation }}.extract_date as {{ dbt.type_string() }}) || '/' || {{ relation }}.id_kunjungan
{%- endmacro %}

{#- Free text a field office typed (an officer's reason, an id_daftar as delivered) with every
    run of 16 or more digits masked: a NIK or family-card number typed there must not
    reach a mart (publish refuses NIK-shaped values). -#}
{% macro mask_identifier_digits(expression) -%}
    {{ replace_pattern(expression, '[0-9]{16,}', '[nomor disamarkan]', 'g') }}
{%- endmacro %}
