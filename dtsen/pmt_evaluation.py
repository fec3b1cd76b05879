"""The proxy-means test's candidates against the generator's truth (`dtsen evaluate
--pmt-models`), at the survey's size and at larger ones.

The candidates are mart_pmt_model_fit's (dtsen.welfare.CANDIDATES: ridge, ridge with
urban/rural and island-group interactions) and gradient boosting (scikit-learn's
HistGradientBoostingRegressor with the survey weights), which no build fits. Each is judged
as mart_pmt_model_fit judges it, by 5-fold cross-validation on the survey (weighted R² and
Spearman of the held-out households), and here also against the truth: every warehouse
family matched to a true family is scored by the model its model_pmt names, fitted on the
sample with the candidate, and compared with its true consumption (Spearman) and its true
desil 1-4 (inclusion and exclusion errors, persons). The yardstick is a linear model fitted
on the same sample but on the truth's own indicators (true housing, assets, size, province,
urban/rural), scored on every matched family.

Samples: `survey` is the build's own (int_pmt_sample and its companions); `x1`, `x2`, `x4`
are surveys drawn here the way the generator draws Susenas (dtsen/generate/agencies.py):
families the full PMT scores, each with probability SUSENAS_SAMPLE x the factor x its
province's oversampling (inverse square root of its share, within 0.5-4), weight 1 /
probability, consumption = truth x log-normal noise (sd SUSENAS_NOISE_SD, mean-preserving).
Several seeded replicates per size; the figures are their means.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dtsen.generate.agencies import SUSENAS_NOISE_SD, SUSENAS_SAMPLE
from dtsen.welfare import (
    FOLDS,
    KEY,
    OUTCOME,
    WEIGHT,
    fit_pmt,
    fold_of,
    out_of_fold,
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
TRUE_HOUSING = [
    "lantai", "dinding", "atap", "sumber_air_minum", "fasilitas_bab", "sumber_penerangan",
    "bahan_bakar_masak",
]  # fmt: skip


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


def _fitted(candidate: str, sample: pd.DataFrame, penalties: list[float]):
    """A function scoring a frame of the sample's variables with `candidate` fitted on it."""
    categorical, numeric = pmt_variables(sample)
    if candidate == "gbm":
        return _gbm(sample, categorical, numeric)
    if candidate == "ridge_interaksi":
        interacted, wide = with_interactions(sample, numeric)
        table = fit_pmt(interacted, categorical, wide, penalties)
        return lambda frame: predict(table, with_interactions(frame, numeric)[0], categorical, wide)
    table = fit_pmt(sample, categorical, numeric, penalties)
    return lambda frame: predict(table, frame, categorical, numeric)


def _cross_validated(candidate: str, sample: pd.DataFrame, penalties: list[float]) -> dict:
    sample = sample.reset_index(drop=True)
    categorical, numeric = pmt_variables(sample)
    if candidate == "gbm":
        folds = fold_of(sample)
        predicted = np.full(len(sample), np.nan)
        for fold in range(FOLDS):
            score = _gbm(sample[folds != fold], categorical, numeric)
            predicted[folds == fold] = score(sample[folds == fold])
    else:
        predicted = out_of_fold(sample, categorical, numeric, penalties, candidate)
    return weighted_fit(sample[OUTCOME].to_numpy(float), predicted, sample[WEIGHT].to_numpy(float))


def _desil_1_4(score: np.ndarray, persons: np.ndarray) -> np.ndarray:
    """Whether each family falls in desil 1-4 of `score`, a tenth of the persons each (poorest
    first; the middle person decides, as fct_household_desil)."""
    order = np.argsort(score, kind="stable")
    below = np.empty(len(score))
    below[order] = np.cumsum(persons[order]) - persons[order] / 2.0
    return below / persons.sum() < 0.4


def _against_truth(score: np.ndarray, families: pd.DataFrame) -> dict:
    persons = families["jumlah_anggota"].to_numpy(float)
    poor, placed = families["true_desil"].to_numpy() <= 4, _desil_1_4(score, persons)
    return {
        "spearman_truth": pd.Series(score).corr(
            families["true_log"].reset_index(drop=True), method="spearman"
        ),
        "inclusion": persons[placed & ~poor].sum() / persons[placed].sum(),
        "exclusion": persons[poor & ~placed].sum() / persons[poor].sum(),
    }


