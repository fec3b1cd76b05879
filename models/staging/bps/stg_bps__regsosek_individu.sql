-- Regsosek family members, typed, names normalised for matching, every NIK check as a flag.
{%- set codes = ref('ref_kode') %}
{%- set regions = ref('stg_reference__kode_wilayah_nik') %}
with accepted as (
    select * from {{ ref('base_bps__regsosek_individu') }}
    where _reject_reasons is null and {{ unless_delivery_already_staged(ref('stg_landing__delivery_files')) }}
),

typed as (
    select
        {{ lineage_columns("id_keluarga || '/' || no_urut") }},
        {{ clean_text('id_keluarga') }} as id_keluarga,
        cast({{ clean_text('no_urut') }} as integer) as no_urut,
        nik as nik_delivered,
        {{ repair_identifier('nik') }} as nik_repaired,
        {{ clean_text('nama') }} as nama,
        {{ normalize_name('nama') }} as nama_normal,
        cast({{ clean_text('jenis_kelamin') }} as integer) as jenis_kelamin,
        {{ clean_text('jenis_kelamin') }} = '2' as is_female,
        {{ parse_date(clean_text('tanggal_lahir'), '%Y-%m-%d') }} as tanggal_lahir,
        cast({{ clean_text('hubungan_kk') }} as integer) as hubungan_kk,
        {{ code_label('hubungan_kk', 'hubungan_kk_bps', codes) }} as hubungan_kk_label,
        cast({{ clean_text('ijazah') }} as integer) as ijazah,
        {{ code_label('ijazah', 'ijazah', codes) }} as ijazah_label,
        {{ clean_text('bekerja') }} = '1' as bekerja,
        cast({{ clean_text('lapangan_usaha') }} as integer) as lapangan_usaha,
        {{ code_label('lapangan_usaha', 'lapangan_usaha', codes) }} as lapangan_usaha_label,
        {{ clean_text('disabilitas') }} = '1' as disabilitas,
        cast({{ clean_text('sekolah') }} as integer) as sekolah,
        {{ code_label('sekolah', 'partisipasi_sekolah', codes) }} as sekolah_label
    from accepted
),

flagged as (
    select
        *,
        {{ is_placeholder_birth_date('tanggal_lahir') }} as tanggal_lahir_is_placeholder
    from typed
)

select
    source,
    extract_date,
    source_file,
    source_row_number,
    source_record_id,
    id_keluarga,
    no_urut,
    nama,
    nama_normal,
    jenis_kelamin,
    is_female,
    tanggal_lahir,
    hubungan_kk,
    hubungan_kk_label,
    ijazah,
    ijazah_label,
    bekerja,
    lapangan_usaha,
    lapangan_usaha_label,
    disabilitas,
    sekolah,
    sekolah_label,
    tanggal_lahir_is_placeholder,
    nik_delivered,
    nik_repaired,
    {{ nik_checks('nik_delivered', 'nik_repaired',
        'case when not tanggal_lahir_is_placeholder then tanggal_lahir end', 'is_female', regions) }}
from flagged
