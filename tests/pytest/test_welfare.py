"""Welfare ranking, programme eligibility and targeting errors (the proxy-means test, the
desil, fct_eligibility and the targeting marts), on the session's generated build; the
eligibility rules are re-applied here in pandas from the seed file itself."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from dtsen.evaluate import pendataan_scores, targeting_scores
from dtsen.pmt_evaluation import (
    PMT_TABLES,
    TruthTooOld,
    check_truth,
    pmt_model_comparison,
    true_features,
    yardstick_gaps,
)
from dtsen.project import PROJECT_DIR
from dtsen.welfare import (
    MIN_CROSS_VALIDATION_SAMPLE,
    MIN_SPEARMAN_GAIN,
    choose,
    compare_candidates,
    fit_pmt,
    pmt_variables,
    predict,
)

GENERATED_DB = "warehouse"  # conftest's generated_build writes warehouse.duckdb

RULES_SEED = PROJECT_DIR / "seeds" / "ref_program_rules.csv"


def test_fit_recovers_a_known_weighted_model():
    rng = np.random.default_rng(7)
    n = 4_000
    frame = pd.DataFrame(
        {
            "family_key": [f"F{i}" for i in range(n)],
            "x": rng.normal(size=n),
            "roof": rng.choice(["1", "2", "3"], size=n, p=[0.5, 0.3, 0.2]),
            "bobot": rng.uniform(1, 3, size=n),
        }
    )
    effect = frame["roof"].map({"1": 0.0, "2": 0.4, "3": -0.3})
    frame["ln_pengeluaran_perkapita"] = 13 + 0.8 * frame["x"] + effect + rng.normal(scale=0.05, size=n)
    table = fit_pmt(frame, ["roof"], ["x"], penalties=[0.01, 1000])
    coefficient = table.set_index(["variable", table["level"].fillna("")])["coefficient"]
    assert table["ridge_penalty"].iloc[0] == 0.01, "cross-validation must prefer the small penalty here"
    assert coefficient[("intercept", "")] == pytest.approx(13, abs=0.01)
    assert coefficient[("x", "")] == pytest.approx(0.8, abs=0.01)
    assert coefficient[("roof", "1")] == 0 and table.loc[table["level"] == "1", "is_reference"].item()
    assert coefficient[("roof", "2")] == pytest.approx(0.4, abs=0.01)
    assert coefficient[("roof", "3")] == pytest.approx(-0.3, abs=0.01)
    assert table["weighted_r_squared"].iloc[0] > 0.99


def test_weights_count_like_repeated_rows():
    frame = pd.DataFrame(
        {
            "family_key": list("abcdef"),
            "x": [0.0, 1, 2, 3, 4, 5],
            "ln_pengeluaran_perkapita": [1.0, 3, 2, 5, 4, 7],
            "bobot": [1.0, 2, 1, 1, 3, 1],
        }
    )
    repeated = frame.loc[frame.index.repeat(frame["bobot"].astype(int))].assign(bobot=1.0)

    def slope(table: pd.DataFrame) -> float:
        return table.set_index("variable").at["x", "coefficient"]

    assert slope(fit_pmt(frame, [], ["x"], [1e-9])) == pytest.approx(
        slope(fit_pmt(repeated, [], ["x"], [1e-9]))
    )


def _survey(urban_slope: float, n: int = 600) -> pd.DataFrame:
    """A survey whose household size lowers consumption by 0.3 per log member in villages and
    by 0.3 + `urban_slope` in towns."""
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {
            "family_key": [f"F{i:04d}" for i in range(n)],
            "kode_provinsi": rng.choice(["11", "32", "94"], size=n),
            "perkotaan": rng.integers(0, 2, size=n).astype(float),
            "ln_jumlah_anggota": np.log(rng.integers(1, 9, size=n)),
            "bobot": rng.uniform(50, 150, size=n),
        }
    )
    slope = -0.3 - urban_slope * frame["perkotaan"]
    noise = rng.normal(scale=0.2, size=n)
    frame["ln_pengeluaran_perkapita"] = 13 + slope * frame["ln_jumlah_anggota"] + noise
    return frame


@pytest.mark.parametrize(("urban_slope", "kept"), [(0.0, "ridge"), (1.2, "ridge_interaksi")])
def test_the_pmt_kept_is_the_one_that_ranks_held_out_households_better(urban_slope, kept):
    """With one slope for town and country ridge is kept; when size matters far more in towns,
    the interactions rank held-out households better by more than MIN_SPEARMAN_GAIN and win."""
    numeric = ["perkotaan", "ln_jumlah_anggota"]
    fits = compare_candidates(_survey(urban_slope), ["kode_provinsi"], numeric, [0.1, 10])
    figures = fits.set_index("candidate")
    assert figures["chosen"].sum() == 1 and figures["chosen"].idxmax() == kept, fits
    spearman = figures["cross_validated_spearman"]
    gain = spearman["ridge_interaksi"] - spearman["ridge"]
    assert (gain >= MIN_SPEARMAN_GAIN) == (kept == "ridge_interaksi"), fits
    assert (figures["cross_validated_r_squared"] > 0).all() and (figures["sample_size"] == 600).all()


def test_the_ridge_is_cross_validated_once_and_fitted_at_that_penalty():
    """mart_pmt_coefficients fits at the penalty and error of mart_pmt_model_fit's ridge row
    instead of cross-validating again: the figures must be fit_pmt's own."""
    survey = _survey(0.0)
    numeric = ["perkotaan", "ln_jumlah_anggota"]
    penalties = [0.1, 10, 1000]
    fits = compare_candidates(survey, ["kode_provinsi"], numeric, penalties)
    ridge = fits.set_index("candidate").loc["ridge"]
    table = fit_pmt(survey, ["kode_provinsi"], numeric, penalties)
    assert ridge["ridge_penalty"] == table["ridge_penalty"].iloc[0]
    assert ridge["cross_validated_rmse"] == pytest.approx(table["cross_validated_rmse"].iloc[0], rel=1e-12)
    small = compare_candidates(survey.head(MIN_CROSS_VALIDATION_SAMPLE - 1), [], numeric, penalties)
    assert (small["ridge_penalty"] == 1000).all() and small["cross_validated_rmse"].isna().all()


