{#- NIK and family-card (KK) numbers: safe repair and one flag per check (docs/contract.md,
    "Identifiers"). Staging models use them in two steps: repair_identifier() in one CTE,
    then nik_checks() / kk_checks() on the repaired column in the next. The model passes
    in the relations the checks read (`regions`: the regency prefixes a code may carry,
    stg_reference__kode_wilayah_nik; `villages`: ref_desa), so that it names its inputs. -#}

{#- Repairs only what cannot change the number: surrounding spaces, a leading quote
    (spreadsheet text marker), spaces and dashes, a trailing ".0" (spreadsheet float), then
    dots between digits. Exponent form (3.27301E+15) has lost digits: NULL, never guessed.
    Most numbers arrive well formed, and no repair changes them: they are tested with one
    pattern instead of four (a fifth of stg_dukcapil__penduduk's CPU time). -#}
{% macro repair_identifier(column) -%}
    case
        when {{ _is_16_digits(clean_text(column)) }} then {{ clean_text(column) }}
        when {{ regexp_full_match(clean_text(column), "[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+") }} then null
        else replace({{ replace_pattern(
            replace_pattern(replace_pattern(clean_text(column), "^''+", ''), '[\\s\\-]', '', 'g'),
            '^([0-9.]*[0-9])\\.0$', '\\1') }}, '.', '')
    end
{%- endmacro %}

{#- Why a delivered identifier is not a well-formed 16-digit number, or NULL when it is. -#}
{% macro identifier_format_problem(raw, repaired) -%}
    case
        when {{ clean_text(raw) }} is null or {{ regexp_full_match(repaired, "0*") }} then 'missing'
        when {{ repaired }} is null then 'exponent_form'
        when not {{ regexp_full_match(repaired, "[0-9]+") }} then 'invalid_characters'
        when length({{ repaired }}) <> 16 then 'wrong_length'
    end
{%- endmacro %}

{% macro _is_16_digits(repaired) -%}
    coalesce({{ regexp_full_match(repaired, "[0-9]{16}") }}, false)
{%- endmacro %}

{#- Regency prefix (digits 1-4) of a Kemendagri code in force, or of one since split. -#}
{% macro _region_known(repaired, regions) -%}
    coalesce(substr({{ repaired }}, 1, 4) in (
        select kode_kabupaten_kota from {{ regions }}
    ), false)
{%- endmacro %}

{#- The date in digits 7-12 (DDMMYY); women's day carries +40 in a NIK. The two-digit year
    is read as 20YY, whose leap years (YY divisible by 4, 00 included) are exactly those a
    29 February can be valid for in either century. -#}
{% macro _birth_part_date(repaired, female_offset) -%}
    {{ parse_date(
        "lpad(cast(try_cast(substr(" ~ repaired ~ ", 7, 2) as integer)"
        ~ (" - case when try_cast(substr(" ~ repaired ~ ", 7, 2) as integer) > 40 then 40 else 0 end" if female_offset else "")
        ~ " as " ~ dbt.type_string() ~ "), 2, '0') || substr(" ~ repaired ~ ", 9, 2) || '20' || substr(" ~ repaired ~ ", 11, 2)",
        "%d%m%Y") }}
{%- endmacro %}

{#- Columns <prefix>_clean, _format_problem, _is_16_digits, _was_repaired, _region_known,
    _birth_part_valid, _agrees_birth_date, _agrees_sex and _status for a NIK. -#}
{% macro nik_checks(raw, repaired, birth_date, is_female, regions, prefix='nik') -%}
    {%- set digits16 = _is_16_digits(repaired) -%}
    {%- set region = _region_known(repaired, regions) -%}
    {%- set day = "try_cast(substr(" ~ repaired ~ ", 7, 2) as integer)" -%}
    {%- set birth_part_ok = "(" ~ _birth_part_date(repaired, true) ~ " is not null and " ~ day ~ " not between 32 and 40)" -%}
    {%- set agrees_date -%}
        (day({{ birth_date }}) = {{ day }} - case when {{ day }} > 40 then 40 else 0 end
            and month({{ birth_date }}) = try_cast(substr({{ repaired }}, 9, 2) as integer)
            and year({{ birth_date }}) % 100 = try_cast(substr({{ repaired }}, 11, 2) as integer))
    {%- endset -%}
    {%- set agrees_sex = "((" ~ day ~ " > 40) = " ~ is_female ~ ")" -%}
    case when {{ digits16 }} then {{ repaired }} end as {{ prefix }}_clean,
    {{ identifier_format_problem(raw, repaired) }} as {{ prefix }}_format_problem,
    {{ digits16 }} as {{ prefix }}_is_16_digits,
    {{ digits16 }} and {{ repaired }} <> cast({{ raw }} as {{ dbt.type_string() }}) as {{ prefix }}_was_repaired,
    {{ digits16 }} and {{ region }} as {{ prefix }}_region_known,
    {{ digits16 }} and {{ birth_part_ok }} as {{ prefix }}_birth_part_valid,
    case when {{ digits16 }} and {{ birth_part_ok }} then {{ agrees_date }} end as {{ prefix }}_agrees_birth_date,
    case when {{ digits16 }} and {{ birth_part_ok }} then {{ agrees_sex }} end as {{ prefix }}_agrees_sex,
    case
        when not {{ digits16 }} then {{ identifier_format_problem(raw, repaired) }}
        when not {{ region }} then 'unknown_region'
        when not {{ birth_part_ok }} then 'invalid_birth_part'
        when not coalesce({{ agrees_date }}, true) then 'birth_date_mismatch'
        when not coalesce({{ agrees_sex }}, true) then 'sex_mismatch'
        else 'valid'
    end as {{ prefix }}_status
{%- endmacro %}

{#- Columns <prefix>_clean, _format_problem, _is_16_digits, _was_repaired, _region_known,
    _issue_date_valid and _status for a family-card number (digits 7-12: issue date DDMMYY). -#}
{% macro kk_checks(raw, repaired, regions, prefix='no_kk') -%}
    {%- set digits16 = _is_16_digits(repaired) -%}
    {%- set region = _region_known(repaired, regions) -%}
    {%- set issue_date_ok = "(" ~ _birth_part_date(repaired, false) ~ " is not null)" -%}
    case when {{ digits16 }} then {{ repaired }} end as {{ prefix }}_clean,
    {{ identifier_format_problem(raw, repaired) }} as {{ prefix }}_format_problem,
    {{ digits16 }} as {{ prefix }}_is_16_digits,
    {{ digits16 }} and {{ repaired }} <> cast({{ raw }} as {{ dbt.type_string() }}) as {{ prefix }}_was_repaired,
    {{ digits16 }} and {{ region }} as {{ prefix }}_region_known,
    {{ digits16 }} and {{ issue_date_ok }} as {{ prefix }}_issue_date_valid,
    case
        when not {{ digits16 }} then {{ identifier_format_problem(raw, repaired) }}
        when not {{ region }} then 'unknown_region'
        when not {{ issue_date_ok }} then 'invalid_issue_date'
        else 'valid'
    end as {{ prefix }}_status
{%- endmacro %}

{#- Columns for a village code: kode_desa (trimmed), _is_10_digits, _in_force (a village in
    ref_desa) and _region_known (regency prefix in force or since renumbered). -#}
{% macro kode_desa_checks(column, villages, regions, prefix='kode_desa') -%}
    {%- set clean = clean_text(column) -%}
    {{ clean }} as {{ prefix }},
    coalesce({{ regexp_full_match(clean, "[0-9]{10}") }}, false) as {{ prefix }}_is_10_digits,
    coalesce({{ clean }} in (select kode_desa from {{ villages }}), false) as {{ prefix }}_in_force,
    coalesce({{ regexp_full_match(clean, "[0-9]{10}") }}, false)
        and {{ _region_known(clean, regions) }} as {{ prefix }}_region_known
{%- endmacro %}

{#- The text a person's pseudonym keys (int_person_pseudonyms.identifier): 'person:' and the
    id's decimal digits, the same on both engines. The prefix keeps the two kinds apart: a
    register person's id is its NIK, whose pseudonym (int_nik_pseudonyms) keys the bare
    digits, and a person's pseudonym must not be its NIK's. -#}
{% macro person_pseudonym_identifier(person_id) -%}
    'person:' || cast({{ person_id }} as string)
{%- endmacro %}
