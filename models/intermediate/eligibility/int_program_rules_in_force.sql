-- The rows of ref_program_rules in force at the decision date (eligibility_date(): the data
-- date unless the var tanggal_keputusan asks another), one per programme and condition,
-- with the ages the seed leaves to vars filled in, and the desil a confirming field visit
-- reaches for a programme that takes that route. fct_eligibility applies these; a
-- programme without a row in force is not running at that date.
with decision as (
    select {{ eligibility_date(ref('stg_landing__delivery_files')) }} as tanggal_keputusan
),

in_force as (
    select
        rules.*,
        decision.tanggal_keputusan
    from {{ ref('ref_program_rules') }} as rules
    cross join decision
    where
        (rules.berlaku_mulai is null or rules.berlaku_mulai <= decision.tanggal_keputusan)
        and (rules.berlaku_sampai is null or rules.berlaku_sampai >= decision.tanggal_keputusan)
)

select
    program,
    nama_program,
    kode_wilayah,
    satuan,
    syarat_no,
    syarat,
    gabung,
    case
        when syarat = 'anggota_lansia' then coalesce(nilai_min, {{ var('umur_lansia_pkh') }})
        else nilai_min
    end as nilai_min,
    nilai_max,
    -- A LAYAK field visit takes a family up to this desil (desil_nasional_atau_verifikasi_layak).
    case
        when syarat = 'desil_nasional_atau_verifikasi_layak'
            then least(10, coalesce(nilai_max, 10) + {{ var('verifikasi_jalur_desil_tambahan') }})
    end as nilai_max_verifikasi,
    berlaku_mulai,
    berlaku_sampai,
    case
        when syarat = 'anggota_lansia'
            then
                keterangan || ' ' || cast(coalesce(nilai_min, {{ var('umur_lansia_pkh') }}) as {{ dbt.type_string() }})
                || ' tahun ke atas'
        when syarat = 'desil_nasional_atau_verifikasi_layak'
            then
                keterangan || ' (sampai desil '
                || cast(
                    least(10, coalesce(nilai_max, 10) + {{ var('verifikasi_jalur_desil_tambahan') }})
                    as {{ dbt.type_string() }}
                )
                || ' dengan kunjungan lapangan LAYAK)'
        else keterangan
    end as keterangan,
    tanggal_keputusan
from in_force