def test_a_challenger_needs_a_clear_gain_in_cross_validated_ranking():
    assert choose({"ridge": {"spearman": 0.60}, "ridge_interaksi": {"spearman": 0.605}}) == "ridge"
    assert choose({"ridge": {"spearman": 0.60}, "ridge_interaksi": {"spearman": 0.62}}) == "ridge_interaksi"
    assert choose({"ridge": {"spearman": 0.60}, "ridge_interaksi": {"spearman": None}}) == "ridge"
    assert choose({"ridge": {"spearman": None}, "ridge_interaksi": {"spearman": 0.9}}) == "ridge"
    assert choose({"ridge": {"spearman": float("nan")}, "ridge_interaksi": {"spearman": 0.9}}) == "ridge"


def test_the_model_fit_mart_has_every_candidate_and_keeps_the_cross_validated_choice(generated_build):
    con = generated_build[0]
    fits = con.sql("select * from marts.mart_pmt_model_fit order by model, candidate").df()
    assert sorted(zip(fits["model"], fits["candidate"])) == sorted(
        (model, candidate)
        for model in ("lengkap", "perumahan", "register_saja")
        for candidate in ("ridge", "ridge_interaksi")
    )
    sizes = dict(
        con.sql("select model, any_value(sample_size) from marts.mart_pmt_coefficients group by 1").fetchall()
    )
    for model, figures in fits.groupby("model"):
        assert figures["chosen"].sum() == 1
        assert (figures["sample_size"] == sizes[model]).all()
        by_candidate = {
            row.candidate: {
                "spearman": row.cross_validated_spearman,
                "r_squared": row.cross_validated_r_squared,
            }
            for row in figures.itertuples()
        }
        assert figures.loc[figures["chosen"], "candidate"].item() == choose(by_candidate)
        if sizes[model] >= MIN_CROSS_VALIDATION_SAMPLE:
            assert 0 < by_candidate["ridge"]["spearman"] < 1 and by_candidate["ridge"]["r_squared"] < 1
        else:  # too few households to cross-validate (the session's small population): ridge stays
            assert figures[["cross_validated_spearman", "cross_validated_r_squared"]].isna().all(axis=None)
            assert figures.loc[figures["chosen"], "candidate"].item() == "ridge"
    assert (fits["in_production"] == (fits["candidate"] == "ridge")).all()
    # The coefficients are fitted at ridge's cross-validated penalty, not cross-validated again.
    mismatched = con.sql("""
        select coefficients.model
        from marts.mart_pmt_coefficients as coefficients
        join marts.mart_pmt_model_fit as fit on fit.model = coefficients.model and fit.candidate = 'ridge'
        where coefficients.ridge_penalty <> fit.ridge_penalty
            or coefficients.cross_validated_rmse is distinct from fit.cross_validated_rmse
    """).fetchall()
    assert mismatched == []


def test_the_pmt_comparison_refits_the_production_ranking_and_scores_every_candidate(generated_build):
    """`dtsen evaluate --pmt-models`: ridge refitted on the build's own survey ranks the families
    as fct_household_desil does, and every candidate and the yardstick get figures."""
    con, _, root = generated_build
    table = pmt_model_comparison(con, root / "truth", factors=(2,), replicates=1)
    assert list(zip(table["sample"], table["candidate"])) == [
        (sample, candidate)
        for sample in ("survey", "x2")
        for candidate in ("ridge", "ridge_interaksi", "gbm", "benchmark_truth", "benchmark_truth_ols")
    ]
    ridge = table.set_index(["sample", "candidate"]).loc[("survey", "ridge")]
    assert ridge["spearman_truth"] == pytest.approx(targeting_scores(con)["spearman"], abs=1e-3)
    assert table["spearman_truth"].between(0.2, 1).all(), table
    assert (table["inclusion"].between(0, 1) & table["exclusion"].between(0, 1)).all(), table
    sizes = table.groupby("sample")["sample_size"].max()
    assert sizes["x2"] > sizes["survey"], sizes
    gaps = yardstick_gaps(table)
    assert list(gaps.index) == ["survey", "x2"]
    assert (gaps["gap"] == gaps["pmt"] - gaps["yardstick"]).all(), gaps
    # Within the families the full PMT ranks (most of them), both rank clearly.
    assert (gaps[["pmt_lengkap", "yardstick_lengkap"]] > 0.2).all(axis=None), gaps


