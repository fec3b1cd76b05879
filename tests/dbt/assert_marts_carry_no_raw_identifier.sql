-- No text value in the analysts' marts looks like a raw NIK or family-card number (16
-- digits): persons, NIKs and families appear there only as keyed pseudonyms. Every
-- text column of each mart is checked, whatever columns are added later. Returns one
-- row per mart and column holding such values, with how many.
{%- set marts = [
    'fct_household', 'dim_person', 'mart_duplicates', 'fct_eligibility', 'mart_verifikasi_kunjungan_bermasalah'
] %}

select
    cast(null as string) as model_name,
    cast(null as string) as column_name,
    0 as raw_identifier_values
where false
{%- for mart in marts %}
    {%- set relation = ref(mart) %}
    {%- set text_columns = [] %}
    {%- if execute %}
        {%- for column in adapter.get_columns_in_relation(relation) if column.is_string() %}
            {%- do text_columns.append(column.name) %}
        {%- endfor %}
    {%- endif %}
    {%- for column in text_columns %}
union all
select
    '{{ mart }}' as model_name,
    '{{ column }}' as column_name,
    count(*) as raw_identifier_values
from {{ relation }}
where {{ regexp_full_match(adapter.quote(column), '[0-9]{16}') }}
having count(*) > 0
    {%- endfor %}
{%- endfor %}
