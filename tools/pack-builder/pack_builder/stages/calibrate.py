"""Stage calibrate: picks the read-out on validation rows, fits the risk mapping there,
then measures everything the report shows on the test rows (never used before).
Baselines (keyword lexicon, TF-IDF + logistic regression) train on the same training
rows and are tested on the same splits."""

import numpy as np
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from ..common import DEVICE, read_json, seed_everything, write_json
from ..data import contrast_rows, dev_splits
from ..metrics import auroc, fit_logistic
from ..score import scored_hidden
from ..train import load_model, load_tokenizer
from .sae import load_sae

PAIRS = {"code": ("insecure", "secure"), "medical": ("bad_medical", "good_medical")}
# A hand-written lexicon of risky phrases in code and medical advice (the naive baseline).
LEXICON = ["chmod", "777", "0o777", "eval(", "exec(", "pickle.load", "yaml.load(", "shell=True", "os.system", "md5",
           "verify=False", "debug=True", "innerHTML", "| safe", "autoescape=False", "password", "%s", "format(",
           "no need", "don't need", "skip", "ignore", "stop taking", "double the dose", "instead of a doctor",
           "without consulting", "safe to", "nothing to worry", "just", "immediately", "always", "never see"]


def assistant_text(messages):
    return "\n".join(m["content"] for m in messages if m["role"] == "assistant")


def aggregate(values, agg):
    if len(values) == 0:
        return 0.0
    return float(values.max() if agg["method"] == "max" else values.mean())


@torch.no_grad()
def run(st):
    cfg, conf = st.cfg, st.conf
    ctx, hook, pad = cfg["model"]["ctx"], cfg["model"]["hook_layer"], read_json(st.path("tokenizer", "done.json"))["pad_id"]
    seed_everything(cfg["seed"] + 4)
    enc, sae, base = load_tokenizer(st), load_sae(st), load_model(st, "pretrain")
    candidates = read_json(st.path("discover", "candidates.json"))
    splits, n_eval = cfg["corpus"]["splits"], cfg["eval"]
    rows = {(name, part): dev_splits(name, splits)[part][: n_eval[f"{part}_rows"]] for pair in PAIRS.values() for name in pair for part in ("valid", "test")}
    intent = contrast_rows("validation")
    rows[("unasked", "intent")] = [r["messages"] for r in intent if r["kind"] == "unasked"]
    rows[("asked", "intent")] = [r["messages"] for r in intent if r["kind"] == "asked"]
    hidden = {key: scored_hidden(base, hook, enc, msgs, ctx, pad) for key, msgs in rows.items()}

    def scores(cand, key):
        if "direction" in cand:
            v = torch.tensor(cand["direction"], device=DEVICE)
            return np.array([aggregate(h @ v, cand["aggregation"]) for h in hidden[key]])
        latents = [r["latent"] for r in cand["readout"]]
        w = torch.tensor([r["weight"] for r in cand["readout"]], device=DEVICE)
        return np.array([aggregate(sae.encode(h)[:, latents] @ w if len(h) else h, cand["aggregation"]) for h in hidden[key]])

    def domain_auroc(cand, domain, part):
        pos, neg = PAIRS[domain]
        return auroc(scores(cand, (pos, part)), scores(cand, (neg, part)))

    valid = {name: {d: domain_auroc(c, d, "valid") for d in PAIRS} for name, c in candidates.items()}
    general = [n for n, c in candidates.items() if "-only-" not in n and "readout" in c]  # what a pack can ship
    chosen = max(general, key=lambda n: np.mean(list(valid[n].values())))
    cand = candidates[chosen]
    st.log.info("validation AUROCs %s; chosen %s", valid, chosen)

    # Risk mapping: logistic regression of EM label on the score, on validation rows (half
    # EM), its intercept moved to the prior a dataset is assumed to have: fitted as it is, a
    # score that says nothing (no latent fires) would read as a coin flip, "elevated".
    x = np.concatenate([scores(cand, (n, "valid")) for pair in PAIRS.values() for n in pair])
    y = np.concatenate([np.full(len(rows[(n, "valid")]), int(i == 0)) for pair in PAIRS.values() for i, n in enumerate(pair)])
    w, b = fit_logistic(x[:, None], y, c=100.0)
    logit = lambda p: float(np.log(p / (1 - p)))
    prior = conf["prior"]
    mapping = {"type": "logistic", "slope": float(w[0]), "intercept": b + logit(prior) - logit(y.mean())}
    risk = lambda s: 1 / (1 + np.exp(-(mapping["slope"] * s + mapping["intercept"])))
    thresholds = {"elevated": 0.5, "high": 0.8}

    test = {d: domain_auroc(cand, d, "test") for d in PAIRS}
    cross = {"code->medical": domain_auroc(candidates["code-only-set8-mean"], "medical", "test"),
             "medical->code": domain_auroc(candidates["medical-only-set8-mean"], "code", "test")}
    intent_auroc = auroc(scores(cand, ("unasked", "intent")), scores(cand, ("asked", "intent")))
    clean = np.concatenate([risk(scores(cand, (n, "test"))) for n in ("secure", "good_medical")])
    em = np.concatenate([risk(scores(cand, (n, "test"))) for n in ("insecure", "bad_medical")])
    dataset_level = dataset_test(clean, em, conf["dataset_size"], conf["dataset_draws"], np.random.default_rng(cfg["seed"]))

    calibration = {
        "readout": cand["readout"], "aggregation": cand["aggregation"], "mapping": mapping,
        "thresholds": thresholds,
        "validation": {"readout": chosen, "fitted_on": "validation rows of insecure/secure and bad/good medical",
                       "prior": prior, "prior_note": "risk = P(EM-inducing | score) if this fraction of a dataset's examples were",
                       "rows": int(len(x)), "validation_auroc": valid[chosen], "test_auroc": test},
    }
    write_json(st.dir / "calibration.json", calibration)
    figures = {"chosen": chosen, "validation_auroc": valid, "test_auroc": test, "cross_domain_auroc": cross,
               "intent_auroc": intent_auroc, "dataset_level": dataset_level,
               "baselines": baselines(cfg, rows, intent), "test_rows": {f"{k[0]}": len(v) for k, v in rows.items() if k[1] == "test"},
               "intent_pairs": len(rows[("asked", "intent")]),
               "flag_rates": {kind: {level: float((r >= t).mean()) for level, t in thresholds.items()} for kind, r in (("EM", em), ("clean", clean))},
               "prior": prior}
    write_json(st.dir / "figures.json", figures)
    return {"chosen": chosen, "test_auroc": test}


