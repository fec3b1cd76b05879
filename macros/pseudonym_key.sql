{#- The eligibility history names families by pseudonym, so it holds only under one key.
    The snapshot keeps that key's keyed fingerprint (int_pseudonym_key, dtsen.pseudonym)
    in main.dtsen_pseudonym_key: its pre-hooks and post-hook run in the transaction that
    writes the history, so the stored fingerprint is always the key of the stored history,
    whatever point a build is killed at. The pseudonym models refuse a key with another
    fingerprint unless a rotation is asked for. -#}

{% macro create_pseudonym_key_table() -%}
    create table if not exists main.dtsen_pseudonym_key (fingerprint varchar not null, stored_at timestamp)
{%- endmacro %}

{#- Pre-hook: while a rotation is being done (the stored fingerprint is the one this
    build's key replaces), every family of the history that this build knows takes its
    pseudonym under the new key, and its history continues under it. A family no longer
    delivered keeps its closed history under the old pseudonym: its card number is gone. -#}
{% macro carry_history_to_new_key(family_pseudonyms, pseudonym_key) -%}
    {%- if execute and load_relation(this) is not none -%}
        update {{ this }} as history
        set family_id = families.pseudonym
        from {{ family_pseudonyms }} as families
        where
            history.family_id = families.previous_pseudonym
            and (select replaces_fingerprint from {{ pseudonym_key }})
            = (select fingerprint from main.dtsen_pseudonym_key)
    {%- else -%}
        select 1 as no_history_yet
    {%- endif -%}
{%- endmacro %}

{#- Post-hook, after emptying the table: the history is now this build's key's. -#}
{% macro store_pseudonym_key_fingerprint(pseudonym_key) -%}
    insert into main.dtsen_pseudonym_key
    select
        fingerprint,
        current_timestamp as stored_at
    from {{ pseudonym_key }}
{%- endmacro %}
