-- ref_program_rules is edited by hand: one row per (program, syarat_no), one name and one
-- region per programme, bounds in order, desil bounds within 1-10.
select
    program,
    'duplicate syarat_no' as problem
from {{ ref('ref_program_rules') }}
group by program, syarat_no
having count(*) > 1

union all

select
    program,
    'several names or regions' as problem
from {{ ref('ref_program_rules') }}
group by program
having count(distinct nama_program) > 1 or count(distinct coalesce(kode_wilayah, '')) > 1

union all

select
    program,
    'bounds out of order or outside 1-10 for a desil' as problem
from {{ ref('ref_program_rules') }}
where
    nilai_min > nilai_max
    or (syarat like 'desil_%' and (nilai_min < 1 or nilai_max > 10))
