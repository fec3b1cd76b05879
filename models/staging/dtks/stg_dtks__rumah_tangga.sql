-- DTKS households, typed, with codes labelled and today's programme receipt as booleans.
{%- set codes = ref('ref_kode') %}
{%- set villages = ref('ref_desa') %}
{%- set regions = ref('stg_reference__kode_wilayah_nik') %}
{%- set coded_columns = ['lantai', 'dinding', 'atap', 'sumber_air_minum', 'fasilitas_bab',
    'sumber_penerangan', 'bahan_bakar_masak'] %}
{%- set flag_columns = ['punya_kulkas', 'punya_ac', 'punya_sepeda_motor', 'punya_mobil', 'punya_lahan',
    'punya_ternak', 'penerima_pkh', 'penerima_bpnt', 'penerima_pbi_jk'] %}

with accepted as (
    select * from {{ ref('base_dtks__rumah_tangga') }}
    where _reject_reasons is null and {{ unless_delivery_already_staged(ref('stg_landing__delivery_files')) }}
)

select
    {{ lineage_columns('id_rt') }},
    {{ clean_text('id_rt') }} as id_rt,
    {{ kode_desa_checks('kode_desa', villages, regions) }},
    {{ clean_text('alamat') }} as alamat,
    cast({{ clean_text('jumlah_art') }} as integer) as jumlah_art,
    {%- for column in coded_columns %}
        cast({{ clean_text(column) }} as integer) as {{ column }},
        {{ code_label(column, column, codes) }} as {{ column }}_label,
    {%- endfor %}
    {%- for column in flag_columns %}
        {{ clean_text(column) }} = '1' as {{ column }},
    {%- endfor %}
    {{ parse_date(clean_text('tanggal_verivali'), '%d/%m/%Y') }} as tanggal_verivali
from accepted
