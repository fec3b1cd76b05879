-- DTKS household members, typed, names normalised for matching, every NIK and KK check as
-- a flag, and today's school-aid (PIP) receipt.
{%- set codes = ref('ref_kode') %}
{%- set regions = ref('stg_reference__kode_wilayah_nik') %}
with accepted as (
    select * from {{ ref('base_dtks__anggota') }}
    where _reject_reasons is null and {{ unless_delivery_already_staged(ref('stg_landing__delivery_files')) }}
),

typed as (
    select
        {{ lineage_columns('id_art') }},
        {{ clean_text('id_art') }} as id_art,
        {{ clean_text('id_rt') }} as id_rt,
        nik as nik_delivered,
        {{ repair_identifier('nik') }} as nik_repaired,
        no_kk as no_kk_delivered,
        {{ repair_identifier('no_kk') }} as no_kk_repaired,
        {{ clean_text('nama') }} as nama,
        {{ normalize_name('nama') }} as nama_normal,
        cast({{ clean_text('jenis_kelamin') }} as integer) as jenis_kelamin,
        {{ clean_text('jenis_kelamin') }} = '2' as is_female,
        {{ parse_date(clean_text('tanggal_lahir'), '%d/%m/%Y') }} as tanggal_lahir,
        cast({{ clean_text('hub_krt') }} as integer) as hub_krt,
        {{ code_label('hub_krt', 'hub_krt', codes) }} as hub_krt_label,
        cast({{ clean_text('partisipasi_sekolah') }} as integer) as partisipasi_sekolah,
        {{ code_label('partisipasi_sekolah', 'partisipasi_sekolah', codes) }} as partisipasi_sekolah_label,
        cast({{ clean_text('disabilitas') }} as integer) as disabilitas,
        {{ code_label('disabilitas', 'disabilitas_dtks', codes) }} as disabilitas_label,
        {{ clean_text('hamil') }} = '1' as hamil,
        {{ clean_text('penerima_pip') }} = '1' as penerima_pip
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
    id_art,
    id_rt,
    nik_delivered,
    nik_repaired,
    {{ nik_checks('nik_delivered', 'nik_repaired',
        'case when not tanggal_lahir_is_placeholder then tanggal_lahir end', 'is_female', regions) }},
    no_kk_delivered,
    no_kk_repaired,
    {{ kk_checks('no_kk_delivered', 'no_kk_repaired', regions) }},
    nama,
    nama_normal,
    jenis_kelamin,
    is_female,
    tanggal_lahir,
    tanggal_lahir_is_placeholder,
    hub_krt,
    hub_krt_label,
    partisipasi_sekolah,
    partisipasi_sekolah_label,
    disabilitas,
    disabilitas_label,
    hamil,
    penerima_pip
from flagged
