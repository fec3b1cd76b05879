-- Members of the families villages propose (USULAN visits), of every current delivery,
-- typed, names normalised for matching, every NIK check as a flag.
{%- set regions = ref('stg_reference__kode_wilayah_nik') %}
with accepted as (
    select * from {{ ref('base_verifikasi__anggota_usulan') }}
    where _reject_reasons is null and {{ unless_delivery_already_staged(ref('stg_landing__delivery_files')) }}
),

typed as (
    select
        -- The file has no record id: the member is its delivery's row.
        {{ lineage_columns("cast(_extract_date as " ~ dbt.type_string() ~ ") || '/' || cast(_row_number as "
            ~ dbt.type_string() ~ ")") }},
        {{ clean_text('id_kunjungan') }} as id_kunjungan,
        nik as nik_delivered,
        {{ repair_identifier('nik') }} as nik_repaired,
        {{ clean_text('nama') }} as nama,
        {{ normalize_name('nama') }} as nama_normal,
        case {{ clean_text('jenis_kelamin') }} when 'L' then 1 when 'P' then 2 end as jenis_kelamin,
        {{ clean_text('jenis_kelamin') }} = 'P' as is_female,
        {{ parse_date(clean_text('tanggal_lahir'), '%Y-%m-%d') }} as tanggal_lahir,
        {{ clean_text('hubungan') }} as hubungan
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
    id_kunjungan,
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
    hubungan
from flagged
