-- The NIK and KK flags of every staging model agree with the status they summarise:
-- a clean value exactly when 16 digits; a format problem exactly when not; a value that
-- is not 16 digits has its format problem as status and no other check passed; `valid`
-- only when every check passed; a placeholder birth date is never compared with a NIK.
-- Returns the rows that break a rule, with the model, column and rule.
{%- set niks = [
    ('stg_dukcapil__penduduk', 'nik', true), ('stg_dtks__anggota', 'nik', true),
    ('stg_p3ke__individu', 'nik', true), ('stg_bps__regsosek_individu', 'nik', true),
    ('stg_p3ke__keluarga', 'nik_kepala_keluarga', false),
] %}
{%- set kks = [
    ('stg_dukcapil__penduduk', 'no_kk'), ('stg_dtks__anggota', 'no_kk'),
    ('stg_p3ke__keluarga', 'no_kk'), ('stg_bps__regsosek_keluarga', 'no_kk'),
] %}
{%- set common_rules = {
    'clean exactly when 16 digits': "({p}_clean is not null) = {p}_is_16_digits",
    'format problem exactly when not 16 digits': "({p}_format_problem is null) = {p}_is_16_digits",
    'not 16 digits: status is the format problem': "{p}_is_16_digits or {p}_status = {p}_format_problem",
    'not 16 digits: no check passed': "{p}_is_16_digits or not ({p}_region_known or {p}_was_repaired)",
} %}
{%- set nik_rules = {
    'not 16 digits: birth part not valid, nothing compared':
        "{p}_is_16_digits or not ({p}_birth_part_valid or {p}_agrees_birth_date is not null or {p}_agrees_sex is not null)",
    'valid only when every check passed':
        "{p}_status <> 'valid' or ({p}_region_known and {p}_birth_part_valid and coalesce({p}_agrees_birth_date, true) and coalesce({p}_agrees_sex, true))",
} %}
{%- set kk_rules = {
    'valid only when every check passed': "{p}_status <> 'valid' or ({p}_region_known and {p}_issue_date_valid)",
} %}
{%- set checks = [] %}
{%- for model, prefix, has_birth_date in niks %}
    {%- for rule, condition in (common_rules.items() | list) + (nik_rules.items() | list) %}
        {%- do checks.append((model, prefix, rule, condition)) %}
    {%- endfor %}
    {%- if has_birth_date %}
        {%- do checks.append((model, prefix, 'placeholder birth date not compared',
            "not tanggal_lahir_is_placeholder or {p}_agrees_birth_date is null")) %}
    {%- endif %}
{%- endfor %}
{%- for model, prefix in kks %}
    {%- for rule, condition in (common_rules.items() | list) + (kk_rules.items() | list) %}
        {%- do checks.append((model, prefix, rule, condition)) %}
    {%- endfor %}
{%- endfor %}

{% for model, prefix, rule, condition in checks %}
    select
        '{{ model }}' as model_name,
        '{{ prefix }}' as identifier_column,
        source_record_id,
        '{{ rule }}' as broken_rule
    from {{ ref(model) }}
    where not coalesce({{ condition | replace('{p}', prefix) }}, false)
    {% if not loop.last %}union all{% endif %}
{% endfor %}