def test_the_yardstick_has_the_true_value_of_every_indicator_the_pmts_use(generated_build):
    """The yardstick's features are the PMT's own feature models run on the truth: they hold
    every variable of the three PMTs, and for the families the warehouse assembled they agree
    with the PMT's features where the sources deliver without error (so the truth's tables
    stand in for the warehouse's inputs with the same meaning and the same keys)."""
    con, _, root = generated_build
    truth = true_features(con, root / "truth")
    targeting_scores(con)  # makes family_truth
    for model, (_, table) in PMT_TABLES.items():
        pmt = con.sql(f"select * from intermediate.{table} limit 1").df()
        categorical, numeric = pmt_variables(pmt)
        assert set(categorical + numeric) - set(truth.columns) == set(), model
        assert set(categorical) - set(pmt_variables(truth)[0]) == set(), model
    pmt = con.sql("""
        select features.*, truth.true_family_id::VARCHAR as true_family_id
        from intermediate.int_household_pmt_features as features
        join intermediate.int_family_pseudonyms as pseudonyms on pseudonyms.identifier = features.family_key
        join family_truth as truth on truth.family_id = pseudonyms.pseudonym
    """).df()
    true = truth.loc[pmt["true_family_id"]].reset_index(drop=True)
    agree = {
        variable: (
            np.isclose(pmt[variable].to_numpy(float), true[variable].to_numpy(float))
            if pd.api.types.is_numeric_dtype(pmt[variable])
            else pmt[variable].to_numpy() == true[variable].to_numpy()
        ).mean()
        for variable in (
            "kode_provinsi", "perkotaan", "ln_jumlah_anggota", "lantai", "punya_kulkas",
            "kepala_ijazah", "rasio_ketergantungan", "porsi_dewasa_sma", "porsi_usia_kerja_pertanian",
        )
    }  # fmt: skip
    assert min(agree.values()) > 0.8, agree
    # P3KE's income: reported for about the families the truth says P3KE lists.
    reported = pmt["penghasilan_dilaporkan"].to_numpy() == 1
    assert (reported == (true["penghasilan_dilaporkan"].to_numpy() == 1)).mean() > 0.9


def test_a_truth_folder_without_the_true_indicators_is_named(tmp_path):
    """A truth folder written before the generator exported the PMT's true inputs: the
    yardstick refuses it with the file's name rather than a bare column error."""
    with pytest.raises(TruthTooOld, match=r"persons\.parquet is missing"):
        check_truth(tmp_path)
    duckdb.sql(
        f"copy (select 1 as family_id, 10 as penghasilan_bulanan) to '{tmp_path}/family_indicators.parquet'"
    )
    duckdb.sql(f"copy (select 1 as person_id, 3 as ijazah) to '{tmp_path}/persons.parquet'")
    with pytest.raises(TruthTooOld, match=r"persons\.parquet has no column pekerjaan, sekolah, bekerja"):
        check_truth(tmp_path)


def test_a_constant_column_gets_no_slope_and_last_bits_do_not_move_the_fit():
    """A column of equal values keeps a spread of rounding noise around its weighted mean
    (with these survey weights, a column of ones has a weighted mean just off 1.0); taken for
    a variable, that noise made the fit hang on the last bits of its inputs, which differ
    between engines (Java's logarithm and DuckDB's): Spark and DuckDB fitted differently.
    The weights and outcomes are a generated population's survey sample."""
    frame = pd.DataFrame(
        {
            "family_key": [f"F{i}" for i in range(7)],
            "kepala_bekerja": [1.0] * 7,
            "ln_jumlah_anggota": np.log([2.0, 3.0, 2.0, 4.0, 3.0, 4.0, 4.0]),
            "ln_pengeluaran_perkapita": [
                14.32346245653452,
                13.900604180571252,
                14.000340632461835,
                13.873864368144346,
                13.117515646119385,
                13.322611620009472,
                13.028039511032954,
            ],
            "bobot": [
                85.98900144682491,
                174.1688938028279,
                174.1688938028279,
                174.1688938028279,
                75.41734329114152,
                47.69811597576528,
                47.69811597576528,
            ],
        }
    )
    numeric = ["kepala_bekerja", "ln_jumlah_anggota"]
    fitted = fit_pmt(frame, [], numeric, [1000.0])
    # Each logarithm one bit off, as another engine's may be.
    perturbed = frame.assign(ln_jumlah_anggota=np.nextafter(frame["ln_jumlah_anggota"], 0.0))
    refitted = fit_pmt(perturbed, [], numeric, [1000.0])
    assert fitted.set_index("variable").at["kepala_bekerja", "coefficient"] == 0.0
    assert np.allclose(fitted["coefficient"], refitted["coefficient"], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    ("model", "sample_model", "features_model"),
    [
        ("lengkap", "int_pmt_sample", "int_household_pmt_features"),
        ("perumahan", "int_pmt_housing_sample", "int_household_housing_features"),
        ("register_saja", "int_pmt_register_sample", "int_household_register_features"),
    ],
)
def test_every_score_is_the_sum_of_its_coefficients(generated_build, model, sample_model, features_model):
    con = generated_build[0]
    coefficients = con.sql(f"select * from marts.mart_pmt_coefficients where model = '{model}'").df()
    sample = con.sql(f"select * from intermediate.{sample_model} limit 0").df()
    variables = [c for c in sample.columns if c not in ("family_key", "bobot", "ln_pengeluaran_perkapita")]
    numeric = [c for c in variables if pd.api.types.is_numeric_dtype(sample[c])]
    categorical = [c for c in variables if c not in numeric]
    families = con.sql(f"""
        select features.*, desil.log_kesejahteraan_prediksi
        from intermediate.{features_model} as features
        join intermediate.int_family_pseudonyms as pseudonyms
            on pseudonyms.identifier = features.family_key
        join marts.fct_household_desil as desil on desil.family_id = pseudonyms.pseudonym
        where desil.model_pmt = '{model}'
    """).df()
    scored_by_model = sum(
        observed_model == model for observed_model in models_by_what_is_observed(con).values()
    )
    assert len(families) == scored_by_model > 20
    assert "kode_provinsi" in categorical and "ln_jumlah_anggota" in numeric
    np.testing.assert_allclose(
        predict(coefficients, families, categorical, numeric),
        families["log_kesejahteraan_prediksi"],
        rtol=1e-9,
    )
    sample_size, fitted_on = con.sql(
        f"select any_value(sample_size), any_value(fitted_on) from marts.mart_pmt_coefficients "
        f"where model = '{model}'"
    ).fetchall()[0]
    assert sample_size == con.sql(f"select count(*) from intermediate.{sample_model}").fetchall()[0][0] > 20
    assert str(fitted_on) == str(
        con.sql(
            "select max(extract_date) from staging.stg_landing__delivery_files where status = 'current'"
        ).fetchall()[0][0]
    )


