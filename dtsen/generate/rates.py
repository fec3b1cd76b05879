"""Error rates: what the generator injects, how often, and where (docs/synthetic-data.md).

A key is "<scope>.<kind>". The scope is "population" (a property of the true population,
seen by every source) or a source. A rate is a probability per eligible unit; the unit
is named beside each entry and in the docs, and error_rates.json reports, per source and
file, how many units were eligible and how many were hit.
"""

from __future__ import annotations

_QUARANTINE = 0.0002  # each of the three quarantine kinds; together ~0.06 % of rows

DEFAULT_RATES: dict[str, float] = {
    # Population (unit: family or person of the true population).
    "population.unregistered": 0.01,  # family: nobody in it is in the civil register, no NIK, no KK
    "population.nik_birthdate_mismatch": 0.005,  # person: true NIK's date part != birth date
    "population.kk_change": 0.03,  # family: formed lately by a married child leaving the parents' KK
    # kk_change family: the parent left behind lives alone, so the old household was two people
    "population.kk_change_lone_parent": 0.2,
    # dukcapil (unit: delivered row)
    "dukcapil.duplicate_person": 0.0005,
    "dukcapil.invalid_date": _QUARANTINE,
    "dukcapil.invalid_code": _QUARANTINE,
    # dtks
    "dtks.poor_missing_from_dtks": 0.25,  # family in true desil 1-4: left out of DTKS
    "dtks.rich_in_dtks": 0.20,  # family in true desil 5-10: in DTKS (more likely near desil 5)
    "dtks.duplicate_family": 0.003,  # DTKS household: registered a second time
    # DTKS household: registered again in another regency of the province (moved), never removed
    "dtks.registered_in_two_regencies": 0.002,
    "dtks.unknown_to_civil_register": 0.005,  # DTKS household: a made-up household beside it
    "dtks.dead_recipient": 0.05,  # member who died before verification: still listed
    "dtks.duplicate_person": 0.01,  # member row: listed twice
    "dtks.nik_other_person": 0.01,  # member row: carries another person's NIK
    "dtks.nik_borrowed_from_head": 0.005,  # member row other than the head's: carries the head's NIK
    "dtks.nik_damaged": 0.05,  # member row with a NIK: damaged in one of the CONTRACT forms
    "dtks.nik_mistyped": 0.005,  # member row with a NIK not damaged: a digit mistyped or two transposed
    "dtks.no_kk_damaged": 0.03,  # member row with a no_kk: damaged the same ways
    "dtks.name_variant": 0.12,  # member row: name typed differently
    "dtks.patronymic": 0.02,  # child row in a Muslim household with a male head: + BIN/BINTI + his name
    "dtks.birthdate_shifted": 0.02,  # member row: birth date off by days, a month, a year, or swapped
    "dtks.birthdate_placeholder": 0.005,  # member row: 1900-01-01
    "dtks.birthdate_year_only": 0.005,  # member row: 1 January of the birth year
    "dtks.old_region_code": 0.2,  # household in a split regency: pre-split kode_desa
    "dtks.invalid_date": _QUARANTINE,
    "dtks.invalid_code": _QUARANTINE,
    "dtks.empty_record_id": _QUARANTINE,
    # p3ke
    "p3ke.unknown_to_civil_register": 0.003,
    "p3ke.dead_recipient": 0.4,
    "p3ke.duplicate_person": 0.005,
    "p3ke.nik_other_person": 0.01,
    "p3ke.nik_borrowed_from_head": 0.005,
    "p3ke.nik_damaged": 0.03,
    "p3ke.nik_mistyped": 0.003,
    "p3ke.no_kk_damaged": 0.02,  # family row
    "p3ke.name_variant": 0.08,
    "p3ke.patronymic": 0.02,
    "p3ke.birthdate_shifted": 0.015,
    "p3ke.birthdate_placeholder": 0.003,
    "p3ke.birthdate_year_only": 0.004,
    "p3ke.old_region_code": 0.3,
    "p3ke.invalid_date": _QUARANTINE,
    "p3ke.invalid_code": _QUARANTINE,
    "p3ke.empty_record_id": _QUARANTINE,
    # bps (Parquet: typed dates cannot be unparseable)
    "bps.duplicate_person": 0.002,
    "bps.nik_other_person": 0.003,
    "bps.nik_borrowed_from_head": 0.002,
    "bps.nik_damaged": 0.01,
    "bps.nik_mistyped": 0.002,
    "bps.no_kk_damaged": 0.01,  # family row
    "bps.name_variant": 0.05,
    "bps.patronymic": 0.01,
    "bps.birthdate_shifted": 0.01,
    "bps.birthdate_placeholder": 0.002,
    "bps.birthdate_year_only": 0.002,
    "bps.old_region_code": 0.5,
    "bps.invalid_code": _QUARANTINE,
    "bps.empty_record_id": _QUARANTINE,
    # verifikasi: field results (dtsen field-results, dtsen/generate/verifikasi.py). What the
    # officer finds follows the truth; these rates are events after the data and the
    # officers' own errors. Unit named beside each; the share of the list visited per
    # delivery is --visit-share, not a rate.
    "verifikasi.moved_since": 0.03,  # found listed family: moved away since the data
    "verifikasi.destination_known": 0.6,  # moved family: the new village is known
    "verifikasi.died_since": 0.05,  # found listed family with one living member: that member died
    "verifikasi.not_found_real": 0.01,  # listed family that exists: not found at the address
    "verifikasi.misjudged": 0.03,  # found listed family: the officer judges poor/not poor wrongly
    "verifikasi.usulan_poor": 0.3,  # family in true desil 1-4 that no source holds: proposed (LAYAK)
    "verifikasi.usulan_not_poor": 0.05,  # family in true desil 5-6 that no source holds: proposed,
    # found TIDAK_LAYAK
    "verifikasi.sanggahan_rich": 0.25,  # DTKS recipient family in true desil 7-10: objection upheld
    "verifikasi.sanggahan_unfounded": 0.01,  # DTKS recipient family in true desil 1-4: objection
    # rejected (LAYAK)
    "verifikasi.id_daftar_wrong": 0.01,  # VERIFIKASI visit: one digit of id_daftar mistyped
    "verifikasi.nik_typed": 0.03,  # NIK written on a visit or a proposed member: damaged (NIK forms)
    "verifikasi.no_kk_typed": 0.03,  # no_kk written on a visit: damaged the same ways
    "verifikasi.repeat_visit": 0.05,  # VERIFIKASI visit of an earlier delivery: repeated in this one
    "verifikasi.housing_not_observed": 0.05,  # housing field of a found family: left empty
    "verifikasi.housing_miscoded": 0.02,  # housing field observed: another code of the field
    "verifikasi.count_off": 0.05,  # jumlah_anggota counted: one too many or too few
}


