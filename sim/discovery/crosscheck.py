"""Cross-checks of a PRIM box by two other learners (scikit-learn): a classification tree (CART)
and a logistic regression, each fitted on the cases the box was found on.

Each learner ranks the held-out cases by its predicted odds of failure and flags as many of them
as the box holds; the agreement with the box is the overlap of the flagged cases (Jaccard index:
cases flagged by both / by either) and the share of cases on which the two agree. A design
point's replicates enter as two weighted rows (failures and successes), so the fits see the
point's failure share, not its replicates as separate observations.
"""

from __future__ import annotations

import numpy as np

CART_DEPTH = 3
TOP = 3


def _rows(x: np.ndarray, fails: np.ndarray, trials: np.ndarray):
    """(X, y, weight): every case as a failure row weighted by its failures and a success row
    weighted by its successes (rows of zero weight dropped)."""
    X = np.concatenate([x, x])
    y = np.concatenate([np.ones(len(x)), np.zeros(len(x))])
    w = np.concatenate([fails, trials - fails])
    keep = w > 0
    return X[keep], y[keep], w[keep]


def _flag_top(score: np.ndarray, n_flag: int) -> np.ndarray:
    """The ``n_flag`` cases of highest score (stable order breaks ties)."""
    flag = np.zeros(score.size, bool)
    if n_flag > 0:
        flag[np.argsort(-score, kind="stable")[:n_flag]] = True
    return flag


def _agreement(flag: np.ndarray, box: np.ndarray, fails: np.ndarray, trials: np.ndarray) -> dict:
    union = np.count_nonzero(flag | box)
    t = trials[flag].sum()
    return {"jaccard": float(np.count_nonzero(flag & box) / union) if union else float("nan"),
            "agreement": float(np.mean(flag == box)),
            "density_flagged": float(fails[flag].sum() / t) if t else float("nan")}


def cross_check(train, test, key: str, inside_test: np.ndarray, seed: int = 0) -> dict:
    """CART and logistic fits on ``train`` (Cases) for outcome ``key``, compared with the box's
    cases ``inside_test`` among ``test``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    X, y, w = _rows(train.x, train.fails[key], train.trials)
    if np.unique(y).size < 2:
        return {"note": "every training case has the same outcome; nothing to cross-check"}
    n_flag = int(np.count_nonzero(inside_test))
    f_test, t_test = test.fails[key], test.trials
    tree = DecisionTreeClassifier(max_depth=CART_DEPTH, min_weight_fraction_leaf=0.05, random_state=seed)
    tree.fit(X, y, sample_weight=w)
    cart = _agreement(_flag_top(tree.predict_proba(test.x)[:, 1], n_flag), inside_test, f_test, t_test)
    order = np.argsort(-tree.feature_importances_)
    cart["top_inputs"] = [train.names[j] for j in order[:TOP] if tree.feature_importances_[j] > 0]
    logit = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    logit.fit(X, y, logisticregression__sample_weight=w)
    log = _agreement(_flag_top(logit.predict_proba(test.x)[:, 1], n_flag), inside_test, f_test, t_test)
    coef = logit[-1].coef_[0]
    order = np.argsort(-np.abs(coef))
    log["top_inputs"] = [{"input": train.names[j], "coefficient": float(coef[j])} for j in order[:TOP]]
    return {"cart": cart, "logistic": log, "flagged": n_flag}
