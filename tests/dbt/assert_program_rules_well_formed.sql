-- ref_program_rules is edited by hand: one name, region and unit per programme; a
-- condition (program, syarat_no) has one row per period in force and its periods never
-- overlap; periods and bounds in order, desil bounds within 1-10.
select
    first_row.program,
    'overlapping periods of one syarat_no' as problem
from {{ ref('ref_program_rules') }} as first_row
inner join {{ ref('ref_program_rules') }} as second_row
    on
        first_row.program = second_row.program
        and first_row.syarat_no = second_row.syarat_no
        and coalesce(first_row.berlaku_mulai, date '1900-01-01') < coalesce(second_row.berlaku_mulai, date '1900-01-01')
        and coalesce(first_row.berlaku_sampai, date '9999-12-31')
        >= coalesce(second_row.berlaku_mulai, date '1900-01-01')

union all

select
    program,
    'duplicate syarat_no with the same start' as problem
from {{ ref('ref_program_rules') }}
group by program, syarat_no, berlaku_mulai
having count(*) > 1

union all

select
    program,
    'several names, regions or units' as problem
from {{ ref('ref_program_rules') }}
group by program
having
    count(distinct nama_program) > 1
    or count(distinct coalesce(kode_wilayah, '')) > 1
    or count(distinct satuan) > 1

union all

select
    program,
    'bounds or period out of order, or outside 1-10 for a desil' as problem
from {{ ref('ref_program_rules') }}
where
    nilai_min > nilai_max
    or berlaku_mulai > berlaku_sampai
    or (syarat like 'desil_%' and (nilai_min < 1 or nilai_max > 10))
