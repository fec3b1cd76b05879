"""The proxy-means test (PMT): log consumption per person regressed on household indicators.

Weighted least squares with a ridge penalty chosen by cross-validation. The survey sample
is about 1 % of Regsosek families and the design has ~90 columns (one per housing code and
province): on a small sample plain least squares fits noise (measured here: on a 100 k
population's 219 survey households, rank correlation with true consumption 0.43 unpenalised
against 0.55 with the penalty cross-validation picks); at national size the chosen penalty
is small against the data and the fit is ordinary weighted least squares.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OUTCOME, WEIGHT, KEY = "ln_pengeluaran_perkapita", "bobot", "family_key"


def pmt_variables(sample: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(categorical, numeric) variables of a PMT sample: its text and number columns besides
    the key, the outcome and the weight."""
    variables = [column for column in sample.columns if column not in (KEY, OUTCOME, WEIGHT)]
    numeric = [column for column in variables if pd.api.types.is_numeric_dtype(sample[column])]
    return [column for column in variables if column not in numeric], numeric


FOLDS = 5
# A column whose values differ by less than this, relative to their size, is constant.
CONSTANT_TOLERANCE = 1e-9
# Fewer survey households than this and cross-validation folds are too thin to choose
# from: the largest (most cautious) candidate penalty is used.
MIN_CROSS_VALIDATION_SAMPLE = 10 * FOLDS


def fit_pmt(
    sample: pd.DataFrame, categorical: list[str], numeric: list[str], penalties: list[float]
) -> pd.DataFrame:
    """Coefficients, one row per term: the intercept, each numeric variable, and each
    categorical variable's levels (the reference level, the most common by weight, at 0).

    The penalty is the one of `penalties` with the least weighted squared error in
    5-fold cross-validation (cross_validate), the fit at it fit_pmt_at's.
    Columns: variable, level (NULL unless categorical), coefficient, is_reference, and the
    fit's sample_size, weighted_r_squared, ridge_penalty and cross_validated_rmse.
    """
    penalty, rmse, _ = cross_validate(sample, categorical, numeric, penalties)
    return fit_pmt_at(sample, categorical, numeric, penalty, rmse)


def fit_pmt_at(
    sample: pd.DataFrame,
    categorical: list[str],
    numeric: list[str],
    penalty: float,
    cross_validated_rmse: float | None = None,
) -> pd.DataFrame:
    """fit_pmt's table at a penalty cross-validation already chose (cross_validate,
    mart_pmt_model_fit), with the error it measured there."""
    if sample.empty:
        raise ValueError(
            "the consumption survey sample (int_pmt_sample) is empty: no proxy-means test can be "
            "fitted; check that the BPS delivery has susenas_konsumsi rows matching Regsosek families"
        )
    table = _fit(sample, categorical, numeric, penalty)
    table["cross_validated_rmse"] = cross_validated_rmse
    return table


def cross_validate(
    sample: pd.DataFrame, categorical: list[str], numeric: list[str], penalties: list[float]
) -> tuple[float, float | None, np.ndarray | None]:
    """The penalty of `penalties` with the least weighted squared error in 5-fold
    cross-validation (folds by family key, so the choice is reproducible; ties to the
    smaller penalty), the weighted root mean squared error there, and each household's
    held-out prediction at it (in `sample`'s order). Under MIN_CROSS_VALIDATION_SAMPLE
    households: the largest penalty, and no error or predictions."""
    if len(sample) < MIN_CROSS_VALIDATION_SAMPLE:
        return max(penalties), None, None
    return _best_held_out(sample.reset_index(drop=True), categorical, numeric, penalties)


def _best_held_out(
    frame: pd.DataFrame, categorical: list[str], numeric: list[str], penalties: list[float]
) -> tuple[float, float, np.ndarray]:
    predicted = _held_out_predictions(frame, categorical, numeric, penalties)
    residual = frame[OUTCOME].to_numpy(float) - predicted
    errors = np.nan_to_num(residual**2) @ frame[WEIGHT].to_numpy(float)
    best = min(range(len(penalties)), key=lambda index: (errors[index], penalties[index]))
    return penalties[best], float((errors[best] / frame[WEIGHT].sum()) ** 0.5), predicted[best]


