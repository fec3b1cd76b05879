-- P3KE family members, typed, names normalised for matching, every NIK check as a flag.
{%- set regions = ref('stg_reference__kode_wilayah_nik') %}
with accepted as (
    select * from {{ ref('base_p3ke__individu') }}
    where _reject_reasons is null and {{ unless_delivery_already_staged(ref('stg_landing__delivery_files')) }}
),

typed as (
    select
        {{ lineage_columns('id_individu') }},
        {{ clean_text('id_individu') }} as id_individu,
        {{ clean_text('id_keluarga_p3ke') }} as id_keluarga_p3ke,
        nik as nik_delivered,
        {{ repair_identifier('nik') }} as nik_repaired,
        {{ clean_text('nama') }} as nama,
        {{ normalize_name('nama') }} as nama_normal,
        case {{ clean_text('jk') }} when 'L' then 1 when 'P' then 2 end as jenis_kelamin,
        {{ clean_text('jk') }} = 'P' as is_female,
        {{ parse_date(clean_text('tgl_lahir'), '%Y-%m-%d') }} as tanggal_lahir,
        {{ clean_text('hubungan') }} as hubungan,
        upper({{ clean_text('pekerjaan') }}) as pekerjaan,
        {{ clean_text('pendidikan') }} as pendidikan,
        {{ clean_text('status_sekolah') }} as status_sekolah
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
    id_individu,
    id_keluarga_p3ke,
    nik_delivered,
    nik_repaired,
    {{ nik_checks('nik_delivered', 'nik_repaired',
        'case when not tanggal_lahir_is_placeholder then tanggal_lahir end', 'is_female', regions) }},
    nama,
    nama_normal,
    jenis_kelamin,
    is_female,
    tanggal_lahir,
    tanggal_lahir_is_placeholder,
    hubungan,
    pekerjaan,
    pendidikan,
    status_sekolah
from flagged
