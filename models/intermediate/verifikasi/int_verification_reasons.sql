-- Every reason a family should be visited (docs/verification-list.md): one row per family
-- and reason. int_verification_candidates orders them by the ministry's priorities.
with households as (
    select
        pseudonyms.identifier as family_key,
        household.di_dukcapil,
        household.kode_desa,
        household.status_pendataan = 'REGISTER_SAJA' as without_indicator_source
    from {{ ref('fct_household') }} as household
    inner join {{ ref('int_family_pseudonyms') }} as pseudonyms on household.family_id = pseudonyms.pseudonym
),

ranked as (
    -- The national ranking of fct_household_desil, in the same order (poorest first, ties
    -- by family key): the share of the living population ranked below the family's middle
    -- person, in percent. Desil 4 ends where that share reaches 40.
    select
        pseudonyms.identifier as family_key,
        desil.desil_nasional,
        -- In doubles: Spark would carry the decimal literals' arithmetic as decimals.
        100 * (
            cast(
                sum(desil.jumlah_anggota)
                    over (
                        order by desil.log_kesejahteraan_prediksi, pseudonyms.identifier rows unbounded preceding
                    )
                as double
            )
            - cast(desil.jumlah_anggota as double) / 2
        ) / cast(nullif(sum(desil.jumlah_anggota) over (), 0) as double) as persen_penduduk_di_bawah
    from {{ ref('fct_household_desil') }} as desil
    inner join {{ ref('int_family_pseudonyms') }} as pseudonyms on desil.family_id = pseudonyms.pseudonym
),

route_lines as (
    -- The ceiling of each programme that takes a confirming field visit (LAYAK) as a route
    -- above its desil, in percent of the population: a visit to a family just above it can
    -- make the family eligible. A regional programme's line holds in its region only.
    select distinct
        kode_wilayah,
        10 * nilai_max as batas_persen
    from {{ ref('int_program_rules_in_force') }}
    where syarat = 'desil_nasional_atau_verifikasi_layak' and nilai_max < 10
),

above_route_lines as (
    select
        ranked.family_key,
        min(route_lines.batas_persen) as batas_persen
    from ranked
    inner join route_lines
        on
            ranked.persen_penduduk_di_bawah > route_lines.batas_persen
            and ranked.persen_penduduk_di_bawah <= route_lines.batas_persen + {{ var('verifikasi_margin_jalur') }}
    left join households on ranked.family_key = households.family_key
    where
        route_lines.kode_wilayah is null
        or substr(households.kode_desa, 1, length(route_lines.kode_wilayah)) = route_lines.kode_wilayah
    group by ranked.family_key
),

recipient_errors as (
    select
        family_key,
        bool_or(penerima_meninggal) as penerima_meninggal,
        bool_or(penerima_ganda or penerima_rumah_tangga_ganda) as penerima_ganda,
        bool_or(anggota_dikarantina) as anggota_dikarantina
    from {{ ref('int_recipient_data_errors') }}
    group by family_key
),

visits as (
    -- Every field visit with the family it was matched to (int_field_visits: the listing
    -- it answers, the family card or the head's NIK).
    select
        family_key,
        jenis,
        hasil,
        tanggal_kunjungan,
        extract_date,
        source_row_number
    from {{ ref('int_field_visits') }}
),

pending_objections as (
    -- An objection is settled by a finding on the family's condition (TIDAK_LAYAK upholds
    -- it, LAYAK rejects it). It is pending while the family's latest visit is an objection
    -- that found neither (not found, moved, listed twice, dissolved): someone must go back.
    select family_key
    from visits
    where family_key is not null
    qualify
        row_number() over (
            partition by family_key
            order by tanggal_kunjungan desc, extract_date desc, source_row_number desc
        ) = 1
        and jenis = 'SANGGAHAN'
        and hasil not in ('LAYAK', 'TIDAK_LAYAK')
),

reasons as (
    select
        family_key,
        'TANPA_SUMBER_INDIKATOR' as alasan_daftar,
        cast(null as double) as batas_persen
    from households
    where without_indicator_source
    union all
    select
        family_key,
        'SANGGAHAN_TERTUNDA' as alasan_daftar,
        cast(null as double) as batas_persen
    from pending_objections
    union all
    select
        family_key,
        'PENERIMA_MENINGGAL' as alasan_daftar,
        cast(null as double) as batas_persen
    from recipient_errors
    where penerima_meninggal
    union all
    select
        family_key,
        'PENERIMA_GANDA' as alasan_daftar,
        cast(null as double) as batas_persen
    from recipient_errors
    where penerima_ganda
    union all
    select
        recipient_errors.family_key,
        case
            when recipient_errors.anggota_dikarantina then 'PENERIMA_ANGGOTA_DIKARANTINA'
            else 'PENERIMA_TIDAK_DI_DUKCAPIL'
        end as alasan_daftar,
        cast(null as double) as batas_persen
    from recipient_errors
    inner join households on recipient_errors.family_key = households.family_key
    where not households.di_dukcapil
    union all
    select
        family_key,
        'DEKAT_BATAS_DESIL_4' as alasan_daftar,
        cast(40 as double) as batas_persen
    from ranked
    where abs(persen_penduduk_di_bawah - 40) <= {{ var('verifikasi_margin_desil_4') }}
    union all
    select
        family_key,
        'DI_ATAS_BATAS_JALUR_LAPANGAN' as alasan_daftar,
        batas_persen
    from above_route_lines
)

select
    reasons.family_key,
    reasons.alasan_daftar,
    ranked.desil_nasional,
    ranked.persen_penduduk_di_bawah,
    reasons.batas_persen
from reasons
left join ranked on reasons.family_key = ranked.family_key
