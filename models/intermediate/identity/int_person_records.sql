-- Every staged person record of the four sources, and the members a village wrote down for
-- a proposed family that a field visit found eligible and the register does not know (a
-- proposal whose card is a register card takes its members from the register), in one shape, the input of identity
-- resolution: identifiers as validated in staging, the name normalised for matching,
-- the village of the record's household mapped to the code in force, and the relation to
-- the family head on Regsosek's scale (1 head ... 8 other); and what the record says beyond
-- identity (school, disability, pregnancy, education, work, school aid), which
-- int_person_attributes sums up per person.

with dukcapil as (
    select
        source,
        source_file,
        extract_date,
        source_row_number,
        source_record_id,
        no_kk_clean as source_household_id,
        nik_clean,
        nik_status,
        no_kk_clean,
        nama,
        nama_normal,
        jenis_kelamin,
        case when not tanggal_lahir_is_placeholder then tanggal_lahir end as tanggal_lahir,
        kode_desa,
        {{ shdk_to_hubungan_kk('shdk') }} as hubungan_kk,
        tanggal_meninggal,
        cast(null as boolean) as sekolah,
        cast(null as boolean) as disabilitas,
        cast(null as boolean) as hamil,
        {{ pendidikan_to_ijazah('pendidikan') }} as ijazah,
        {{ pekerjaan_is_work('pekerjaan') }} as bekerja,
        cast(null as boolean) as penerima_pip
    from {{ ref('stg_dukcapil__penduduk') }}
),

dtks as (
    select
        member.source,
        member.source_file,
        member.extract_date,
        member.source_row_number,
        member.source_record_id,
        member.id_rt as source_household_id,
        member.nik_clean,
        member.nik_status,
        member.no_kk_clean,
        member.nama,
        member.nama_normal,
        member.jenis_kelamin,
        case when not member.tanggal_lahir_is_placeholder then member.tanggal_lahir end as tanggal_lahir,
        household.kode_desa,
        -- DTKS counts servants (7) apart from other members (8); Regsosek puts both in 8.
        case when member.hub_krt = 7 then 8 else member.hub_krt end as hubungan_kk,
        cast(null as date) as tanggal_meninggal,
        member.partisipasi_sekolah = 1 as sekolah,
        member.disabilitas > 0 as disabilitas,
        member.hamil,
        cast(null as integer) as ijazah,
        cast(null as boolean) as bekerja,
        member.penerima_pip
    from {{ ref('stg_dtks__anggota') }} as member
    left join {{ ref('stg_dtks__rumah_tangga') }} as household
        on member.id_rt = household.id_rt
),

p3ke as (
    select
        person.source,
        person.source_file,
        person.extract_date,
        person.source_row_number,
        person.source_record_id,
        person.id_keluarga_p3ke as source_household_id,
        person.nik_clean,
        person.nik_status,
        p3ke_family.no_kk_clean,
        person.nama,
        person.nama_normal,
        person.jenis_kelamin,
        case when not person.tanggal_lahir_is_placeholder then person.tanggal_lahir end as tanggal_lahir,
        p3ke_family.kode_desa,
        {{ shdk_to_hubungan_kk('person.hubungan') }} as hubungan_kk,
        cast(null as date) as tanggal_meninggal,
        person.status_sekolah = 'SEKOLAH' as sekolah,
        cast(null as boolean) as disabilitas,
        cast(null as boolean) as hamil,
        {{ pendidikan_to_ijazah('person.pendidikan') }} as ijazah,
        {{ pekerjaan_is_work('person.pekerjaan') }} as bekerja,
        cast(null as boolean) as penerima_pip
    from {{ ref('stg_p3ke__individu') }} as person
    left join {{ ref('stg_p3ke__keluarga') }} as p3ke_family
        on person.id_keluarga_p3ke = p3ke_family.id_keluarga_p3ke
),

bps as (
    select
        person.source,
        person.source_file,
        person.extract_date,
        person.source_row_number,
        person.source_record_id,
        person.id_keluarga as source_household_id,
        person.nik_clean,
        person.nik_status,
        bps_family.no_kk_clean,
        person.nama,
        person.nama_normal,
        person.jenis_kelamin,
        case when not person.tanggal_lahir_is_placeholder then person.tanggal_lahir end as tanggal_lahir,
        bps_family.kode_desa,
        person.hubungan_kk,
        cast(null as date) as tanggal_meninggal,
        person.sekolah = 1 as sekolah,
        person.disabilitas,
        cast(null as boolean) as hamil,
        person.ijazah,
        person.bekerja,
        cast(null as boolean) as penerima_pip
    from {{ ref('stg_bps__regsosek_individu') }} as person
    left join {{ ref('stg_bps__regsosek_keluarga') }} as bps_family
        on person.id_keluarga = bps_family.id_keluarga
),

register_cards as (
    select distinct no_kk_clean
    from {{ ref('stg_dukcapil__penduduk') }}
    where no_kk_clean is not null
),

verifikasi as (
    select
        member.source,
        member.source_file,
        member.extract_date,
        member.source_row_number,
        member.source_record_id,
        {{ field_visit_key('member') }} as source_household_id,
        member.nik_clean,
        member.nik_status,
        visit.no_kk_clean,
        member.nama,
        member.nama_normal,
        member.jenis_kelamin,
        case when not member.tanggal_lahir_is_placeholder then member.tanggal_lahir end as tanggal_lahir,
        visit.kode_desa,
        {{ shdk_to_hubungan_kk('member.hubungan') }} as hubungan_kk,
        cast(null as date) as tanggal_meninggal,
        cast(null as boolean) as sekolah,
        cast(null as boolean) as disabilitas,
        cast(null as boolean) as hamil,
        cast(null as integer) as ijazah,
        cast(null as boolean) as bekerja,
        cast(null as boolean) as penerima_pip
    from {{ ref('stg_verifikasi__anggota_usulan') }} as member
    inner join {{ ref('stg_verifikasi__hasil_verifikasi') }} as visit
        on member.extract_date = visit.extract_date and member.id_kunjungan = visit.id_kunjungan
    left join register_cards on visit.no_kk_clean = register_cards.no_kk_clean
    where visit.jenis = 'USULAN' and visit.hasil = 'LAYAK' and register_cards.no_kk_clean is null
),

unioned as (
    select * from dukcapil
    union all
    select * from dtks
    union all
    select * from p3ke
    union all
    select * from bps
    union all
    select * from verifikasi
)

select
    {{ star_except('unioned', ['kode_desa']) }},
    unioned.kode_desa as kode_desa_delivered,
    {{ person_record_key('unioned') }} as record_key,
    -- A village delivered under a regency code since retired gets today's code: the
    -- district and village digits did not change in the 2022 splits.
    case
        when desa.kode_desa is not null then unioned.kode_desa
        when retired_code.kode_baru is not null then retired_code.kode_baru || substr(unioned.kode_desa, 5)
    end as kode_desa
from unioned
left join {{ ref('ref_desa') }} as desa
    on unioned.kode_desa = desa.kode_desa
left join {{ ref('stg_reference__kode_wilayah_nik') }} as retired_code
    on substr(unioned.kode_desa, 1, 4) = retired_code.kode_kabupaten_kota and not retired_code.is_in_force