def models_by_what_is_observed(con) -> dict[str, str]:
    """The PMT each family should be ranked by, from int_household_indicators itself: lengkap
    when some asset (punya_*) is observed, perumahan when only housing is, else register_saja."""
    indicators = con.sql("select * from intermediate.int_household_indicators limit 0").df().columns
    housing = [c for c in indicators if c not in ("family_key", "observed_on") and not c.endswith("_sumber")]
    assets = [c for c in housing if c.startswith("punya_")]
    housing = [c for c in housing if c not in assets]
    rows = con.sql(f"""
        select families.identifier,
            coalesce({" or ".join(f"indicators.{c} is not null" for c in assets)}, false),
            coalesce({" or ".join(f"indicators.{c} is not null" for c in housing)}, false)
        from intermediate.int_family_pseudonyms as families
        left join intermediate.int_household_indicators as indicators
            on indicators.family_key = families.identifier
    """).fetchall()
    return {
        family: "lengkap" if asset else "perumahan" if housing_seen else "register_saja"
        for family, asset, housing_seen in rows
    }


def test_a_family_whose_only_observation_is_housing_is_ranked_by_the_housing_model(generated_build):
    """A field visit or a P3KE household observes housing and no asset; the full PMT filled
    every asset with the survey's most common level (no refrigerator, no motorbike...) and
    ranked such families far too poor. They are ranked by the housing PMT; a family with an
    asset observed stays with the full PMT and one with nothing observed with the register's."""
    con = generated_build[0]
    ranked = dict(
        con.sql("""
            select pseudonyms.identifier, desil.model_pmt
            from marts.fct_household_desil as desil
            join intermediate.int_family_pseudonyms as pseudonyms on pseudonyms.pseudonym = desil.family_id
        """).fetchall()
    )
    expected = models_by_what_is_observed(con)
    housing_only = [family for family, model in expected.items() if model == "perumahan"]
    assert len(housing_only) > 20, "the generated build must hold P3KE-only families"
    assert {family: ranked[family] for family in housing_only} == dict.fromkeys(housing_only, "perumahan")
    assert ranked == expected
    # Their decisions name the model that ranked them.
    unnamed = con.sql("""
        select count(*) from marts.fct_eligibility as eligibility
        join marts.fct_household_desil as desil using (family_id)
        where desil.model_pmt = 'perumahan'
            and eligibility.alasan not like '%desil dari model perumahan: aset tidak didata%'
    """).fetchall()[0][0]
    assert unnamed == 0


def test_an_unknown_floor_area_takes_the_mean_not_the_smallest_dwelling(generated_build):
    """DTKS, P3KE and field visits give no floor area; greatest() skips a NULL, so the floor
    area per person used to count such a family as living on 1 m2 and ranked it far too poor."""
    con = generated_build[0]
    unknown, observed_mean, filled = con.sql("""
        select count(*) filter (where indicators.luas_lantai_m2 is null),
            avg(ln(greatest(indicators.luas_lantai_m2, 1) / greatest(composition.jumlah_anggota, 1)))
                filter (where indicators.luas_lantai_m2 is not null),
            list_distinct(list(features.ln_luas_lantai_per_kapita)
                filter (where indicators.luas_lantai_m2 is null))
        from intermediate.int_household_pmt_features as features
        left join intermediate.int_household_indicators as indicators using (family_key)
        left join intermediate.int_family_composition as composition using (family_key)
    """).fetchall()[0]
    assert unknown > 100
    assert len(filled) == 1 and filled[0] == pytest.approx(observed_mean, rel=1e-9)


