-- Field-verification visits of every current delivery (they accumulate) that passed the
-- row checks, one row per visit: typed, codes labelled, the KK number and the head's NIK
-- checked as flags, the village code checked. Unique on (extract_date, id_kunjungan).
{%- set codes = ref('ref_kode') %}
{%- set villages = ref('ref_desa') %}
{%- set regions = ref('stg_reference__kode_wilayah_nik') %}
with accepted as (
    select * from {{ ref('base_verifikasi__hasil_verifikasi') }}
    where _reject_reasons is null and {{ unless_delivery_already_staged(ref('stg_landing__delivery_files')) }}
),

typed as (
    select
        -- A visit id is unique within its delivery only: the record id names both.
        {{ lineage_columns("cast(_extract_date as " ~ dbt.type_string() ~ ") || '/' || "
            ~ clean_text('id_kunjungan')) }},
        {{ clean_text('id_kunjungan') }} as id_kunjungan,
        {{ clean_text('jenis') }} as jenis,
        {{ clean_text('id_daftar') }} as id_daftar,
        no_kk as no_kk_delivered,
        {{ repair_identifier('no_kk') }} as no_kk_repaired,
        nik_kepala_keluarga as nik_kepala_keluarga_delivered,
        {{ repair_identifier('nik_kepala_keluarga') }} as nik_kepala_keluarga_repaired,
        kode_desa as kode_desa_delivered,
        {{ clean_text('alamat') }} as alamat,
        {{ clean_text('rt') }} as rt,
        {{ clean_text('rw') }} as rw,
        {{ clean_text('hasil') }} as hasil,
        {{ code_label('hasil', 'hasil_verifikasi', codes) }} as hasil_label,
        {{ clean_text('alasan') }} as alasan,
        cast({{ clean_text('lantai') }} as integer) as lantai,
        cast({{ clean_text('dinding') }} as integer) as dinding,
        cast({{ clean_text('atap') }} as integer) as atap,
        cast({{ clean_text('sumber_air_minum') }} as integer) as sumber_air_minum,
        cast({{ clean_text('fasilitas_bab') }} as integer) as fasilitas_bab,
        cast({{ clean_text('sumber_penerangan') }} as integer) as sumber_penerangan,
        cast({{ clean_text('bahan_bakar_masak') }} as integer) as bahan_bakar_masak,
        cast({{ clean_text('jumlah_anggota') }} as integer) as jumlah_anggota,
        {{ parse_date(clean_text('tanggal_kunjungan'), '%Y-%m-%d') }} as tanggal_kunjungan,
        {{ clean_text('petugas') }} as petugas
    from accepted
)

select
    source,
    extract_date,
    source_file,
    source_row_number,
    source_record_id,
    id_kunjungan,
    jenis,
    id_daftar,
    no_kk_delivered,
    no_kk_repaired,
    {{ kk_checks('no_kk_delivered', 'no_kk_repaired', regions) }},
    nik_kepala_keluarga_delivered,
    nik_kepala_keluarga_repaired,
    -- The head's birth date and sex are not reported: only the NIK's own checks here.
    {{ nik_checks('nik_kepala_keluarga_delivered', 'nik_kepala_keluarga_repaired',
        'cast(null as date)', 'cast(null as boolean)', regions, prefix='nik_kepala_keluarga') }},
    {{ kode_desa_checks('kode_desa_delivered', villages, regions) }},
    alamat,
    rt,
    rw,
    hasil,
    hasil_label,
    alasan,
    lantai,
    dinding,
    atap,
    sumber_air_minum,
    fasilitas_bab,
    sumber_penerangan,
    bahan_bakar_masak,
    jumlah_anggota,
    tanggal_kunjungan,
    petugas
from typed
