-- Every staged person record with the person it belongs to. Records with a trusted NIK take
-- their register person; the others take the person of their cluster (int_person_clusters),
-- which holds at most one register NIK. A cluster without one takes a register person by a
-- deterministic rule when one of its records has no usable NIK (missing, damaged, or naming
-- another register person) and that person is the only one in the register with the record's
-- name and birth date in the record's province, of the same sex, and no other register person
-- on the record's card has its birth date and name: a child listed under the parents' old
-- card in another regency, whom the village comparison keeps apart. A well-formed NIK the
-- register does not hold is no such record: a made-up recipient may copy a real person's name
-- and date. person_id is a BIGINT, the register NIK as a number, or the smallest record key
-- of a cluster without one (keys are at least 2^59, NIKs below 10^16, so the two never meet):
-- the same input gives the same ids, on both engines.
-- The record's columns the models that group records by person read come along, so the
-- join of every record to its person is paid once here instead of in each of them; its
-- lineage (source_file, source_record_id) and the columns only matching reads stay in
-- int_person_records, one join away on the integer record_key.
-- The rule is looked at only for records without a usable NIK (a few in a hundred), so the
-- register is grouped and searched only for their names and birth dates.
with candidates as (
    select
        records.record_key,
        records.name_key,
        records.name_sorted,
        records.birth_date,
        records.sex,
        records.no_kk,
        substr(records.village, 1, 2) as province
    from {{ ref('int_person_match_features') }} as records
    inner join {{ ref('int_person_nik_links') }} as links
        on records.record_key = links.record_key
    where
        links.nik_link in ('no_valid_nik', 'contradicted')
        and records.name_key is not null
        and records.birth_date is not null
        and records.village is not null
),

register as (
    select
        nik_clean,
        name_key,
        name_sorted,
        birth_date,
        sex,
        no_kk,
        substr(village, 1, 2) as province
    from {{ ref('int_person_match_features') }}
    where source = 'dukcapil' and nik_clean is not null
),

candidate_names as (
    select distinct
        name_key,
        birth_date,
        province
    from candidates
),

-- Name and birth date pairs held by exactly one register person (of one sex) in a province.
province_register as (
    select
        register.name_key,
        register.birth_date,
        register.province,
        min(register.sex) as sex,
        min(register.nik_clean) as register_nik
    from register
    inner join candidate_names as wanted
        on
            register.name_key = wanted.name_key
            and register.birth_date = wanted.birth_date
            and register.province = wanted.province
    group by register.name_key, register.birth_date, register.province
    having count(distinct register.nik_clean) = 1 and count(distinct register.sex) = 1
),

-- Register persons on a candidate's card with its birth date and the same or a very close name.
card_matches as (
    select distinct
        candidates.record_key,
        register.nik_clean as register_nik
    from candidates
    inner join register
        on
            candidates.no_kk = register.no_kk
            and candidates.birth_date = register.birth_date
    where {{ names_close('candidates', 'register') }}
),

province_links as (
    select
        candidates.record_key,
        province_register.register_nik
    from candidates
    inner join province_register
        on
            candidates.name_key = province_register.name_key
            and candidates.birth_date = province_register.birth_date
            and candidates.province = province_register.province
            and candidates.sex = province_register.sex
    left join card_matches
        on
            candidates.record_key = card_matches.record_key
            and province_register.register_nik != card_matches.register_nik
    where card_matches.record_key is null
),

-- Clusters without a register person whose records link to exactly one by the rule.
cluster_province_links as (
    select
        clusters.cluster_key,
        min(province_links.register_nik) as register_nik
    from {{ ref('int_person_clusters') }} as clusters
    inner join province_links
        on clusters.record_key = province_links.record_key
    where clusters.resolved_nik is null
    group by clusters.cluster_key
    having count(distinct province_links.register_nik) = 1
),

resolved as (
    select
        links.record_key,
        links.nik_link,
        links.is_nik_trusted,
        clusters.cluster_key,
        clusters.match_probability,
        clusters.blocking_rule,
        case
            when links.is_nik_trusted then links.register_nik
            else coalesce(clusters.resolved_nik, cluster_province_links.register_nik)
        end as resolved_nik,
        cluster_province_links.cluster_key is not null
        and province_links.record_key is not null as is_province_link
    from {{ ref('int_person_nik_links') }} as links
    left join {{ ref('int_person_clusters') }} as clusters
        on links.record_key = clusters.record_key
    left join cluster_province_links
        on clusters.cluster_key = cluster_province_links.cluster_key
    left join province_links
        on links.record_key = province_links.record_key
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
        when resolved.is_province_link then 'unique_in_province'
        when resolved.match_probability is not null then 'probabilistic'
        else 'none'
    end as link_rule
from {{ ref('int_person_records') }} as records
inner join resolved on records.record_key = resolved.record_key