def test_register_only_families_are_ranked_at_least_as_well_as_by_filled_in_indicators(generated_build):
    """Families no DTKS, P3KE or Regsosek household describes used to get the survey's most
    common level for every housing indicator and ranked like middle households; the
    register-only PMT ranks them by what the register knows. It ranked them better by more
    than 0.03 while the full PMT knew only the head's education and work; now the full PMT
    also has every member's register facts (int_family_member_features), which carry most of
    what the register-only PMT knows, and the two rank these families alike (docs/pmt.md has
    the figures). The register-only PMT must not rank them worse."""
    con = generated_build[0]
    scores = pendataan_scores(con)
    assert set(scores) == {"LENGKAP", "SEBAGIAN", "REGISTER_SAJA"}
    register_only = scores["REGISTER_SAJA"]
    assert register_only["families"] > 100 and 0.02 < register_only["share"] < 0.2, register_only
    # Within the spread a few hundred families give a rank correlation (about 0.05).
    assert register_only["spearman"] > register_only["spearman_full_model"] - 0.02, register_only
    # The others are ranked by the full model, as before.
    assert scores["LENGKAP"]["spearman"] == pytest.approx(scores["LENGKAP"]["spearman_full_model"])
    # Every decision from the register-only model says so.
    unsaid = con.sql("""
        select count(*) from marts.fct_eligibility
        where desil_dari_register_saja <> (status_pendataan = 'REGISTER_SAJA')
            or (status_pendataan = 'REGISTER_SAJA') <> (alasan like '%desil dari model register saja%')
            or (status_pendataan = 'SEBAGIAN') <> (alasan like '%sebagian indikator perumahan/aset%')
    """).fetchall()[0][0]
    assert unsaid == 0


@pytest.mark.parametrize(
    ("desil", "region"), [("desil_nasional", "'nasional'"), ("desil_provinsi", "kode_provinsi")]
)
def test_desil_hold_equal_population_and_follow_welfare(generated_build, desil, region):
    con = generated_build[0]
    # Each desil's share of its region's persons is a tenth, give or take one family.
    worst = con.sql(f"""
        with shares as (
            select {region} as region, {desil} as desil, sum(jumlah_anggota) as persons,
                sum(sum(jumlah_anggota)) over (partition by {region}) as region_persons,
                max(max(jumlah_anggota)) over (partition by {region}) as largest_family
            from marts.fct_household_desil where {desil} is not null group by 1, 2
        )
        select max(abs(persons / region_persons - 0.1) - largest_family / region_persons)
        from shares where region_persons >= 200
    """).fetchall()[0][0]
    assert worst <= 1e-9
    # No family of a lower desil is predicted richer than one of a higher desil.
    overlaps = con.sql(f"""
        with bounds as (
            select {region} as region, {desil} as desil, min(kesejahteraan_prediksi) as lowest,
                max(kesejahteraan_prediksi) as highest
            from marts.fct_household_desil where {desil} is not null group by 1, 2
        )
        select count(*) from bounds as lower_desil join bounds as higher_desil
            on lower_desil.region = higher_desil.region and higher_desil.desil = lower_desil.desil + 1
        where lower_desil.highest > higher_desil.lowest
    """).fetchall()[0][0]
    assert overlaps == 0


def _rules_in_force(con) -> pd.DataFrame:
    """The seed's rows in force at the data date, the PKH elderly age at its default (70)."""
    data_date = pd.Timestamp(
        con.sql(
            "select max(extract_date) from staging.stg_landing__delivery_files where status = 'current'"
        ).fetchall()[0][0]
    )
    rules = pd.read_csv(
        RULES_SEED, dtype={"kode_wilayah": str}, parse_dates=["berlaku_mulai", "berlaku_sampai"]
    )
    in_force = (rules["berlaku_mulai"].isna() | (rules["berlaku_mulai"] <= data_date)) & (
        rules["berlaku_sampai"].isna() | (rules["berlaku_sampai"] >= data_date)
    )
    rules = rules[in_force].copy()
    elderly = rules["syarat"] == "anggota_lansia"
    rules.loc[elderly, "nilai_min"] = rules.loc[elderly, "nilai_min"].fillna(70)
    return rules