def parse_rate_overrides(items: list[str]) -> dict[str, float]:
    """Parse ``--rate kind=value`` arguments into full keys.

    ``dtks.nik_damaged=0.1`` sets one source; a bare ``nik_damaged=0.1`` sets that kind
    in every scope that has it. Unknown kinds, malformed items and values outside [0, 1]
    raise ValueError naming the problem and the known kinds.
    """
    overrides: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"--rate {item!r}: expected kind=value, e.g. dtks.nik_damaged=0.1")
        keys = [name] if name in DEFAULT_RATES else [k for k in DEFAULT_RATES if k.split(".", 1)[1] == name]
        if not keys:
            known = ", ".join(sorted({k.split(".", 1)[1] for k in DEFAULT_RATES}))
            raise ValueError(
                f"--rate {item!r}: unknown error kind {name!r}; known kinds: {known} "
                "(prefix one with its source, e.g. dtks.nik_damaged, to set that source only; "
                "docs/synthetic-data.md lists where each applies)"
            )
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"--rate {item!r}: {text!r} is not a number") from None
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"--rate {item!r}: a rate is a probability between 0 and 1")
        overrides.update(dict.fromkeys(keys, value))
    return overrides


def resolve(rates: dict[str, float] | None) -> dict[str, float]:
    """DEFAULT_RATES with the given full-key overrides; unknown keys raise ValueError."""
    unknown = sorted(set(rates or {}) - set(DEFAULT_RATES))
    if unknown:
        raise ValueError(f"unknown rate key(s) {unknown}; use parse_rate_overrides or a key of DEFAULT_RATES")
    return {**DEFAULT_RATES, **{k: float(v) for k, v in (rates or {}).items()}}
