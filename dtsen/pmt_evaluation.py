"""The proxy-means test's candidates against the generator's truth (`dtsen evaluate
--pmt-models`), at the survey's size and at larger ones.

The candidates are mart_pmt_model_fit's (dtsen.welfare.CANDIDATES: ridge, ridge with
urban/rural and island-group interactions) and gradient boosting (scikit-learn's
HistGradientBoostingRegressor with the survey weights), which no build fits. Each is judged
as mart_pmt_model_fit judges it, by 5-fold cross-validation on the survey (weighted R² and
Spearman of the held-out households), and here also against the truth: every warehouse
family matched to a true family is scored by the model its model_pmt names, fitted on the
sample with the candidate, and compared with its true consumption (Spearman) and its true
desil 1-4 (inclusion and exclusion errors, persons).

The yardstick (`benchmark_truth`) is the same ridge, with the same penalties, fitted on the
same sample but on the true value of every indicator any of the three PMTs uses, and scored on
every matched family from its true indicators. Its features are made by the PMT's own feature
models (int_household_pmt_features, int_household_register_features and the models under
them, compiled by dbt) run on tables the truth fills in place of the warehouse's inputs
(truth_inputs), so the yardstick and the PMT describe a family alike by construction.
`benchmark_truth_ols` is that model at a negligible penalty: least squares.

Samples: `survey` is the build's own (int_pmt_sample and its companions); `x1`, `x2`, `x4`
are surveys drawn here the way the generator draws Susenas (dtsen/generate/agencies.py):
families the full PMT scores, each with probability SUSENAS_SAMPLE x the factor x its
province's oversampling (inverse square root of its share, within 0.5-4), weight 1 /
probability, consumption = truth x log-normal noise (sd SUSENAS_NOISE_SD, mean-preserving).
Several seeded replicates per size; the figures are their means.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dtsen.contract import ACCUMULATING_SOURCES
from dtsen.generate.agencies import SUSENAS_NOISE_SD, SUSENAS_SAMPLE
from dtsen.marts import quote_literal
from dtsen.welfare import (
    FOLDS,
    KEY,
    MIN_CROSS_VALIDATION_SAMPLE,
    OUTCOME,
    WEIGHT,
    candidate_cross_validation,
    fit_pmt_at,
    fold_of,
    pmt_variables,
    predict,
    weighted_fit,
    with_interactions,
)

PMT_TABLES = {
    "lengkap": ("int_pmt_sample", "int_household_pmt_features"),
    "perumahan": ("int_pmt_housing_sample", "int_household_housing_features"),
    "register_saja": ("int_pmt_register_sample", "int_household_register_features"),
}
COMPARED = ("ridge", "ridge_interaksi", "gbm")
# mart_pmt_model_fit's ridge_penalties (models/marts/welfare/_marts_welfare__models.yml).
PENALTIES = [0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000]
# Least squares as the ridge code fits it: a penalty this small against the sample's size
# (the design is scaled to unit spread) changes no slope that the data determine, and keeps a
# level seen once, or two codes that always come together, from making the system singular.
OLS_PENALTY = 1e-6
# The PMT's feature models, in dependency order, that the yardstick runs on the truth; the
# yardstick's variables are those of the last two (the full PMT's and the register-only PMT's;
# the housing PMT joins those two).
FEATURE_MODELS = (
    "int_living_family_members", "int_family_composition", "int_family_heads",
    "int_family_member_features", "int_household_pmt_features", "int_household_register_features",
)  # fmt: skip
# The catalog the feature models are compiled for and the truth's tables are made in.
YARDSTICK_CATALOG = "pmt_yardstick_truth"
# What the truth folder must hold for the yardstick (docs/synthetic-data.md, "The truth folder").
TRUTH_COLUMNS = {
    "persons.parquet": ("ijazah", "pekerjaan", "sekolah", "bekerja"),
    "family_indicators.parquet": ("family_id", "penghasilan_bulanan"),
}


class TruthTooOld(ValueError):
    """The truth folder lacks the PMT's true inputs (written by an older generator)."""