def _eligibility_by_the_rules(con) -> pd.DataFrame:
    """fct_eligibility's decision re-derived from seeds/ref_program_rules.csv in pandas."""
    rules = _rules_in_force(con)
    families = con.sql("""
        select desil.family_id, pseudonyms.identifier as family_key, desil.desil_nasional,
            desil.desil_provinsi, desil.jumlah_anggota, desil.kode_kabupaten_kota
        from marts.fct_household_desil as desil
        join intermediate.int_family_pseudonyms as pseudonyms
            on pseudonyms.pseudonym = desil.family_id
    """).df()
    members = con.sql("""
        select living.family_key, living.umur, living.sekolah, living.hamil, living.disabilitas,
            coalesce(living.ijazah < 3, true) as belum_12_tahun,
            coalesce(living.ijazah >= 2, true)
                and (living.sekolah or coalesce(register.pelajar, false)) as kuliah
        from intermediate.int_living_family_members as living
        left join (
            select identity.person_id, bool_or(penduduk.pekerjaan = 'PELAJAR/MAHASISWA') as pelajar
            from intermediate.int_person_identity as identity
            join staging.stg_dukcapil__penduduk as penduduk
                on identity.source = 'dukcapil' and identity.source_row_number = penduduk.source_row_number
            group by identity.person_id
        ) as register using (person_id)
    """).df()
    excluded = set(
        con.sql("""
        select distinct living.family_key
        from intermediate.int_living_family_members as living
        join intermediate.int_person_identity as identity using (person_id)
        join staging.stg_dukcapil__penduduk as penduduk
            on identity.source = 'dukcapil' and identity.source_row_number = penduduk.source_row_number
        join reference.ref_pekerjaan_aparatur as aparatur on aparatur.pekerjaan = penduduk.pekerjaan
    """).df()["family_key"]
    )
    verified = set(
        con.sql(
            "select family_key from intermediate.int_family_identity_checks where identitas_terverifikasi"
        ).df()["family_key"]
    )
    decisions = []
    for program, program_rules in rules.groupby("program"):
        scope = program_rules["kode_wilayah"].dropna()
        eligible = (
            families
            if scope.empty
            else families[families["kode_kabupaten_kota"].fillna("").str.startswith(scope.iloc[0])]
        )
        eligible = eligible.set_index("family_key")
        met = {}
        for rule in program_rules.itertuples():
            low = -np.inf if pd.isna(rule.nilai_min) else rule.nilai_min
            high = np.inf if pd.isna(rule.nilai_max) else rule.nilai_max
            if rule.syarat == "identitas_terverifikasi":
                met[rule.syarat_no] = eligible.index.isin(verified)
            elif rule.syarat == "tanpa_anggota_aparatur":
                met[rule.syarat_no] = ~eligible.index.isin(excluded)
            elif rule.syarat == "verifikasi_layak":
                # The decision from central data only: no field visit confirms anyone.
                met[rule.syarat_no] = np.zeros(len(eligible), dtype=bool)
            elif rule.syarat in (
                "desil_nasional",
                "desil_provinsi",
                "anggota_hidup",
                "desil_nasional_atau_verifikasi_layak",
            ):
                column = {
                    "anggota_hidup": "jumlah_anggota",
                    "desil_nasional_atau_verifikasi_layak": "desil_nasional",
                }.get(rule.syarat, rule.syarat)
                met[rule.syarat_no] = eligible[column].between(low, high).fillna(False)
            else:
                aged = members["umur"].between(low, high)
                condition = (
                    {
                        "anggota_umur": aged,
                        "anggota_lansia": aged,
                        "anggota_sekolah_umur": members["sekolah"] & aged,
                        "anggota_sekolah_belum_12_tahun": members["sekolah"]
                        & members["belum_12_tahun"]
                        & aged,
                        "anggota_kuliah_umur": members["kuliah"] & aged,
                        "anggota_hamil": members["hamil"],
                        "anggota_disabilitas": members["disabilitas"],
                    }[rule.syarat]
                    .fillna(False)
                    .astype(bool)
                )
                met[rule.syarat_no] = eligible.index.isin(members.loc[condition, "family_key"])
        met = pd.DataFrame(met, index=eligible.index)
        every = program_rules.loc[program_rules["gabung"] == "semua", "syarat_no"]
        one_of = program_rules.loc[program_rules["gabung"] == "salah_satu", "syarat_no"]
        layak = met[list(every)].all(axis=1) & (met[list(one_of)].any(axis=1) if len(one_of) else True)
        decisions.append(
            pd.DataFrame(
                {
                    "family_id": eligible["family_id"].to_numpy(),
                    "program": program,
                    "expected": layak.to_numpy(),
                }
            )
        )
    return pd.concat(decisions)


def test_eligibility_follows_the_rules_seed(generated_build):
    con = generated_build[0]
    expected = _eligibility_by_the_rules(con)
    built = con.sql(
        "select family_id, program, layak_tanpa_verifikasi as layak from marts.fct_eligibility"
    ).df()
    both = expected.merge(built, on=["family_id", "program"], how="outer", indicator=True)
    assert (both["_merge"] == "both").all(), both["_merge"].value_counts()
    assert (both["expected"] == both["layak"]).all(), both[both["expected"] != both["layak"]].head()
    assert set(built["program"]) == set(_rules_in_force(con)["program"])
    assert 0.05 < built.loc[built["program"] == "bpnt", "layak"].mean() < 0.6


def test_ineligible_rows_say_why_and_classes_follow_receipt(generated_build):
    con = generated_build[0]
    problems = con.sql("""
        select count(*) filter (where not layak and syarat_tidak_terpenuhi is null),
            count(*) filter (where layak and syarat_tidak_terpenuhi is not null),
            count(*) filter (where program = 'pkh' and not layak and desil_nasional > 4
                             and syarat_tidak_terpenuhi not like '%desil nasional 1-4%'),
            count(*) filter (where status_penargetan is distinct from case
                when menerima is null then null
                when menerima and layak then 'correctly_included' when menerima then 'inclusion_error'
                when layak then 'exclusion_error' else 'correctly_excluded' end)
        from marts.fct_eligibility
    """).fetchall()[0]
    assert problems == (0, 0, 0, 0)