def _held_out_predictions(
    frame: pd.DataFrame, categorical: list[str], numeric: list[str], penalties: list[float]
) -> np.ndarray:
    """Each household's predicted log consumption at each penalty (rows), fitted on the other
    folds: one design per fold, solved for every penalty."""
    folds = fold_of(frame)
    predicted = np.full((len(penalties), len(frame)), np.nan)
    for fold in range(FOLDS):
        train, test = frame[folds != fold], frame[folds == fold]
        if test.empty or train.empty:
            continue
        weights = train[WEIGHT].to_numpy(float)
        weights = weights / weights.mean()
        design, terms, _ = _design(train, weights, categorical, numeric)
        held_out = _design_like(test, terms)
        for index, (intercept, slopes) in enumerate(
            _solve(design, weights, train[OUTCOME].to_numpy(float), penalties)
        ):
            predicted[index, folds == fold] = intercept + held_out @ slopes
    return predicted


def predict(
    table: pd.DataFrame, frame: pd.DataFrame, categorical: list[str], numeric: list[str]
) -> np.ndarray:
    """Predicted log consumption per person: the intercept plus each term; a level the fit
    never saw counts as the reference (fct_household_desil scores the same way in SQL)."""
    coefficient = table.set_index(["variable", table["level"].fillna("")])["coefficient"]
    predicted = np.full(len(frame), coefficient[("intercept", "")])
    for variable in numeric:
        predicted += coefficient[(variable, "")] * frame[variable].to_numpy(float)
    for variable in categorical:
        levels = coefficient[variable]
        predicted += frame[variable].map(levels).fillna(0.0).to_numpy(float)
    return predicted


def _design(
    sample: pd.DataFrame, weights: np.ndarray, categorical: list[str], numeric: list[str]
) -> tuple[np.ndarray, list[tuple[str, str | None]], dict[str, str]]:
    """The regression's columns: each numeric variable, and one indicator per categorical
    level but the reference (the heaviest level; ties to the smallest code, so the fit is
    stable); with each column's (variable, level) and each categorical variable's reference."""
    columns, terms = [], []
    for variable in numeric:
        columns.append(sample[variable].to_numpy(float))
        terms.append((variable, None))
    references = {}
    for variable in categorical:
        weight_by_level = pd.Series(weights).groupby(sample[variable].to_numpy()).sum()
        references[variable] = sorted(
            weight_by_level.index, key=lambda level: (-weight_by_level[level], level)
        )[0]
        for level in sorted(weight_by_level.index):
            if level != references[variable]:
                columns.append((sample[variable].to_numpy() == level).astype(float))
                terms.append((variable, level))
    design = np.column_stack(columns) if columns else np.empty((len(sample), 0))
    return design, terms, references


def _design_like(frame: pd.DataFrame, terms: list[tuple[str, str | None]]) -> np.ndarray:
    """`frame`'s columns for a fit's terms: a level the fit never saw has no column (it
    scores as the reference, as predict and fct_household_desil do)."""
    columns = [
        frame[variable].to_numpy(float)
        if level is None
        else (frame[variable].to_numpy() == level).astype(float)
        for variable, level in terms
    ]
    return np.column_stack(columns) if columns else np.empty((len(frame), 0))


