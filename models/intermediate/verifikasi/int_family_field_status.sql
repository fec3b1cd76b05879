-- The field status of each family a field visit was applied to (int_field_visits): the
-- deciding visit is the latest by tanggal_kunjungan, then the later delivery, then the
-- later row, and its hasil decides. LAYAK confirms (TERKONFIRMASI: lifts a suspension);
-- TIDAK_LAYAK excludes from desil-based programmes (DIKECUALIKAN) for
-- var verifikasi_berlaku_bulan months after the visit, then expires (KEDALUWARSA);
-- TIDAK_DITEMUKAN, GANDA, PINDAH and MENINGGAL suspend (DITANGGUHKAN) until a DTKS, P3KE
-- or Regsosek observation of the family dated after the visit (DIPULIHKAN). A PINDAH visit's
-- village is the family's for regional programmes until the civil register shows another
-- move (a register village other than both the listed one and the new one).
{%- set months_valid = var('verifikasi_berlaku_bulan') %}

with decision as (
    select {{ eligibility_date(ref('stg_landing__delivery_files')) }} as tanggal_keputusan
),

deciding as (
    select *
    from {{ ref('int_field_visits') }}
    where diterapkan
    qualify row_number() over (
        partition by family_key order by tanggal_kunjungan desc, extract_date desc, source_row_number desc
    ) = 1
),

-- Dated observations only: a delivery's extract date says when it was extracted, not when
-- the family was seen.
source_observations as (
    select
        households.family_key,
        max(observed.observed_on) as observed_on
    from (
        select
            source,
            id_rt as source_household_id,
            tanggal_verivali as observed_on
        from {{ ref('stg_dtks__rumah_tangga') }}
        union all
        select
            source,
            id_keluarga_p3ke,
            tanggal_pendataan
        from {{ ref('stg_p3ke__keluarga') }}
        union all
        select
            source,
            id_keluarga,
            tanggal_pencacahan
        from {{ ref('stg_bps__regsosek_keluarga') }}
    ) as observed
    inner join {{ ref('int_household_families') }} as households
        on observed.source = households.source and observed.source_household_id = households.source_household_id
    group by households.family_key
),

status as (
    select
        deciding.*,
        decision.tanggal_keputusan,
        case
            when deciding.hasil = 'TIDAK_LAYAK'
                then cast({{ dbt.dateadd('month', months_valid, 'deciding.tanggal_kunjungan') }} as date)
        end as berlaku_sampai,
        coalesce(source_observations.observed_on > deciding.tanggal_kunjungan, false) as diamati_sesudahnya,
        villages.kode_desa as kode_desa_keluarga,
        villages.village_basis
    from deciding
    cross join decision
    left join source_observations on deciding.family_key = source_observations.family_key
    left join {{ ref('int_family_villages') }} as villages on deciding.family_key = villages.family_key
),

classified as (
    select
        *,
        case
            when hasil = 'LAYAK' then 'TERKONFIRMASI'
            when hasil = 'TIDAK_LAYAK' and tanggal_keputusan < berlaku_sampai then 'DIKECUALIKAN'
            when hasil = 'TIDAK_LAYAK' then 'KEDALUWARSA'
            when diamati_sesudahnya then 'DIPULIHKAN'
            else 'DITANGGUHKAN'
        end as status_lapangan
    from status
)

select
    family_key,
    id_kunjungan_lapangan,
    id_kunjungan,
    extract_date,
    jenis,
    hasil,
    alasan,
    tanggal_kunjungan,
    status_lapangan,
    berlaku_sampai,
    jumlah_anggota as jumlah_anggota_lapangan,
    case
        when
            hasil = 'PINDAH'
            and (
                village_basis <> 'register'
                or kode_desa_keluarga is null
                or kode_desa_keluarga = kode_desa
                or kode_desa_keluarga = coalesce(kode_desa_daftar, kode_desa_keluarga)
            )
            then kode_desa
    end as kode_desa_pindah,
    case status_lapangan
        when 'DIKECUALIKAN'
            then
                'dikecualikan oleh kunjungan lapangan ' || id_kunjungan_lapangan || ' ('
                || case when jenis = 'SANGGAHAN' then 'sanggahan diterima, ' else '' end
                || 'TIDAK_LAYAK ' || cast(tanggal_kunjungan as {{ dbt.type_string() }}) || ', berlaku sampai '
                || cast(berlaku_sampai as {{ dbt.type_string() }}) || ')'
                || coalesce(': ' || {{ mask_identifier_digits("nullif(alasan, '')") }}, '')
        when 'DITANGGUHKAN' then
            'ditangguhkan oleh kunjungan lapangan ' || id_kunjungan_lapangan || ' (' || hasil || ' '
            || cast(tanggal_kunjungan as {{ dbt.type_string() }}) || ')'
            || coalesce(': ' || {{ mask_identifier_digits("nullif(alasan, '')") }}, '')
    end as keterangan
from classified