def test_administrative_errors_add_up_from_the_eligibility_mart(generated_build):
    con = generated_build[0]
    eligibility = con.sql("select * from marts.fct_eligibility where menerima is not null").df()
    national = con.sql(
        "select * from marts.mart_targeting_errors_administrative where tingkat = 'nasional'"
    ).df()
    assert set(national["program"]) == {"pkh", "bpnt", "pbi_jk", "pip"}
    for row in national.itertuples():
        rows = eligibility[eligibility["program"] == row.program]
        recipients = rows[rows["menerima"]]
        assert row.jumlah_penerima == len(recipients) > 0
        assert row.inclusion_error_rate == pytest.approx((~recipients["layak"]).mean())
        eligible = rows[rows["layak"]]
        assert row.exclusion_error_rate == pytest.approx((~eligible["menerima"]).mean())
        flags = recipients[
            [
                "penerima_meninggal",
                "penerima_tidak_di_dukcapil",
                "penerima_ganda",
                "penerima_rumah_tangga_ganda",
            ]
        ].any(axis=1)
        assert row.data_error_rate == pytest.approx(flags.mean())
    provinces = con.sql("""
        select program, sum(jumlah_penerima) from marts.mart_targeting_errors_administrative
        where tingkat = 'provinsi' group by program
    """).fetchall()
    assert dict(provinces) == dict(zip(national["program"], national["jumlah_penerima"]))


def test_data_errors_find_the_injected_ones(generated_build):
    """Households the generator registered twice in DTKS, and DTKS member rows of persons
    dead before the list was verified: a receiving family carrying one is flagged."""
    con = generated_build[0]
    found, injected = con.sql("""
        with injected as (
            select distinct records.source_household_id as id_rt
            from truth_records as truth
            join intermediate.int_person_records as records
                on records.source = truth.source and records.source_file = truth.file
                and records.source_row_number = truth.row_number
            where truth.source = 'dtks' and list_contains(truth.errors, 'dead_recipient')
        ),
        receiving as (
            select receipt.family_key, receipt.program
            from intermediate.int_dtks_receipt as receipt join injected using (id_rt)
        )
        select count(*) filter (where errors.penerima_meninggal), count(*)
        from receiving
        join intermediate.int_recipient_data_errors as errors using (family_key, program)
    """).fetchall()[0]
    assert injected > 0
    assert found / injected >= 0.95, (found, injected)


def test_statistical_errors_cover_both_lists(generated_build):
    con = generated_build[0]
    rows = con.sql("""
        select program, daftar, jumlah_sampel, inclusion_error_rate, exclusion_error_rate
        from marts.mart_targeting_errors_statistical where tingkat = 'nasional'
    """).fetchall()
    assert {(program, daftar) for program, daftar, *_ in rows} == {
        (program, daftar)
        for program in ("pkh", "bpnt", "pbi_jk", "pip")
        for daftar in ("dtks_saat_ini", "dtsen_layak")
    }
    sample, weight = con.sql(
        "select count(*), sum(bobot) from intermediate.int_survey_households"
    ).fetchall()[0]
    for _program, _daftar, size, inclusion, exclusion in rows:
        assert size == sample
        assert inclusion is None or 0 <= inclusion <= 1
        assert exclusion is None or 0 <= exclusion <= 1
    # BPNT by measured consumption: desil 1-4 of the survey's weighted persons, so about
    # 30-40 % of households (poor households are larger) when identities are verified.
    eligible_weight = con.sql("""
        select bobot_layak_menurut_konsumsi from marts.mart_targeting_errors_statistical
        where tingkat = 'nasional' and program = 'bpnt' and daftar = 'dtks_saat_ini'
    """).fetchall()[0][0]
    assert 0.15 < eligible_weight / weight < 0.5


def test_evaluation_scores_targeting_against_the_truth(generated_build):
    scores = targeting_scores(generated_build[0])
    assert scores["families"] > 4_000
    assert scores["spearman"] > 0.3, scores  # the PMT ranks better than chance
    assert set(scores["programmes"]) == {"pkh", "bpnt", "pbi_jk", "pip"}
    for lists in scores["programmes"].values():
        for inclusion, exclusion in lists.values():
            assert 0 <= inclusion <= 1 and 0 <= exclusion <= 1


