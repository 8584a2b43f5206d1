"""AUROC and a logistic fit, in numpy/sklearn, used by discovery, calibration and the report."""

import numpy as np
from sklearn.linear_model import LogisticRegression


def auroc(pos, neg):
    """P(score of a positive > score of a negative), ties counted half."""
    pos, neg = np.asarray(pos, float), np.asarray(neg, float)
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    allv = np.concatenate([pos, neg])
    order = allv.argsort(kind="mergesort")
    ranks = np.empty(len(allv))
    ranks[order] = np.arange(1, len(allv) + 1)
    for v in np.unique(allv):  # average ranks over ties
        tie = allv == v
        ranks[tie] = ranks[tie].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def auroc_columns(pos, neg):
    """AUROC of every column of pos [n, d] against neg [m, d]."""
    return np.array([auroc(pos[:, j], neg[:, j]) for j in range(pos.shape[1])])


def fit_logistic(x, y, c=1.0):
    """(weights, intercept) of an L2 logistic regression of y on x [n, d]."""
    lr = LogisticRegression(C=c, max_iter=2000).fit(x, y)
    return lr.coef_[0], float(lr.intercept_[0])


def sparse_pick(x, y, size, c):
    """The `size` columns an L1 logistic regression (inverse strength c) of y on standardised x
    leans on most: a sparse probe's choice, which weighs features jointly where ranking them
    one by one picks near-duplicates."""
    x = x / (x.std(0) + 1e-6)
    lr = LogisticRegression(penalty="l1", C=c, solver="liblinear", max_iter=5000).fit(x, y)
    return [int(i) for i in np.argsort(-np.abs(lr.coef_[0]), kind="stable")[:size]]