def _solve(
    design: np.ndarray, weights: np.ndarray, outcome: np.ndarray, penalties: list[float]
) -> list[tuple[float, np.ndarray]]:
    """The intercept and slopes of the weighted ridge regression at each penalty.

    Centre on weighted means (the intercept is not penalised) and scale to unit weighted
    spread (the penalty treats every term alike); a constant column gets no slope. Constant
    means its values differ by no more than rounding does: a column of equal values keeps a
    spread of rounding noise around its rounded mean, and scaling that noise to unit spread
    would make the fit hang on the last bits of its inputs (Java's and DuckDB's logarithms
    differ there, so Spark and DuckDB would fit differently)."""
    mean = weights @ design / weights.sum()
    spread = np.sqrt(weights @ (design - mean) ** 2 / weights.sum())
    varies = design.max(axis=0) - design.min(axis=0)
    usable = varies > CONSTANT_TOLERANCE * np.maximum(np.abs(design).max(axis=0), 1.0)
    scaled = (design[:, usable] - mean[usable]) / spread[usable]
    outcome_mean = weights @ outcome / weights.sum()
    cross = scaled.T @ (scaled * weights[:, None])
    target = scaled.T @ (weights * (outcome - outcome_mean))
    solutions = []
    for penalty in penalties:
        solution = np.linalg.solve(cross + penalty * np.eye(scaled.shape[1]), target)
        slopes = np.zeros(design.shape[1])
        slopes[usable] = solution / spread[usable]
        solutions.append((outcome_mean - slopes @ mean, slopes))
    return solutions


def _fit(sample: pd.DataFrame, categorical: list[str], numeric: list[str], penalty: float) -> pd.DataFrame:
    weights = sample[WEIGHT].to_numpy(float)
    weights = weights / weights.mean()  # the penalty is relative to an average observation
    outcome = sample[OUTCOME].to_numpy(float)
    design, terms, references = _design(sample, weights, categorical, numeric)
    intercept, slopes = _solve(design, weights, outcome, [penalty])[0]
    fitted = intercept + design @ slopes
    outcome_mean = weights @ outcome / weights.sum()
    total = weights @ (outcome - outcome_mean) ** 2
    r_squared = (
        1 - weights @ (outcome - fitted) ** 2 / total if total > 0 else None
    )  # undefined without variance

    rows = [("intercept", None, intercept, False)]
    rows += [(variable, level, slope, False) for (variable, level), slope in zip(terms, slopes)]
    rows += [(variable, reference, 0.0, True) for variable, reference in references.items()]
    table = pd.DataFrame(rows, columns=["variable", "level", "coefficient", "is_reference"])
    table["sample_size"] = len(sample)
    table["weighted_r_squared"] = r_squared
    table["ridge_penalty"] = penalty
    return table


# The PMT candidates mart_pmt_model_fit compares by cross-validation on the survey:
# `ridge`, the PMT fct_household_desil scores with (fit_pmt on the sample's variables), and
# `ridge_interaksi`, the same ridge with every numeric variable also interacted with
# urban/rural and with the island group (a statistician's usual check that one set of
# slopes fits town and country, Java and Papua alike).
CANDIDATES = ("ridge", "ridge_interaksi")
PRODUCTION = "ridge"
# A challenger must rank the survey's held-out households better than ridge by at least
# this much Spearman correlation to be chosen: smaller differences are within what a
# different draw of the sample would change.
MIN_SPEARMAN_GAIN = 0.01
# Island groups by the province code's first digit (BPS): 1 Sumatera, 3 Jawa, 5 Bali and
# Nusa Tenggara, 6 Kalimantan, 7 Sulawesi, 8 Maluku, 9 Papua.
ISLAND_GROUPS = ("1", "3", "5", "6", "7", "8", "9")