def _load(con: duckdb.DuckDBPyConnection, truth: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """Matched families (family_key, model_pmt, persons, truth), each PMT's features and the
    truth's own indicators, all ordered by family key."""
    from dtsen.evaluate import targeting_scores

    path = str((truth / "family_housing.parquet").resolve()).replace("'", "''")
    con.execute(f"create or replace temp view truth_family_housing as select * from read_parquet('{path}')")

    targeting_scores(con)  # makes family_truth
    families = con.sql("""
        select pseudonyms.identifier as family_key, desil.model_pmt, truth.jumlah_anggota,
            truth.true_desil, ln(truth.pengeluaran_perkapita_true) as true_log, truth.true_family_id
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
    housing = ", ".join(f"housing.{column}::VARCHAR as {column}" for column in TRUE_HOUSING)
    assets = ", ".join(
        f"housing.{column}::DOUBLE as {column}"
        for (column,) in con.sql(
            "select column_name from (describe truth_family_housing) where column_name like 'punya_%'"
        ).fetchall()
    )
    true_indicators = con.sql(f"""
        select families.family_id as true_family_id, substr(families.kode_desa, 1, 2) as kode_provinsi,
            ln(greatest(families.jumlah_art, 1)) as ln_jumlah_art, {housing}, {assets}
        from truth_families as families
        join truth_family_housing as housing using (family_id)
    """).df()
    return families, features, true_indicators


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
    """One row per survey size and candidate (and the yardstick, candidate `benchmark_truth`):
    mean survey size, cross-validated weighted R² and Spearman of the full PMT (lengkap) on the
    survey, and against the truth the Spearman of the ranking of every matched family and the
    inclusion and exclusion errors of desil 1-4. Needs the truth attached (attach_truth) and
    its folder `truth` (for family_housing.parquet)."""
    families, features, true_indicators = _load(con, truth)
    truth_frame = families[[KEY, "true_family_id"]].merge(true_indicators, on="true_family_id", how="left")
    truth_frame = truth_frame.drop(columns="true_family_id")
    truth_frame["kode_provinsi"] = truth_frame["kode_provinsi"].fillna("")
    urban = features["lengkap"]["perkotaan"]
    truth_frame["perkotaan"] = truth_frame[KEY].map(urban).fillna(0.0).to_numpy()
    truth_frame = truth_frame.fillna(dict.fromkeys(TRUE_HOUSING, "")).fillna(0.0).set_index(KEY)
    rows = []
    for label, keys, weights, outcome in _draws(con, families, features, factors, replicates):
        survey = pd.DataFrame({KEY: keys, WEIGHT: weights, OUTCOME: outcome}).sort_values(KEY)
        samples = {
            model: survey.merge(table.reset_index(), on=KEY).sort_values(KEY).reset_index(drop=True)
            for model, table in features.items()
        }
        for candidate in COMPARED:
            fit = _cross_validated(candidate, samples["lengkap"], penalties)
            score = np.empty(len(families))
            for model, sample in samples.items():
                which = (families["model_pmt"] == model).to_numpy()
                if which.any():
                    frame = features[model].loc[families.loc[which, KEY]].reset_index()
                    score[which] = _fitted(candidate, sample, penalties)(frame)
            rows.append({"sample": label, "candidate": candidate, "sample_size": len(survey), **fit,
                         **_against_truth(score, families)})  # fmt: skip
        true_sample = survey.merge(truth_frame.reset_index(), on=KEY).sort_values(KEY).reset_index(drop=True)
        score = _fitted("ridge", true_sample, penalties)(truth_frame.loc[families[KEY]].reset_index())
        benchmark = _cross_validated("ridge", true_sample, penalties)
        rows.append({"sample": label, "candidate": "benchmark_truth", "sample_size": len(survey),
                     **benchmark, **_against_truth(score, families)})  # fmt: skip
    table = pd.DataFrame(rows)
    return table.groupby(["sample", "candidate"], sort=False).mean(numeric_only=True).reset_index()


def print_pmt_model_comparison(con: duckdb.DuckDBPyConnection, truth: Path) -> None:
    table = pmt_model_comparison(con, truth)
    print("\nPMT candidates (survey: the build's own sample; xN: N x the survey rate, 3 draws, mean):")
    print(
        f"  {'sample':<7} {'candidate':<16} {'n':>6} {'CV R²':>7} {'CV Spearman':>12} "
        f"{'Spearman truth':>15} {'incl. 1-4':>10} {'excl. 1-4':>10}"
    )
    for row in table.itertuples():
        print(
            f"  {row.sample:<7} {row.candidate:<16} {row.sample_size:>6.0f} {row.r_squared:>7.3f} "
            f"{row.spearman:>12.3f} {row.spearman_truth:>15.3f} {row.inclusion:>10.1%} {row.exclusion:>10.1%}"
        )


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
