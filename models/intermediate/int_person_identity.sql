-- Every staged person record with the person it belongs to. Records with a trusted NIK take
-- their register person; the others take the person of their cluster (int_person_clusters),
-- which holds at most one register NIK. person_id is a hash of the register NIK, or of the
-- smallest record key of a cluster without one: the same input gives the same ids.
with records as (
    select
        links.record_key,
        links.source,
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
    record_key,
    source,
    resolved_nik,
    match_probability,
    blocking_rule as match_blocking_rule,
    md5(
        case
            when resolved_nik is not null then 'nik:' || resolved_nik
            else 'record:' || cluster_key
        end
    ) as person_id,
    case
        when nik_link = 'register_record' then 'register'
        when is_nik_trusted then 'nik_register'
        when match_probability is not null then 'probabilistic'
        else 'none'
    end as link_rule
from records
