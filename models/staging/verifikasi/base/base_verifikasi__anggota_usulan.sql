-- Every row of every current field-verification delivery's member file (the members of
-- proposed families) as delivered (text), with the reasons, if any, it cannot be staged.
-- A member belongs to a USULAN visit staged from the same delivery, or is quarantined. A
-- member enters the family's composition (the programmes' member conditions): like a P3KE
-- member, sex is required, and so is the relation to the head, which no register row of
-- the family may supply.
{%- set codes = ref('ref_kode') %}
{%- set visits = ref('stg_verifikasi__hasil_verifikasi') %}
{%- set registry = ref('stg_landing__delivery_files') %}
with landed as (
    select * from {{ accumulated_landing_rows(source('verifikasi', 'anggota_usulan'), registry) }}
),

proposals as (
    select distinct
        extract_date,
        id_kunjungan
    from {{ visits }}
    where jenis = 'USULAN'
)

select
    landed.*,
    {{ reject_reasons([
        reject_if_too_many_fields(),
        "case when " ~ clean_text('landed.id_kunjungan') ~ " is null then 'EMPTY_KEY:id_kunjungan' end",
        "case when " ~ clean_text('landed.id_kunjungan') ~ " is not null and proposals.id_kunjungan is null
            then 'UNKNOWN_VISIT:id_kunjungan' end",
        reject_if_unknown_code('jenis_kelamin', 'jenis_kelamin_p3ke', codes),
        reject_if_bad_date('tanggal_lahir', '%Y-%m-%d'),
        reject_if_unknown_code('hubungan', 'shdk', codes),
    ]) }} as _reject_reasons
from landed
left join proposals
    on
        landed._extract_date = proposals.extract_date
        and {{ clean_text('landed.id_kunjungan') }} = proposals.id_kunjungan
