{#- Text as delivered, trimmed; blank becomes NULL. -#}
{% macro clean_text(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}

{#- A name reduced for matching: upper case; apostrophes dropped (MU'ALLIFAH -> MUALLIFAH);
    honorifics (H., Hj., Drs., Dr., Ir., Prof., KH.) and academic degrees (S.Pd., M.Si.,
    A.Md., ...) removed; other punctuation to spaces; runs of spaces folded. "H." needs its
    dot: a bare H may be an initial. The delivered name is kept beside it. -#}
{% macro normalize_name(column) -%}
    {%- set degree = '(S|M|A)\\.\\s?(PD|AG|E|H|KOM|SOS|IP|T|KM|KEP|FARM|SI|KED|M|KES|MD|AK|PT|P|HUT)(\\.\\s?I)?\\.?' -%}
    {%- set spaced = "' ' || replace(upper(" ~ column ~ "), '''', '') || ' '" -%}
    {%- set no_degrees = replace_pattern(spaced, '[\\s,]+' ~ degree ~ '(?:[\\s,]+' ~ degree ~ ')*\\s*$', ' ', 'g') -%}
    {%- set no_titles = replace_pattern(no_degrees,
        '(^|\\s)(((H|HJ|DRS|DRA|DR|IR|PROF|KH)\\.|(HJ|HAJI|HAJAH|HAJJAH|DRS|DRA|PROF)\\s)\\s*)+', ' ', 'g') -%}
    nullif(trim({{ replace_pattern(replace_pattern(no_titles, '[^A-Z ]', ' ', 'g'), '\\s+', ' ', 'g') }}), '')
{%- endmacro %}
