-- The civil register, one row per registered person (the dead included), typed, with
-- codes harmonised and every NIK, KK and village check as a flag.
{%- set villages = ref('ref_desa') %}
{%- set regions = ref('stg_reference__kode_wilayah_nik') %}
with accepted as (
    select * from {{ ref('base_dukcapil__penduduk') }}
    where _reject_reasons is null and {{ unless_delivery_already_staged(ref('stg_landing__delivery_files')) }}
),

typed as (
    select
        {{ lineage_columns('_row_number') }},
        nik as nik_delivered,
        {{ repair_identifier('nik') }} as nik_repaired,
        no_kk as no_kk_delivered,
        {{ repair_identifier('no_kk') }} as no_kk_repaired,
        {{ clean_text('nama_lengkap') }} as nama,
        {{ normalize_name('nama_lengkap') }} as nama_normal,
        case {{ clean_text('jenis_kelamin') }} when 'LAKI-LAKI' then 1 when 'PEREMPUAN' then 2 end as jenis_kelamin,
        {{ clean_text('jenis_kelamin') }} = 'PEREMPUAN' as is_female,
        {{ clean_text('tempat_lahir') }} as tempat_lahir,
        {{ parse_date(clean_text('tanggal_lahir'), '%Y-%m-%d') }} as tanggal_lahir,
        {{ clean_text('agama') }} as agama,
        {{ clean_text('status_kawin') }} as status_kawin,
        {{ clean_text('shdk') }} as shdk,
        {{ clean_text('pendidikan') }} as pendidikan,
        upper({{ clean_text('pekerjaan') }}) as pekerjaan,
        kode_desa as kode_desa_delivered,
        {{ clean_text('alamat') }} as alamat,
        {{ clean_text('rt') }} as rt,
        {{ clean_text('rw') }} as rw,
        {{ parse_date(clean_text('tanggal_meninggal'), '%Y-%m-%d') }} as tanggal_meninggal,
        {{ parse_timestamp(clean_text("tanggal_update"), "%Y-%m-%d %H:%M:%S") }} as tanggal_update
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
    tempat_lahir,
    tanggal_lahir,
    tanggal_lahir_is_placeholder,
    agama,
    status_kawin,
    shdk,
    pendidikan,
    pekerjaan,
    {{ kode_desa_checks('kode_desa_delivered', villages, regions) }},
    alamat,
    rt,
    rw,
    tanggal_meninggal,
    tanggal_meninggal is not null as is_dead,
    tanggal_update
from flagged