def with_interactions(frame: pd.DataFrame, numeric: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """`frame` with one numeric column per numeric variable x urban (perkotaan) and per
    numeric variable x island group (and the island groups' own indicators), and the
    numeric variables' new list. Needs the columns perkotaan and kode_provinsi."""
    extra = {}
    base = [variable for variable in numeric if variable != "perkotaan"]
    urban = frame["perkotaan"].to_numpy(float)
    island = frame["kode_provinsi"].astype(str).str[:1].to_numpy()
    for group in ISLAND_GROUPS[1:]:  # Sumatera is the reference island group
        in_group = (island == group).astype(float)
        extra[f"pulau_{group}"] = in_group
        for variable in base:
            extra[f"pulau_{group}_x_{variable}"] = in_group * frame[variable].to_numpy(float)
    for variable in base:
        extra[f"perkotaan_x_{variable}"] = urban * frame[variable].to_numpy(float)
    interacted = pd.concat([frame.reset_index(drop=True), pd.DataFrame(extra)], axis=1)
    return interacted, numeric + list(extra)


def fold_of(sample: pd.DataFrame) -> np.ndarray:
    """Each household's cross-validation fold, by its family key (reproducible, and the same
    folds fit_pmt picks its penalty on)."""
    return pd.util.hash_array(sample[KEY].to_numpy(object)) % FOLDS


def candidate_cross_validation(
    sample: pd.DataFrame, categorical: list[str], numeric: list[str], penalties: list[float], candidate: str
) -> tuple[float, float, np.ndarray]:
    """_best_held_out of `candidate`: its penalty, error and held-out predictions (mart_pmt_model_fit
    and dtsen evaluate --pmt-models)."""
    if candidate not in CANDIDATES:
        raise ValueError(f"unknown PMT candidate {candidate!r}: one of {', '.join(CANDIDATES)}")
    frame = sample.reset_index(drop=True)
    if candidate == "ridge_interaksi":
        frame, numeric = with_interactions(frame, numeric)
    return _best_held_out(frame, categorical, numeric, penalties)


def weighted_fit(outcome: np.ndarray, predicted: np.ndarray, weights: np.ndarray) -> dict[str, float | None]:
    """Weighted R² of predictions and their Spearman rank correlation with the outcome
    (ranks of equal values averaged); None where undefined."""
    mean = weights @ outcome / weights.sum()
    total = weights @ (outcome - mean) ** 2
    r_squared = 1 - weights @ (outcome - predicted) ** 2 / total if total > 0 else None
    spearman = pd.Series(predicted).corr(pd.Series(outcome), method="spearman")
    return {"r_squared": r_squared, "spearman": None if pd.isna(spearman) else float(spearman)}


def choose(fits: dict[str, dict]) -> str:
    """The candidate to keep: a challenger whose cross-validated Spearman beats ridge's by at
    least MIN_SPEARMAN_GAIN (the best such), else ridge; ridge when its fit is undefined
    (None or NaN: too small a sample)."""
    baseline = fits[PRODUCTION]["spearman"]
    if pd.isna(baseline):
        return PRODUCTION
    challengers = [
        (fit["spearman"], name)
        for name, fit in fits.items()
        if name != PRODUCTION
        and not pd.isna(fit["spearman"])
        and fit["spearman"] >= baseline + MIN_SPEARMAN_GAIN
    ]
    return max(challengers)[1] if challengers else PRODUCTION


def compare_candidates(
    sample: pd.DataFrame, categorical: list[str], numeric: list[str], penalties: list[float]
) -> pd.DataFrame:
    """One row per candidate: its cross-validated weighted R² and Spearman correlation on the
    survey's held-out folds, the penalty cross-validation chose and the weighted RMSE there
    (ridge's are the production fit's: mart_pmt_coefficients fits at them, so the ridge is
    cross-validated once a build), and whether it is the one kept (`choose`). Never reads
    the truth. Too small a sample to cross-validate (fit_pmt's minimum) leaves the figures
    NULL, the penalty the largest, and ridge chosen."""
    fits = {}
    for candidate in CANDIDATES:
        if len(sample) < MIN_CROSS_VALIDATION_SAMPLE:
            fits[candidate] = {"r_squared": None, "spearman": None, "penalty": max(penalties), "rmse": None}
            continue
        penalty, rmse, predicted = candidate_cross_validation(
            sample, categorical, numeric, penalties, candidate
        )
        fits[candidate] = {
            **weighted_fit(sample[OUTCOME].to_numpy(float), predicted, sample[WEIGHT].to_numpy(float)),
            "penalty": penalty,
            "rmse": rmse,
        }
    chosen = choose(fits)
    return pd.DataFrame(
        [
            {
                "candidate": candidate,
                "sample_size": len(sample),
                "cross_validated_r_squared": fit["r_squared"],
                "cross_validated_spearman": fit["spearman"],
                "ridge_penalty": float(fit["penalty"]),
                "cross_validated_rmse": fit["rmse"],
                "chosen": candidate == chosen,
            }
            for candidate, fit in fits.items()
        ]
    )
