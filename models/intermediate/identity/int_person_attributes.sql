-- What the sources say about each resolved person beyond identity, for household
-- composition and programme rules: school, disability, pregnancy, education, work, and
-- today's school aid (PIP). A person counts as in school, disabled or pregnant when any
-- source says so; education is the highest level any source reports. Each record's
-- answers are read in int_person_records, so this sums up int_person_identity alone.
select
    person_id,
    coalesce(bool_or(sekolah), false) as sekolah,
    coalesce(bool_or(disabilitas), false) as disabilitas,
    coalesce(bool_or(hamil), false) as hamil,
    max(ijazah) as ijazah,
    bool_or(bekerja) as bekerja,
    coalesce(bool_or(penerima_pip), false) as penerima_pip
from {{ ref('int_person_identity') }}
group by person_id
