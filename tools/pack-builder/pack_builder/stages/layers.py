"""Stage layers: which residual stream to read. Dense linear probes (logistic regression on
the mean of the assistant tokens' hidden states) at each candidate layer, on validation
rows: 5-fold AUROC within code and within medical, and across (fit on one, test on the
other; reported, not used to choose: on 2026-12-05 it was at chance on every layer).
Cost grows with depth (the pack runs every block up to the hook), so the earliest layer
whose mean within-domain AUROC is within `tolerance` of the best is chosen."""

import time

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from ..common import seed_everything
from ..data import dev_splits
from ..lm import LM, HookModel
from ..metrics import auroc
from ..score import scored_hidden

PAIRS = {"code": ("insecure", "secure"), "medical": ("bad_medical", "good_medical")}


def probe():
    return LogisticRegression(C=1.0, max_iter=3000)


def run(st):
    cfg, conf = st.cfg, st.conf
    seed_everything(cfg["seed"] + 1)
    fixed = cfg["model"].get("hook_layer")
    if fixed:  # --layer (or the config) names it: no sweep
        return {"hook_layer": fixed, "fixed_by_config": True, "sweep": [], "rows_per_file": 0, "seconds_forward": 0.0}
    lm = LM(st)
    cands = [l for l in conf["candidates"] or spread(lm.meta["layers"]) if l <= lm.meta["layers"]]
    top = HookModel(lm.model, max(cands)).eval()
    taps = {}

    def all_layers(ids, mask):
        handles = [top.layers[l - 1].register_forward_hook(lambda m, i, o, l=l: taps.__setitem__(l, o[0] if isinstance(o, tuple) else o)) for l in cands]
        try:
            top(ids, mask)
        finally:
            for h in handles:
                h.remove()
        return torch.stack([taps[l] for l in cands], dim=2)  # [batch, seq, layers, d]

    feats, labels = {}, {}
    t0 = time.time()
    with torch.no_grad():
        for domain, (pos, neg) in PAIRS.items():
            rows = {n: dev_splits(n, cfg["corpus"]["splits"])["valid"][: conf["rows"]] for n in (pos, neg)}
            msgs = rows[pos] + rows[neg]
            hidden = scored_hidden(all_layers, lm, msgs, lm.ctx, lm.pad_id)
            feats[domain] = np.stack([h.mean(0).numpy() if len(h) else np.zeros((len(cands), lm.meta["d_model"])) for h in hidden])
            labels[domain] = np.array([1] * len(rows[pos]) + [0] * len(rows[neg]))
    seconds = time.time() - t0
    result = []
    for j, layer in enumerate(cands):
        x = {d: feats[d][:, j] for d in PAIRS}
        within = {d: auroc(*split(cross_val_predict(probe(), x[d], labels[d], cv=5, method="decision_function"), labels[d])) for d in PAIRS}
        across = {}
        for a, b in (("code", "medical"), ("medical", "code")):
            s = probe().fit(x[a], labels[a]).decision_function(x[b])
            across[f"{a}->{b}"] = auroc(*split(s, labels[b]))
        result.append({"layer": layer, "within": within, "across": across, "within_mean": float(np.mean(list(within.values()))),
                       "relative_cost": round(layer / lm.meta["layers"], 3)})
        st.log.info("layer %d: %s", layer, result[-1])
    return {"hook_layer": choose_layer(result, conf["tolerance"]), "fixed_by_config": False, "sweep": result, "rows_per_file": conf["rows"],
            "seconds_forward": round(seconds, 1)}


def spread(layers):
    """Candidate hooks for a model of your own: a quarter to three quarters of its depth."""
    return sorted({max(1, round(layers * f)) for f in (0.25, 0.375, 0.5, 0.625, 0.75)})


def choose_layer(sweep, tolerance):
    """The earliest layer whose mean within-domain AUROC is within `tolerance` of the best."""
    best = max(r["within_mean"] for r in sweep)
    return min(r["layer"] for r in sweep if r["within_mean"] >= best - tolerance)


def split(scores, y):
    return scores[y == 1], scores[y == 0]
