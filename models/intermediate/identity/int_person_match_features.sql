-- The fields identity resolution compares, one row per staged person record: the NIK as
-- validated in staging, the name as a matching key (spelling variants that carry no
-- information folded together), its words, birth date and year, sex, relation to the head
-- village (code in force) and family card. The words exclude a patronymic (BIN/BINTI and the father's
-- name): a child's "SITI BINTI AHMAD" shares the word AHMAD with her father, which says
-- nothing about her being him. The alphabetically last of them is a blocking key that holds
-- when the words change order or the first letter is lost.
with keyed as (
    select
        record_key,
        source,
        nik_clean,
        nik_status,
        tanggal_lahir,
        jenis_kelamin,
        hubungan_kk,
        kode_desa,
        no_kk_clean,
        -- The spelling before 1972 and the spellings of Muhammad are one name. Old OE, DJ, TJ,
        -- CH are today's U, J, C, KH, and old J is today's Y (JOESOEF is YUSUF, TJAHJA is
        -- CAHYA): folded to one key, today's Y written J, KH written CH.
        nullif(trim({{ replace_pattern(
            "replace(replace(replace(replace(replace(' ' || nama_normal || ' ', 'OE', 'U'), 'DJ', 'J'), "
            ~ "'TJ', 'C'), 'KH', 'CH'), 'Y', 'J')",
            '\\b(MUHAMMAD|MUHAMAD|MUHAMMED|MOHAMMAD|MOHAMAD|MOHAMMED|MOCHAMMAD|MOCHAMAD|MOCH|MOH|MUH|M)\\b',
            'MUHAMMAD', 'g'
        ) }}), '') as name_key
    from {{ ref('int_person_records') }}
),

worded as (
    select
        *,
        {{ sorted_words(replace_pattern('name_key', ' (BIN|BINTI) .*$', '', 'g')) }} as name_words,
        {{ words_as_text(sorted_words('name_key')) }} as name_sorted
    from keyed
)

select
    record_key,
    source,
    nik_clean,
    nik_status,
    name_key,
    tanggal_lahir as birth_date,
    jenis_kelamin as sex,
    hubungan_kk,
    kode_desa as village,
    no_kk_clean as no_kk,
    name_words,
    {{ last_element('name_words') }} as name_last_word,
    name_sorted,
    year(tanggal_lahir) as birth_year
from worded
