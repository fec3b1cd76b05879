-- P3KE extreme-poverty families (desil 1-4), typed, with codes labelled and the KK and
-- head's NIK checked.
{%- set codes = ref('ref_kode') %}
{%- set villages = ref('ref_desa') %}
{%- set regions = ref('stg_reference__kode_wilayah_nik') %}
with accepted as (
    select * from {{ ref('base_p3ke__keluarga') }}
    where _reject_reasons is null and {{ unless_delivery_already_staged(ref('stg_landing__delivery_files')) }}
),

typed as (
    select
        {{ lineage_columns('id_keluarga_p3ke') }},
        {{ clean_text('id_keluarga_p3ke') }} as id_keluarga_p3ke,
        no_kk as no_kk_delivered,
        {{ repair_identifier('no_kk') }} as no_kk_repaired,
        nik_kepala_keluarga as nik_kepala_keluarga_delivered,
        {{ repair_identifier('nik_kepala_keluarga') }} as nik_kepala_keluarga_repaired,
        kode_desa as kode_desa_delivered,
        cast({{ clean_text('desil_p3ke') }} as integer) as desil_p3ke,
        cast({{ clean_text('jumlah_anggota') }} as integer) as jumlah_anggota,
        cast({{ clean_text('jenis_lantai') }} as integer) as lantai,
        {{ code_label('jenis_lantai', 'lantai', codes) }} as lantai_label,
        cast({{ clean_text('jenis_dinding') }} as integer) as dinding,
        {{ code_label('jenis_dinding', 'dinding', codes) }} as dinding_label,
        cast({{ clean_text('sumber_air_minum') }} as integer) as sumber_air_minum,
        {{ code_label('sumber_air_minum', 'sumber_air_minum', codes) }} as sumber_air_minum_label,
        cast({{ clean_text('fasilitas_bab') }} as integer) as fasilitas_bab,
        {{ code_label('fasilitas_bab', 'fasilitas_bab', codes) }} as fasilitas_bab_label,
        cast({{ clean_text('kepemilikan_rumah') }} as integer) as kepemilikan_rumah,
        {{ code_label('kepemilikan_rumah', 'kepemilikan_rumah', codes) }} as kepemilikan_rumah_label,
        cast({{ clean_text('penghasilan_bulanan') }} as bigint) as penghasilan_bulanan,
        {{ parse_date(clean_text('tanggal_pendataan'), '%Y-%m-%d') }} as tanggal_pendataan
    from accepted
)

select
    source,
    extract_date,
    source_file,
    source_row_number,
    source_record_id,
    id_keluarga_p3ke,
    no_kk_delivered,
    no_kk_repaired,
    {{ kk_checks('no_kk_delivered', 'no_kk_repaired', regions) }},
    nik_kepala_keluarga_delivered,
    nik_kepala_keluarga_repaired,
    -- The head's birth date and sex are in individu.csv: only the NIK's own checks here.
    {{ nik_checks('nik_kepala_keluarga_delivered', 'nik_kepala_keluarga_repaired',
        'cast(null as date)', 'cast(null as boolean)', regions, prefix='nik_kepala_keluarga') }},
    {{ kode_desa_checks('kode_desa_delivered', villages, regions) }},
    desil_p3ke,
    jumlah_anggota,
    lantai,
    lantai_label,
    dinding,
    dinding_label,
    sumber_air_minum,
    sumber_air_minum_label,
    fasilitas_bab,
    fasilitas_bab_label,
    kepemilikan_rumah,
    kepemilikan_rumah_label,
    penghasilan_bulanan,
    tanggal_pendataan
from typed
