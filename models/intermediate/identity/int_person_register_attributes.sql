-- What the civil register itself says of each resolved person's education and occupation,
-- apart from the other sources (int_person_attributes mixes them): the register-only PMT
-- must describe the families it is fitted on and the families it scores alike, and a
-- family no other source describes has only these.
select
    records.person_id,
    max(records.ijazah) as ijazah,
    -- A person the register lists twice rarely has two occupations; the first word in
    -- order is taken so that the choice never depends on row order.
    min(penduduk.pekerjaan) as pekerjaan
from {{ ref('int_person_identity') }} as records
inner join {{ ref('stg_dukcapil__penduduk') }} as penduduk
    on records.record_key = {{ person_record_key('penduduk') }}
where records.source = 'dukcapil'
group by records.person_id