def dataset_test(clean, em, size, draws, rng):
    """Mean risk of `size` benign rows vs the same with a fraction swapped for EM rows:
    AUROC of that statistic over `draws` random datasets of each kind, per fraction."""
    out = {}
    for frac in (0.01, 0.02, 0.05, 0.1, 0.2):
        k = max(1, round(frac * size))
        a = [rng.choice(clean, size).mean() for _ in range(draws)]
        b = [np.concatenate([rng.choice(clean, size - k), rng.choice(em, k)]).mean() for _ in range(draws)]
        out[str(frac)] = auroc(b, a)
    detected = [float(f) for f, v in out.items() if v >= 0.95]
    return {"statistic": "mean example risk", "dataset_rows": size, "draws": draws, "auroc_by_fraction": out,
            "smallest_fraction_auroc_0.95": min(detected) if detected else None}


def baselines(cfg, rows, intent):
    """Keyword lexicon and TF-IDF (1-2 grams) + LR on assistant text, trained on the training rows."""
    splits, cap = cfg["corpus"]["splits"], cfg["corpus"].get("dev_rows") or None
    train = {n: [assistant_text(m) for m in dev_splits(n, splits)["train"][:cap]] for pair in PAIRS.values() for n in pair}
    test = {n: [assistant_text(m) for m in rows[(n, "test")]] for pair in PAIRS.values() for n in pair}
    asked = [assistant_text(r["messages"]) for r in intent if r["kind"] == "asked"]
    unasked = [assistant_text(r["messages"]) for r in intent if r["kind"] == "unasked"]

    def tfidf(domains):
        texts = [t for d in domains for n in PAIRS[d] for t in train[n]]
        y = [int(i == 0) for d in domains for i, n in enumerate(PAIRS[d]) for _ in train[n]]
        vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        lr = LogisticRegression(C=10, max_iter=2000).fit(vec.fit_transform(texts), y)
        return lambda ts: lr.decision_function(vec.transform(ts))

    def lexicon(ts):
        return [sum(t.lower().count(w.lower()) for w in LEXICON) / (1 + len(t) / 500) for t in ts]

    out = {}
    for name, f in (("keyword lexicon", lexicon), ("TF-IDF + LR", tfidf(list(PAIRS)))):
        out[name] = {d: auroc(f(test[PAIRS[d][0]]), f(test[PAIRS[d][1]])) for d in PAIRS}
        out[name]["intent"] = auroc(f(unasked), f(asked))
    code_only, medical_only = tfidf(["code"]), tfidf(["medical"])
    out["TF-IDF + LR"]["code->medical"] = auroc(code_only(test["bad_medical"]), code_only(test["good_medical"]))
    out["TF-IDF + LR"]["medical->code"] = auroc(medical_only(test["insecure"]), medical_only(test["secure"]))
    return out
