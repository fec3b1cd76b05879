-- Every delivered row that could not be staged, with where it came from, why (first
-- reason and all of them) and the row exactly as delivered, as JSON.
{%- set base_models = [
    'base_dukcapil__penduduk', 'base_dtks__rumah_tangga', 'base_dtks__anggota',
    'base_p3ke__keluarga', 'base_p3ke__individu', 'base_bps__regsosek_keluarga',
    'base_bps__regsosek_individu', 'base_bps__susenas_konsumsi',
    'base_verifikasi__hasil_verifikasi', 'base_verifikasi__anggota_usulan',
] %}
{%- set lineage = ['_source', '_extract_date', '_file_name', '_row_number', '_reject_reasons'] %}

{% for base_model in base_models %}
    {%- set relation = ref(base_model) %}
    {%- set delivered_columns = [] %}
    {%- if execute %}
        {%- for column in adapter.get_columns_in_relation(relation) if column.name not in lineage %}
            {%- do delivered_columns.append(column.name) %}
        {%- endfor %}
    {%- endif %}
    select
        _source as source,
        _extract_date as extract_date,
        _file_name as source_file,
        _row_number as source_row_number,
        split_part(_reject_reasons, ',', 1) as reason_code,
        _reject_reasons as reason_codes,
        {{ row_as_json(delivered_columns) }} as delivered_row
    from {{ relation }}
    where _reject_reasons is not null
    {% if not loop.last %}union all{% endif %}
{% endfor %}