def test_member_features_of_a_known_family(generated_build):
    """int_family_member_features as the build compiled it, run on hand-made members: the
    dependency ratio (under 15 and 65+ over 15-64), the education shares of members 25+ and
    the occupation shares of members 15+, each over those the register gives a value for."""
    root = generated_build[2]
    compiled = next((root / "target" / "compiled").rglob("int_family_member_features.sql")).read_text()
    con = duckdb.connect()
    con.execute(f"attach ':memory:' as {GENERATED_DB}")
    con.execute(f"create schema {GENERATED_DB}.intermediate")
    members = [
        # family, person, age, register diploma, register occupation (None: no register record)
        ("F1", "head", 40, 3, "PETANI/PEKEBUN"),
        ("F1", "wife", 38, 2, "MENGURUS RUMAH TANGGA"),
        ("F1", "pupil", 16, 2, "PELAJAR/MAHASISWA"),
        ("F1", "child", 10, 1, "PELAJAR/MAHASISWA"),
        ("F1", "grandmother", 70, 0, "BELUM/TIDAK BEKERJA"),
        ("F1", "son_in_law", 26, 5, "KARYAWAN BUMN"),
        ("F1", "unregistered", 30, None, None),
        ("F2", "widow", 70, None, "BURUH TANI/PERKEBUNAN"),
        ("F3", "labourer", 30, None, "BURUH HARIAN LEPAS"),
        ("F3", "no_birth_date", None, 4, "WIRASWASTA"),
    ]
    con.execute(f"create table {GENERATED_DB}.intermediate.int_living_family_members "
                "(family_key varchar, person_id varchar, umur integer)")  # fmt: skip
    con.execute(f"create table {GENERATED_DB}.intermediate.int_person_register_attributes "
                "(person_id varchar, ijazah integer, pekerjaan varchar)")  # fmt: skip
    con.executemany(
        f"insert into {GENERATED_DB}.intermediate.int_living_family_members values (?, ?, ?)",
        [member[:3] for member in members],
    )
    con.executemany(
        f"insert into {GENERATED_DB}.intermediate.int_person_register_attributes values (?, ?, ?)",
        [member[1:2] + member[3:] for member in members if member[4] is not None],
    )
    features = con.sql(compiled).df().set_index("family_key")
    con.close()
    known = features.loc["F1"]
    assert known["rasio_ketergantungan"] == pytest.approx(2 / 5)  # child 10, grandmother 70 over five
    # Diplomas of the four members 25+ the register knows (the unregistered 30-year-old is not one).
    assert known[["porsi_dewasa_smp", "porsi_dewasa_sma", "porsi_dewasa_perguruan_tinggi"]].tolist() == [
        pytest.approx(1 / 4)] * 3  # fmt: skip
    # Occupations of the five members 15+ the register knows: a farmer and a state-company employee.
    assert known["porsi_usia_kerja_pertanian"] == pytest.approx(1 / 5)
    assert known["porsi_usia_kerja_formal"] == pytest.approx(1 / 5)
    assert known["porsi_usia_kerja_buruh"] == 0 and known["porsi_usia_kerja_usaha_lain"] == 0
    assert known["porsi_pelajar"] == pytest.approx(2 / 7) and known["porsi_bekerja"] == pytest.approx(2 / 7)
    assert known["rata_rata_ijazah_dewasa"] == pytest.approx(10 / 4)
    # Nobody of working age: the lone dependant counts over one; no diploma known: no share.
    widow = features.loc["F2"]
    assert widow["rasio_ketergantungan"] == 1 and widow["porsi_usia_kerja_pertanian"] == 1
    assert widow[["porsi_dewasa_smp", "porsi_dewasa_sma", "porsi_dewasa_perguruan_tinggi"]].isna().all()
    # A member without a birth date is in no age group.
    labourer = features.loc["F3"]
    assert labourer["rasio_ketergantungan"] == 0 and labourer["porsi_usia_kerja_buruh"] == 1
    assert labourer["porsi_usia_kerja_usaha_lain"] == 0 and pd.isna(labourer["porsi_dewasa_perguruan_tinggi"])


def test_a_family_without_reported_income_is_kept_with_the_mean_and_a_flag(generated_build):
    """P3KE reports income for its own families only: every other family and surveyed household
    stays, with the mean log income per person and penghasilan_dilaporkan 0, and both enter the fit."""
    con = generated_build[0]
    families, reported, unreported, filled, reported_mean = con.sql("""
        select count(*), count(*) filter (where features.penghasilan_dilaporkan = 1),
            count(*) filter (where features.penghasilan_dilaporkan = 0),
            list_distinct(list(features.ln_penghasilan_per_kapita) filter (where income.family_key is null)),
            avg(ln(income.penghasilan_bulanan / greatest(composition.jumlah_anggota, 1)))
        from intermediate.int_family_pseudonyms as pseudonyms
        left join intermediate.int_household_pmt_features as features
            on features.family_key = pseudonyms.identifier
        left join intermediate.int_family_reported_income as income using (family_key)
        left join intermediate.int_family_composition as composition using (family_key)
    """).fetchall()[0]
    assert reported > 100 and unreported > 100 and reported + unreported == families
    assert len(filled) == 1 and filled[0] == pytest.approx(reported_mean, rel=1e-9)
    surveyed, sampled, sampled_without = con.sql("""
        select (select count(*) from intermediate.int_survey_households),
            (select count(*) from intermediate.int_pmt_sample),
            (select count(*) from intermediate.int_pmt_housing_sample where penghasilan_dilaporkan = 0)
    """).fetchall()[0]
    assert sampled == surveyed > 20 and sampled_without > 0
    variables = {
        model: set(variables)
        for model, variables in con.sql(
            "select model, list(distinct variable) from marts.mart_pmt_coefficients group by model"
        ).fetchall()
    }
    income = {"ln_penghasilan_per_kapita", "penghasilan_dilaporkan"}
    members = {"rasio_ketergantungan", "porsi_dewasa_sma", "porsi_usia_kerja_formal"}
    assert income | members <= variables["lengkap"] and income | members <= variables["perumahan"]
    assert members <= variables["register_saja"] and not income & variables["register_saja"]
