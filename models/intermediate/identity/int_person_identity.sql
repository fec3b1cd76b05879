-- Every staged person record with the person it belongs to. Records with a trusted NIK take
-- their register person; the others take the person of their cluster (int_person_clusters),
-- which holds at most one register NIK. person_id is a BIGINT, the register NIK as a number,
-- or the smallest record key of a cluster without one (keys are at least 2^59, NIKs below
-- 10^16, so the two never meet): the same input gives the same ids, on both engines.
-- The record's columns the models that group records by person read come along, so the
-- join of every record to its person is paid once here instead of in each of them; its
-- lineage (source_file, source_record_id) and the columns only matching reads stay in
-- int_person_records, one join away on the integer record_key.
with resolved as (
    select
        links.record_key,
        links.nik_link,
        links.is_nik_trusted,
        clusters.cluster_key,
        clusters.match_probability,
        clusters.blocking_rule,
        case when links.is_nik_trusted then links.register_nik else clusters.resolved_nik end as resolved_nik
    from {{ ref('int_person_nik_links') }} as links
    left join {{ ref('int_person_clusters') }} as clusters
        on links.record_key = clusters.record_key
)

select
    records.record_key,
    records.source,
    records.source_row_number,
    records.source_household_id,
    records.nik_clean,
    records.nik_status,
    records.no_kk_clean,
    records.nama,
    records.jenis_kelamin,
    records.tanggal_lahir,
    records.hubungan_kk,
    records.tanggal_meninggal,
    records.kode_desa,
    records.sekolah,
    records.disabilitas,
    records.hamil,
    records.ijazah,
    records.bekerja,
    records.penerima_pip,
    resolved.resolved_nik,
    resolved.match_probability,
    resolved.blocking_rule as match_blocking_rule,
    coalesce(cast(resolved.resolved_nik as bigint), resolved.cluster_key) as person_id,
    case
        when resolved.nik_link = 'register_record' then 'register'
        when resolved.is_nik_trusted then 'nik_register'
        when resolved.match_probability is not null then 'probabilistic'
        else 'none'
    end as link_rule
from {{ ref('int_person_records') }} as records
inner join resolved on records.record_key = resolved.record_key
