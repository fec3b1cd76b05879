-- Regsosek families (BPS socio-economic registration), typed, with codes labelled.
{%- set codes = ref('ref_kode') %}
{%- set villages = ref('ref_desa') %}
{%- set regions = ref('stg_reference__kode_wilayah_nik') %}
{%- set coded_columns = {
    'lantai': 'lantai', 'dinding': 'dinding', 'atap': 'atap', 'sumber_air_minum': 'sumber_air_minum',
    'fasilitas_bab': 'fasilitas_bab', 'sumber_penerangan': 'sumber_penerangan',
    'bahan_bakar_masak': 'bahan_bakar_masak', 'status_rumah': 'kepemilikan_rumah'} %}
{%- set flag_columns = ['punya_kulkas', 'punya_ac', 'punya_sepeda_motor', 'punya_mobil', 'punya_komputer',
    'punya_emas_10g', 'punya_lahan', 'punya_rumah_lain', 'punya_ternak'] %}

with accepted as (
    select * from {{ ref('base_bps__regsosek_keluarga') }}
    where _reject_reasons is null and {{ unless_delivery_already_staged(ref('stg_landing__delivery_files')) }}
),

typed as (
    select
        {{ lineage_columns('id_keluarga') }},
        {{ clean_text('id_keluarga') }} as id_keluarga,
        no_kk as no_kk_delivered,
        {{ repair_identifier('no_kk') }} as no_kk_repaired,
        kode_desa as kode_desa_delivered,
        cast({{ clean_text('jumlah_art') }} as integer) as jumlah_art,
        {%- for column, domain in coded_columns.items() %}
            cast({{ clean_text(column) }} as integer) as {{ column }},
            {{ code_label(column, domain, codes) }} as {{ column }}_label,
        {%- endfor %}
        cast({{ clean_text('luas_lantai_m2') }} as double) as luas_lantai_m2,
        {%- for column in flag_columns %}
            {{ clean_text(column) }} = '1' as {{ column }},
        {%- endfor %}
        {{ parse_date(clean_text('tanggal_pencacahan'), '%Y-%m-%d') }} as tanggal_pencacahan
    from accepted
)

select
    source,
    extract_date,
    source_file,
    source_row_number,
    source_record_id,
    id_keluarga,
    jumlah_art,
    {%- for column in coded_columns %}
        {{ column }},
        {{ column }}_label,
    {%- endfor %}
    luas_lantai_m2,
    {%- for column in flag_columns %}
        {{ column }},
    {%- endfor %}
    tanggal_pencacahan,
    no_kk_delivered,
    no_kk_repaired,
    {{ kk_checks('no_kk_delivered', 'no_kk_repaired', regions) }},
    {{ kode_desa_checks('kode_desa_delivered', villages, regions) }}
from typed
