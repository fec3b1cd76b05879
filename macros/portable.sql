{#- Engine differences live here, behind adapter.dispatch: default__ is DuckDB, spark__ is
    Spark (dbt-spark). Patterns and formats are given as the text of a standard SQL literal
    ('' for a quote), as DuckDB reads it. -#}

{#- A value as a Spark string literal: Spark reads backslash escapes in literals. -#}
{% macro spark_string(value) -%}
    '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{#- The text of a standard SQL literal as a Spark literal. -#}
{% macro spark_literal(text) -%}
    {{ spark_string(text | replace("''", "'")) }}
{%- endmacro %}

{#- The domain's labels as one map, built once per query: a scalar subquery correlated with
    the row costs DuckDB a join per label over every row (a third of stg_bps__regsosek_keluarga's
    time, with eight labels). -#}
{% macro default__code_label(column, domain, codes, label) -%}
    (select map(list(ref_kode.kode), list(ref_kode.{{ label }})) from {{ codes }} as ref_kode
        where ref_kode.domain = '{{ domain }}')[{{ clean_text(column) }}]
{%- endmacro %}

{% macro spark__code_label(column, domain, codes, label) -%}
    (select ref_kode.{{ label }} from {{ codes }} as ref_kode
        where ref_kode.domain = '{{ domain }}' and ref_kode.kode = {{ clean_text(column) }})
{%- endmacro %}

{#- True when `value` is a code of the domain. DuckDB: the domain's codes as one list, built
    once per query; an IN subquery costs a join per check over every row. -#}
{% macro code_in_domain(value, domain, codes) -%}
    {{ return(adapter.dispatch('code_in_domain', 'dtsen')(value, domain, codes)) }}
{%- endmacro %}

{% macro default__code_in_domain(value, domain, codes) -%}
    list_contains((select list(ref_kode.kode) from {{ codes }} as ref_kode
        where ref_kode.domain = '{{ domain }}'), {{ value }})
{%- endmacro %}

{% macro spark__code_in_domain(value, domain, codes) -%}
    {{ value }} in (select ref_kode.kode from {{ codes }} as ref_kode where ref_kode.domain = '{{ domain }}')
{%- endmacro %}

{#- True when the whole of `expression` matches `pattern` (RE2 syntax, no anchors). -#}
{% macro regexp_full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'dtsen')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{#- Java's $ also matches before a final line break: \z is the very end. -#}
{% macro spark__regexp_full_match(expression, pattern) -%}
    ({{ expression }} rlike {{ spark_literal('^(?:' ~ pattern ~ ')\\z') }})
{%- endmacro %}

{#- Every match of `pattern` replaced (flags 'g'), or the first only (no flags); \1 in
    `replacement` is the first group. -#}
{% macro replace_pattern(expression, pattern, replacement, flags='') -%}
    {{ return(adapter.dispatch('replace_pattern', 'dtsen')(expression, pattern, replacement, flags)) }}
{%- endmacro %}

{% macro default__replace_pattern(expression, pattern, replacement, flags) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}'{% if flags %}, '{{ flags }}'{% endif %})
{%- endmacro %}

{#- Spark replaces every match: a first-only replacement must be anchored to the start. -#}
{% macro spark__replace_pattern(expression, pattern, replacement, flags) -%}
    {%- if 'g' not in flags and not pattern.startswith('^') -%}
        {{ exceptions.raise_compiler_error("replace_pattern on Spark: first-only needs a pattern anchored with ^: " ~ pattern) }}
    {%- endif -%}
    regexp_replace({{ expression }}, {{ spark_literal(pattern) }}, {{ spark_literal(replacement | replace('\\', '$')) }})
{%- endmacro %}

{#- Date from text in a strftime format, NULL when the text is not such a date. -#}
{% macro parse_date(expression, format) -%}
    {{ return(adapter.dispatch('parse_date', 'dtsen')(expression, format)) }}
{%- endmacro %}

{% macro default__parse_date(expression, format) -%}
    cast(try_strptime({{ expression }}, '{{ format }}') as date)
{%- endmacro %}

{#- A strftime format as a Spark datetime pattern. DuckDB reads %d, %m, %H, %M and %S with
    one or two digits and %Y with one to four; Spark's single letters read as many, but only
    between separators: a format without separators gets fixed widths. -#}
{% macro spark_datetime_pattern(format) -%}
    {%- set fixed = format | replace('%', '') | length * 2 == format | length -%}
    {%- set letters = {'d': 'dd', 'm': 'MM', 'Y': 'yyyy', 'H': 'HH', 'M': 'mm', 'S': 'ss'} -%}
    {%- set pattern = namespace(text=format) -%}
    {%- for code, letter in letters.items() -%}
        {%- set pattern.text = pattern.text | replace('%' ~ code, letter if fixed else letter[0]) -%}
    {%- endfor -%}
    {{ return(pattern.text) }}
{%- endmacro %}

{% macro spark__parse_date(expression, format) -%}
    to_date({{ expression }}, '{{ spark_datetime_pattern(format) }}')
{%- endmacro %}

{% macro parse_timestamp(expression, format) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'dtsen')(expression, format)) }}
{%- endmacro %}

{% macro default__parse_timestamp(expression, format) -%}
    try_strptime({{ expression }}, '{{ format }}')
{%- endmacro %}

{% macro spark__parse_timestamp(expression, format) -%}
    try_to_timestamp({{ expression }}, '{{ spark_datetime_pattern(format) }}')
{%- endmacro %}

{#- Text as a number of `type`, NULL when it is none. DuckDB reads decimal text ('4.0',
    '1e3') as an integer, rounded; Spark's try_cast does not. -#}
{% macro try_cast_number(expression, type) -%}
    {{ return(adapter.dispatch('try_cast_number', 'dtsen')(expression, type)) }}
{%- endmacro %}

{% macro default__try_cast_number(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}

{% macro spark__try_cast_number(expression, type) -%}
    {%- if type in ('integer', 'bigint') -%}
        coalesce(try_cast({{ expression }} as {{ type }}), try_cast(round(try_cast({{ expression }} as decimal(38, 9))) as {{ type }}))
    {%- else -%}
        try_cast({{ expression }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- The named columns of a row as one JSON object (text). -#}
{% macro row_as_json(columns) -%}
    {{ return(adapter.dispatch('row_as_json', 'dtsen')(columns)) }}
{%- endmacro %}

{% macro default__row_as_json(columns) -%}
    {%- if columns | length == 0 -%}cast(null as varchar){%- else -%}
    cast(to_json(struct_pack({% for column in columns %}"{{ column }}" := "{{ column }}"{{ ', ' if not loop.last }}{% endfor %})) as varchar)
    {%- endif -%}
{%- endmacro %}

{#- Spark leaves NULL fields out of the object unless told otherwise. -#}
{% macro spark__row_as_json(columns) -%}
    {%- if columns | length == 0 -%}cast(null as string){%- else -%}
    to_json(
        named_struct({% for column in columns %}'{{ column }}', `{{ column }}`{{ ', ' if not loop.last }}{% endfor %}),
        map('ignoreNullFields', 'false'))
    {%- endif -%}
{%- endmacro %}

{#- All columns of `relation` but `columns` (a list of names). -#}
{% macro star_except(relation, columns) -%}
    {{ return(adapter.dispatch('star_except', 'dtsen')(relation, columns)) }}
{%- endmacro %}

{% macro default__star_except(relation, columns) -%}
    {{ relation }}.* exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__star_except(relation, columns) -%}
    {{ relation }}.* except ({{ columns | join(', ') }})
{%- endmacro %}

{#- Aggregate: `value` of the row with the smallest `order`, among the rows whose value is
    not NULL. -#}
{% macro arg_min_skip_null(value, order) -%}
    {{ return(adapter.dispatch('arg_min_skip_null', 'dtsen')(value, order)) }}
{%- endmacro %}

{% macro default__arg_min_skip_null(value, order) -%}
    arg_min({{ value }}, {{ order }})
{%- endmacro %}

{% macro spark__arg_min_skip_null(value, order) -%}
    min_by({{ value }}, {{ order }}) filter (where {{ value }} is not null)
{%- endmacro %}

{#- Aggregate: `value` of the row with the largest `order` (rows with a NULL value are
    skipped on DuckDB only: callers filter them out). -#}
{% macro arg_max(value, order) -%}
    {{ return(adapter.dispatch('arg_max', 'dtsen')(value, order)) }}
{%- endmacro %}

{% macro default__arg_max(value, order) -%}
    arg_max({{ value }}, {{ order }})
{%- endmacro %}

{% macro spark__arg_max(value, order) -%}
    max_by({{ value }}, {{ order }})
{%- endmacro %}

{#- Aggregate: the values joined by `separator` in the order of `order_by`. A FILTER clause
    may follow. -#}
{% macro ordered_string_agg(value, separator, order_by) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'dtsen')(value, separator, order_by)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(value, separator, order_by) -%}
    string_agg({{ value }}, {{ separator }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_string_agg(value, separator, order_by) -%}
    string_agg({{ value }}, {{ separator }}) within group (order by {{ order_by }})
{%- endmacro %}

{#- The words of a text (split at single spaces), sorted: a list. -#}
{% macro sorted_words(text) -%}
    {{ return(adapter.dispatch('sorted_words', 'dtsen')(text)) }}
{%- endmacro %}

{% macro default__sorted_words(text) -%}
    list_sort(string_split({{ text }}, ' '))
{%- endmacro %}

{% macro spark__sorted_words(text) -%}
    array_sort(split({{ text }}, ' '))
{%- endmacro %}

{#- The last element of a list (of sorted words: the alphabetically last word). -#}
{% macro last_element(items) -%}
    {{ return(adapter.dispatch('last_element', 'dtsen')(items)) }}
{%- endmacro %}

{% macro default__last_element(items) -%}
    {{ items }}[-1]
{%- endmacro %}

{% macro spark__last_element(items) -%}
    element_at({{ items }}, -1)
{%- endmacro %}

{#- A list of words as one text, joined by spaces. -#}
{% macro words_as_text(words) -%}
    {{ return(adapter.dispatch('words_as_text', 'dtsen')(words)) }}
{%- endmacro %}

{% macro default__words_as_text(words) -%}
    array_to_string({{ words }}, ' ')
{%- endmacro %}

{% macro spark__words_as_text(words) -%}
    array_join({{ words }}, ' ')
{%- endmacro %}

{#- True when every element of list `part` is in list `whole`. -#}
{% macro list_contains_all(whole, part) -%}
    {{ return(adapter.dispatch('list_contains_all', 'dtsen')(whole, part)) }}
{%- endmacro %}

{% macro default__list_contains_all(whole, part) -%}
    list_has_all({{ whole }}, {{ part }})
{%- endmacro %}

{% macro spark__list_contains_all(whole, part) -%}
    (size(array_except({{ part }}, {{ whole }})) = 0)
{%- endmacro %}

{#- True when one edit (insertion, deletion, substitution, or swap of two neighbouring
    characters) or none turns `a` into `b`: a Damerau-Levenshtein distance of at most 1. -#}
{% macro within_one_edit(a, b) -%}
    {{ return(adapter.dispatch('within_one_edit', 'dtsen')(a, b)) }}
{%- endmacro %}

{% macro default__within_one_edit(a, b) -%}
    (damerau_levenshtein({{ a }}, {{ b }}) <= 1)
{%- endmacro %}

{#- Spark has no Damerau-Levenshtein: Levenshtein, or `a` with two neighbours swapped. -#}
{% macro spark__within_one_edit(a, b) -%}
    (levenshtein({{ a }}, {{ b }}) <= 1
     or (length({{ a }}) = length({{ b }}) and length({{ a }}) >= 2
         and exists(sequence(1, length({{ a }}) - 1), i -> concat(
             substr({{ a }}, 1, i - 1), substr({{ a }}, i + 1, 1), substr({{ a }}, i, 1), substr({{ a }}, i + 2)
         ) = {{ b }})))
{%- endmacro %}

{#- True when `text` begins with `prefix`. -#}
{% macro starts_with(text, prefix) -%}
    {{ return(adapter.dispatch('starts_with', 'dtsen')(text, prefix)) }}
{%- endmacro %}

{% macro default__starts_with(text, prefix) -%}
    starts_with({{ text }}, {{ prefix }})
{%- endmacro %}

{% macro spark__starts_with(text, prefix) -%}
    startswith({{ text }}, {{ prefix }})
{%- endmacro %}

{#- Days from `earlier` to `later` (dates), a whole number. -#}
{% macro days_between(later, earlier) -%}
    {{ return(adapter.dispatch('days_between', 'dtsen')(later, earlier)) }}
{%- endmacro %}

{% macro default__days_between(later, earlier) -%}
    ({{ later }} - {{ earlier }})
{%- endmacro %}

{% macro spark__days_between(later, earlier) -%}
    datediff({{ later }}, {{ earlier }})
{%- endmacro %}