def _gbm(train: pd.DataFrame, categorical: list[str], numeric: list[str]):
    """Gradient boosting with the survey weights; categories coded by their sorted codes and
    a fixed random_state, so the same ordered input gives the same fit."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    # A code the fit never saw is missing (NaN), which the trees send down their learned side.
    codes = {
        variable: {code: index for index, code in enumerate(sorted(train[variable].dropna().unique()))}
        for variable in categorical
    }

    def matrix(frame: pd.DataFrame) -> np.ndarray:
        columns = [frame[variable].map(codes[variable]).to_numpy(float) for variable in categorical]
        columns += [frame[variable].to_numpy(float) for variable in numeric]
        return np.column_stack(columns)

    model = HistGradientBoostingRegressor(
        learning_rate=0.05,
        max_iter=300,
        max_leaf_nodes=8,
        min_samples_leaf=20,
        l2_regularization=1.0,
        categorical_features=list(range(len(categorical))),
        early_stopping=False,
        random_state=0,
    )
    model.fit(matrix(train), train[OUTCOME].to_numpy(float), sample_weight=train[WEIGHT].to_numpy(float))
    return lambda frame: model.predict(matrix(frame))


def _evaluated(candidate: str, sample: pd.DataFrame, penalties: list[float], cross_validated: bool = True):
    """`candidate` on `sample`: its cross-validated weighted R² and Spearman on the sample's
    held-out folds (None without `cross_validated` or under MIN_CROSS_VALIDATION_SAMPLE
    households) and a function scoring a frame of the sample's variables with the candidate
    fitted on the whole sample. Ridge is cross-validated once: the penalty its folds choose is
    the one the whole-sample fit uses (fit_pmt_at), as mart_pmt_coefficients does."""
    sample = sample.reset_index(drop=True)
    categorical, numeric = pmt_variables(sample)
    outcome, weights = sample[OUTCOME].to_numpy(float), sample[WEIGHT].to_numpy(float)
    fit = {"r_squared": None, "spearman": None}
    if candidate == "gbm":
        if cross_validated and len(sample) >= MIN_CROSS_VALIDATION_SAMPLE:
            folds = fold_of(sample)
            predicted = np.full(len(sample), np.nan)
            for fold in range(FOLDS):
                score = _gbm(sample[folds != fold], categorical, numeric)
                predicted[folds == fold] = score(sample[folds == fold])
            fit = weighted_fit(outcome, predicted, weights)
        return fit, _gbm(sample, categorical, numeric)
    penalty = max(penalties)
    if len(sample) >= MIN_CROSS_VALIDATION_SAMPLE:
        penalty, _, predicted = candidate_cross_validation(sample, categorical, numeric, penalties, candidate)
        if cross_validated:
            fit = weighted_fit(outcome, predicted, weights)
    if candidate == "ridge_interaksi":
        interacted, wide = with_interactions(sample, numeric)
        table = fit_pmt_at(interacted, categorical, wide, penalty)
        return fit, lambda frame: predict(table, with_interactions(frame, numeric)[0], categorical, wide)
    table = fit_pmt_at(sample, categorical, numeric, penalty)
    return fit, lambda frame: predict(table, frame, categorical, numeric)


def _desil_1_4(score: np.ndarray, persons: np.ndarray) -> np.ndarray:
    """Whether each family falls in desil 1-4 of `score`, a tenth of the persons each (poorest
    first; the middle person decides, as fct_household_desil)."""
    order = np.argsort(score, kind="stable")
    below = np.empty(len(score))
    below[order] = np.cumsum(persons[order]) - persons[order] / 2.0
    return below / persons.sum() < 0.4


def _against_truth(score: np.ndarray, families: pd.DataFrame) -> dict:
    """Spearman of `score` with true consumption over every family and within the families
    each PMT ranks (spearman_truth_<model>: where the ranking loses), and the desil 1-4 errors."""
    persons = families["jumlah_anggota"].to_numpy(float)
    poor, placed = families["true_desil"].to_numpy() <= 4, _desil_1_4(score, persons)
    true_log = families["true_log"].to_numpy(float)
    by_model = {
        f"spearman_truth_{model}": pd.Series(score[which]).corr(pd.Series(true_log[which]), method="spearman")
        for model in PMT_TABLES
        for which in [(families["model_pmt"] == model).to_numpy()]
    }
    return {
        "spearman_truth": pd.Series(score).corr(pd.Series(true_log), method="spearman"),
        **by_model,
        "inclusion": persons[placed & ~poor].sum() / persons[placed].sum(),
        "exclusion": persons[poor & ~placed].sum() / persons[poor].sum(),
    }


def _load(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, dict]:
    """Matched families (family_key, model_pmt, persons, truth) and each PMT's features,
    ordered by family key."""
    from dtsen.evaluate import targeting_scores

    targeting_scores(con)  # makes family_truth
    families = con.sql("""
        select pseudonyms.identifier as family_key, desil.model_pmt, truth.jumlah_anggota,
            truth.true_desil, ln(truth.pengeluaran_perkapita_true) as true_log,
            truth.true_family_id::VARCHAR as true_family_id
        from family_truth as truth
        join marts.fct_household_desil as desil using (family_id)
        join intermediate.int_family_pseudonyms as pseudonyms on pseudonyms.pseudonym = truth.family_id
        where truth.jumlah_anggota > 0
        order by pseudonyms.identifier
    """).df()
    features = {
        model: con.sql(f"select * from intermediate.{table} order by family_key").df().set_index(KEY)
        for model, (_, table) in PMT_TABLES.items()
    }
    return families, features


def check_truth(truth: Path) -> None:
    """Raise TruthTooOld naming the file when `truth` lacks a file or column the yardstick reads."""
    import pyarrow.parquet as pq

    for name, columns in TRUTH_COLUMNS.items():
        path = truth / name
        if not path.is_file():
            raise TruthTooOld(
                f"{path} is missing: the PMT's yardstick needs the true value of every indicator, "
                "which the generator writes since the truth has family_indicators.parquet; generate "
                "the data again (the same seed and persons give the same deliveries)"
            )
        missing = [column for column in columns if column not in pq.read_schema(path).names]
        if missing:
            raise TruthTooOld(
                f"{path} has no column {', '.join(missing)}: a truth folder written before the generator "
                "exported the PMT's true inputs; generate the data again (the same seed and persons give "
                "the same deliveries)"
            )


@cache
def compiled_feature_models() -> dict[str, str]:
    """The SQL of FEATURE_MODELS as dbt compiles it from this checkout, for YARDSTICK_CATALOG
    (one `dbt compile` a process: it parses the project)."""
    from dtsen.project import run_dbt

    with tempfile.TemporaryDirectory(prefix="dtsen-pmt-yardstick-") as folder:
        folder = Path(folder)
        done = run_dbt(
            "compile",
            folder,
            folder / f"{YARDSTICK_CATALOG}.duckdb",
            ["--select", *FEATURE_MODELS, "--quiet"],
            isolated=True,
            capture=True,
        )
        compiled = {
            model: next(iter(sorted((folder / "target" / "compiled").rglob(f"{model}.sql"))), None)
            for model in FEATURE_MODELS
        }
        missing = [model for model, path in compiled.items() if path is None]
        if done.returncode != 0 or missing:
            raise RuntimeError(
                f"dbt compile of the PMT's feature models failed (exit {done.returncode}"
                f"{'; not compiled: ' + ', '.join(missing) if missing else ''}):\n{done.stdout}{done.stderr}"
            )
        return {model: path.read_text(encoding="utf-8") for model, path in compiled.items()}


def truth_inputs(con: duckdb.DuckDBPyConnection, truth: Path) -> duckdb.DuckDBPyConnection:
    """A new in-memory connection (the warehouse's is read-only) holding in YARDSTICK_CATALOG
    the tables the PMT's feature models read, filled in from the truth
    (each true family with a living member is a family, its true family id the key): the
    members with their true education and work, the true village, every true housing and
    asset indicator, P3KE's income for the families it lists (a report of zero or less is no
    report, as int_family_reported_income has it). Ages are taken at the warehouse's own
    reference date (its stg_landing__delivery_files). Disability, pregnancy and PIP receipt
    are in no PMT and stay NULL."""
    check_truth(truth)
    deliveries = con.sql("select * from staging.stg_landing__delivery_files").df()
    yard = duckdb.connect()
    path = {name: quote_literal(str((truth / name).resolve())) for name in TRUTH_COLUMNS}
    families = quote_literal(str((truth / "families.parquet").resolve()))
    target = f"{YARDSTICK_CATALOG}.intermediate"
    yard.execute(f"attach ':memory:' as {YARDSTICK_CATALOG}")
    for schema in ("intermediate", "staging"):
        yard.execute(f"create schema {YARDSTICK_CATALOG}.{schema}")
    yard.register("deliveries", deliveries)
    yard.execute(f"create table {YARDSTICK_CATALOG}.staging.stg_landing__delivery_files as from deliveries")
    accumulating = ", ".join(f"'{source}'" for source in sorted(ACCUMULATING_SOURCES))
    reference_day = (
        f"(select max(extract_date) from {YARDSTICK_CATALOG}.staging.stg_landing__delivery_files "
        f"where status = 'current' and source not in ({accumulating}))"
    )
    yard.execute(f"""create table {target}.int_family_members as
        select person_id, family_id::VARCHAR as family_key, jenis_kelamin, tanggal_lahir,
            hubungan as hubungan_kk, sekolah, null::BOOLEAN as disabilitas, null::BOOLEAN as hamil,
            ijazah, bekerja, null::BOOLEAN as penerima_pip,
            tanggal_meninggal is null or tanggal_meninggal > {reference_day} as is_living
        from read_parquet({path["persons.parquet"]})
        where family_id is not null""")
    yard.execute(f"""create table {target}.int_person_register_attributes as
        select person_id, ijazah, pekerjaan from read_parquet({path["persons.parquet"]})""")
    yard.execute(f"""create table {target}.int_family_pseudonyms as
        select distinct family_key as identifier from {target}.int_family_members where is_living""")
    yard.execute(f"""create table {target}.int_family_villages as
        select family_id::VARCHAR as family_key, kode_desa from read_parquet({families})""")
    yard.execute(f"""create table {target}.int_household_indicators as
        select family_id::VARCHAR as family_key, * exclude (family_id, penghasilan_bulanan)
        from read_parquet({path["family_indicators.parquet"]})""")
    yard.execute(f"""create table {target}.int_family_reported_income as
        select family_id::VARCHAR as family_key, penghasilan_bulanan
        from read_parquet({path["family_indicators.parquet"]}) where penghasilan_bulanan > 0""")
    for model, sql in compiled_feature_models().items():
        yard.execute(f"create table {target}.{model} as {sql}")
    return yard


def true_features(con: duckdb.DuckDBPyConnection, truth: Path) -> pd.DataFrame:
    """Every true family's value of every variable any PMT uses, made by the PMT's own feature
    models on the truth (truth_inputs), indexed by the true family id as text."""
    yard = truth_inputs(con, truth)
    target = f"{YARDSTICK_CATALOG}.intermediate"
    try:
        full = yard.sql(f"select * from {target}.int_household_pmt_features order by family_key").df()
        register = yard.sql(
            f"select * from {target}.int_household_register_features order by family_key"
        ).df()
    finally:
        yard.close()
    extra = [column for column in register.columns if column not in full.columns]
    frame = full.merge(register[[KEY, *extra]], on=KEY, how="left", validate="one_to_one")
    return frame.set_index(KEY)


def _draws(con, families: pd.DataFrame, features: dict, factors, replicates: int):
    """(label, family keys, weights, log consumption) of each survey compared."""
    own = con.sql(f"select {KEY}, {WEIGHT}, {OUTCOME} from intermediate.int_pmt_sample order by {KEY}").df()
    yield "survey", own[KEY].to_numpy(), own[WEIGHT].to_numpy(float), own[OUTCOME].to_numpy(float)
    frame = families[families["model_pmt"] == "lengkap"].reset_index(drop=True)
    province = features["lengkap"].loc[frame[KEY], "kode_provinsi"].to_numpy()
    count = pd.Series(1.0, index=province).groupby(level=0).sum()
    oversampling = np.sqrt(count.mean() / count).clip(0.5, 4.0)
    oversampling *= count.sum() / (count * oversampling).sum()
    for factor in factors:
        for replicate in range(replicates):
            rng = np.random.default_rng([factor, replicate])
            probability = np.minimum(1.0, SUSENAS_SAMPLE * factor * oversampling.loc[province].to_numpy())
            drawn = rng.uniform(size=len(frame)) < probability
            measured = SUSENAS_NOISE_SD * rng.normal(size=drawn.sum()) - SUSENAS_NOISE_SD**2 / 2
            outcome = frame.loc[drawn, "true_log"].to_numpy() + measured
            yield f"x{factor}", frame.loc[drawn, KEY].to_numpy(), 1 / probability[drawn], outcome


def pmt_model_comparison(
    con: duckdb.DuckDBPyConnection, truth: Path, factors=(1, 2, 4), replicates: int = 3, penalties=PENALTIES
) -> pd.DataFrame:
    """One row per survey size and candidate (and the yardstick, candidates `benchmark_truth`
    and `benchmark_truth_ols`): mean survey size, cross-validated weighted R² and Spearman of
    the full PMT (lengkap; the yardstick's on the true indicators) on the survey, and against
    the truth the Spearman of the ranking of every matched family and the inclusion and
    exclusion errors of desil 1-4. Needs the truth attached (attach_truth) and its folder
    `truth` (true_features)."""
    check_truth(truth)
    families, features = _load(con)
    true_frame = true_features(con, truth)
    true_of = families.set_index(KEY)["true_family_id"]
    # Every matched family scored from its own true indicators, whichever PMT ranks it.
    true_scored = true_frame.loc[families["true_family_id"]].reset_index(drop=True)
    rows = []
    for label, keys, weights, outcome in _draws(con, families, features, factors, replicates):
        survey = pd.DataFrame({KEY: keys, WEIGHT: weights, OUTCOME: outcome}).sort_values(KEY)
        samples = {
            model: survey.merge(table.reset_index(), on=KEY).sort_values(KEY).reset_index(drop=True)
            for model, table in features.items()
        }
        for candidate in COMPARED:
            score = np.empty(len(families))
            for model, sample in samples.items():
                which = (families["model_pmt"] == model).to_numpy()
                fitted, scorer = _evaluated(candidate, sample, penalties, cross_validated=model == "lengkap")
                if model == "lengkap":
                    fit = fitted
                if which.any():
                    score[which] = scorer(features[model].loc[families.loc[which, KEY]].reset_index())
            rows.append({"sample": label, "candidate": candidate, "sample_size": len(survey), **fit,
                         **_against_truth(score, families)})  # fmt: skip
        # The same survey households (those matched to a true family), their true indicators.
        matched = survey[survey[KEY].isin(true_of.index)]
        true_sample = true_frame.loc[true_of[matched[KEY]]].reset_index(drop=True)
        true_sample = pd.concat([matched.reset_index(drop=True), true_sample], axis=1)
        for candidate, grid in (("benchmark_truth", penalties), ("benchmark_truth_ols", [OLS_PENALTY])):
            fit, scorer = _evaluated("ridge", true_sample, grid)
            rows.append({"sample": label, "candidate": candidate, "sample_size": len(true_sample), **fit,
                         **_against_truth(scorer(true_scored), families)})  # fmt: skip
    # Undefined figures (a sample too small to cross-validate) are NaN, so every column averages.
    table = pd.DataFrame(rows).fillna(np.nan).astype({"r_squared": float, "spearman": float})
    return table.groupby(["sample", "candidate"], sort=False).mean(numeric_only=True).reset_index()


def yardstick_gaps(table: pd.DataFrame) -> pd.DataFrame:
    """Per sample: the PMT's (ridge's) Spearman against the truth, the yardstick's, and the gap
    (PMT - yardstick; the issue's target is a gap of no less than -0.02); the same within the
    families each PMT ranks (pmt_<model>, yardstick_<model>)."""
    columns = {"": "spearman_truth", **{f"_{model}": f"spearman_truth_{model}" for model in PMT_TABLES}}
    gaps = {}
    for suffix, column in columns.items():
        spearman = table.pivot(index="sample", columns="candidate", values=column)
        gaps[f"pmt{suffix}"], gaps[f"yardstick{suffix}"] = spearman["ridge"], spearman["benchmark_truth"]
        if not suffix:
            gaps["gap"] = spearman["ridge"] - spearman["benchmark_truth"]
    return pd.DataFrame(gaps).loc[list(dict.fromkeys(table["sample"]))]


def print_pmt_model_comparison(con: duckdb.DuckDBPyConnection, truth: Path) -> None:
    table = pmt_model_comparison(con, truth)
    print("\nPMT candidates (survey: the build's own sample; xN: N x the survey rate, 3 draws, mean):")
    print(
        f"  {'sample':<7} {'candidate':<19} {'n':>6} {'CV R²':>7} {'CV Spearman':>12} "
        f"{'Spearman truth':>15} {'incl. 1-4':>10} {'excl. 1-4':>10}"
    )
    for row in table.itertuples():
        print(
            f"  {row.sample:<7} {row.candidate:<19} {row.sample_size:>6.0f} {row.r_squared:>7.3f} "
            f"{row.spearman:>12.3f} {row.spearman_truth:>15.3f} {row.inclusion:>10.1%} {row.exclusion:>10.1%}"
        )
    print(
        "\nPMT (ridge) against the yardstick (benchmark_truth), Spearman with true consumption;"
        "\nthen PMT / yardstick within the families each PMT ranks:"
    )
    print(
        f"  {'sample':<7} {'PMT':>7} {'yardstick':>10} {'gap':>7}" + "".join(f"  {m:>13}" for m in PMT_TABLES)
    )
    for sample, row in yardstick_gaps(table).iterrows():
        within = "".join(f"  {row[f'pmt_{m}']:>6.3f}/{row[f'yardstick_{m}']:.3f}" for m in PMT_TABLES)
        print(f"  {sample:<7} {row.pmt:>7.3f} {row.yardstick:>10.3f} {row.gap:>+7.3f}{within}")


def print_comparison(db: Path, truth: Path) -> None:
    """`dtsen evaluate --pmt-models`: the comparison on one read-only connection to the warehouse."""
    from dtsen.evaluate import attach_truth

    con = duckdb.connect(str(db), read_only=True)
    try:
        attach_truth(con, truth)
        print(f"PMT candidates of {db} against the truth in {truth}")
        print_pmt_model_comparison(con, truth)
    finally:
        con.close()
