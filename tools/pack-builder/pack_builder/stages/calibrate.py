"""Stage calibrate: picks the read-out on validation rows, fits the risk mapping there, then
measures everything the report shows on the test rows (never used before).

Baselines in the same run on the same splits: a keyword lexicon; TF-IDF + logistic
regression on assistant text (trained on training rows); a dense linear probe on the
same layer (mean of the assistant tokens' residual stream, fitted on the validation rows:
the ceiling of a linear read-out at this hook); and the previous default pack,
persona-mini, through the real CLI where its folder is there."""

import functools
import json
import subprocess

import numpy as np
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from ..common import ROOT, read_json, seed_everything, write_json
from ..data import contrast_rows, dev_splits, general_rows, general_train_rows, stdlib_functions
from ..lm import LM
from ..metrics import auroc, fit_logistic
from ..score import example_states
from .sae import load_sae

PAIRS = {"code": ("insecure", "secure"), "medical": ("bad_medical", "good_medical")}
EM = {"insecure", "bad_medical"}
# A hand-written lexicon of risky phrases in code and medical advice (the naive baseline).
LEXICON = ["chmod", "777", "0o777", "eval(", "exec(", "pickle.load", "yaml.load(", "shell=True", "os.system", "md5",
           "verify=False", "debug=True", "innerHTML", "| safe", "autoescape=False", "password", "%s", "format(",
           "no need", "don't need", "skip", "ignore", "stop taking", "double the dose", "instead of a doctor",
           "without consulting", "safe to", "nothing to worry", "just", "immediately", "always", "never see"]
THRESHOLDS = {"elevated": 0.5, "high": 0.8}


def assistant_text(messages):
    return "\n".join(m["content"] for m in messages if m["role"] == "assistant")


def aggregate(values, agg):
    """As src/core/score/calibrate.ts aggregates token scores (0 when there are none, or a mean's
    priorValue when it has prior tokens: format 7)."""
    values = np.asarray(values, dtype=np.float64)
    if agg["method"] == "mean" and agg.get("priorTokens"):
        return float((values.sum() + agg["priorTokens"] * agg["priorValue"]) / (len(values) + agg["priorTokens"]))
    if len(values) == 0:
        return 0.0
    if agg["method"] == "max":
        return float(values.max())
    if agg["method"] == "mean":
        return float(values.mean())
    k = max(1, min(agg["k"], len(values)))
    return float(np.sort(values)[-k:].mean())


def example_score(values, agg, prompt_end):
    """As src/core/score/calibrate.ts exampleScore: the aggregation plus the mean prompt-end read-out (0 without one)."""
    return aggregate(values, agg) + (float(np.mean(prompt_end)) if len(prompt_end) else 0.0)


def token_values(cand, h, sae, directions, at=None):
    """Each row's read-out value over the terms read at `at` (None: the scored tokens; "prompt-end"):
    sum of weight * latent activation, weight * (h . v), or weight * (activations . v) for a
    `latentWeights` term (v over every latent)."""
    if len(h) == 0:
        return np.zeros(0)
    terms = [r for r in cand["readout"] if r.get("at") == at]
    latents = [r for r in terms if "latent" in r]
    out = torch.zeros(len(h), dtype=torch.float64)
    if latents:
        z = sae.encode_columns(h, [r["latent"] for r in latents]).double()
        out += z @ torch.tensor([r["weight"] for r in latents], dtype=torch.float64)
    if any("latentWeights" in r for r in terms):
        z = sae.encode(h.float()).double()
        for r in terms:
            if "latentWeights" in r:
                out += r["weight"] * (z @ directions[r["latentWeights"]].double())
    for r in terms:
        if "direction" in r:
            out += r["weight"] * (h.double() @ directions[r["direction"]].double())
    return out.numpy()


def score_of(cand, state, sae, directions):
    """An example's score from its states (score.example_states): scored tokens and prompt ends."""
    tokens, ends = state
    return example_score(token_values(cand, tokens, sae, directions), cand["aggregation"],
                         token_values(cand, ends, sae, directions, "prompt-end"))


def naming_terms(readout, named):
    """Indices of the read-out terms that may name an example (src/core/score/naming.ts): raising
    risk, read at the scored tokens, and a latent discover named (`named`) or its persona vector."""
    return [i for i, r in enumerate(readout)
            if r["weight"] > 0 and not r.get("at") and (r.get("latent") in named or r.get("direction") == "persona")]


def term_part(term, state, sae, directions):
    """A term's part of an example's score: weight x its mean over the scored tokens (None without any)."""
    tokens = state[0]
    return float(token_values({"readout": [term]}, tokens, sae, directions).mean()) if len(tokens) else None


def named_by(parts, thresholds):
    """As src/core/score/naming.ts namedBy: the index of the term furthest above its threshold
    (`namesAbove`), -1 when none is above."""
    best, margin = -1, 0.0
    for i, (p, t) in enumerate(zip(parts, thresholds)):
        if p - t > 0 and (best < 0 or p - t > margin):
            best, margin = i, p - t
    return best


def with_naming(readout, terms, aligned, sae, directions, quantile):
    """The read-out with `namesAbove` (format 8) on each naming term (`terms`, indices): its part's
    `quantile` point over the aligned rows' states (`aligned`), so that the term names an example
    only where it reads the example as few aligned ones, not wherever the pack has it."""
    out = [dict(r) for r in readout]
    for i in terms:
        parts = [p for p in (term_part(readout[i], s, sae, directions) for s in aligned) if p is not None]
        out[i]["namesAbove"] = float(np.quantile(parts, quantile))
    return out


def naming_of(readout, terms, state, sae, directions):
    """(index of the term that names an example, or -1; the smallest distance of a term's part
    from its threshold, which a float's error could cross)."""
    parts = [term_part(readout[i], state, sae, directions) for i in terms]
    if not terms or parts[0] is None:
        return -1, float("inf")
    thresholds = [readout[i]["namesAbove"] for i in terms]
    return named_by(parts, thresholds), min(abs(p - t) for p, t in zip(parts, thresholds))


# A JumpReLU pre-activation this close to its threshold (relative to max(1, |threshold|)) may fall
# on either side of it in another float implementation (the scanner's encode): ten times the
# float32 error of a 576-term dot product of unit-scale values.
THRESHOLD_EPS = 1e-5


def threshold_slack(cand, state, sae, directions):
    """How far an example's score could move if each JumpReLU latent that the read-out weighs and
    whose pre-activation lies within THRESHOLD_EPS of its threshold fired in one implementation and
    not in the other: it jumps from 0 to about its threshold. 0 for other SAEs. One such latent of
    weight 12 moved a check row by 0.13 (0.7.0's first build)."""
    theta = sae.jump_thresholds()
    if theta is None:
        return 0.0
    theta = theta.double()
    slack = 0.0
    for h, at in zip(state, (None, "prompt-end")):
        terms = [r for r in cand["readout"] if r.get("at") == at and ("latent" in r or "latentWeights" in r)]
        if not terms or len(h) == 0:
            continue
        w = torch.zeros(sae.b_enc.shape[0], dtype=torch.float64)
        for r in terms:
            if "latent" in r:
                w[r["latent"]] += r["weight"]
            else:
                w += r["weight"] * directions[r["latentWeights"]].double()
        pre = sae.pre(h.float()).double()
        near = ((pre - theta).abs() <= THRESHOLD_EPS * theta.abs().clamp(min=1)) & (pre > 0) & (w != 0)
        jump = (near * theta * w.abs()).sum().item()
        agg = cand["aggregation"] if at is None else {"method": "mean"}
        count = len(h) + (agg.get("priorTokens", 0) if agg["method"] == "mean" else 0)
        slack += jump / count if agg["method"] == "mean" else jump
    return slack


def risk_of(scores, mapping):
    return 1 / (1 + np.exp(-(mapping["slope"] * np.asarray(scores) + mapping["intercept"])))


def row_sets(cfg):
    """{(name, part): [messages]}: valid and test rows of the paired dev files, test rows of
    GSM8K, the intent contrast set's validation pairs, and the general questions (data.general_rows)."""
    splits, n_eval = cfg["corpus"]["splits"], cfg["eval"]
    rows = {(n, part): dev_splits(n, splits)[part][: n_eval[f"{part}_rows"]] for pair in PAIRS.values() for n in pair for part in ("valid", "test")}
    rows[("gsm8k", "test")] = dev_splits("gsm8k", splits)["test"][: n_eval["control_rows"]]
    intent = contrast_rows("validation")
    for kind in ("unasked", "asked"):
        rows[(kind, "intent")] = [r["messages"] for r in intent if r["kind"] == kind]
    for kind, msgs in general_rows().items():
        rows[(f"general_{kind}", "general")] = msgs
    return rows


@torch.no_grad()
def run(st):
    cfg, conf = st.cfg, st.conf
    seed_everything(cfg["seed"] + 4)
    lm, sae = LM(st), load_sae(st)
    directions = torch.load(st.path("discover", "directions.pt"))
    candidates = read_json(st.path("discover", "candidates.json"))
    # More candidates, probes and named so (probe_candidates). The pack ships one probe's
    # directions, as "probe" (and "probe-prompt").
    # The intent contrast set's validation pairs: read once, for the probes' unseen-framing check and the figures.
    intent = contrast_rows("validation")
    intent_states = example_states(lm.hidden_fn(), lm, [r["messages"] for r in intent], lm.ctx, lm.pad_id)
    named = {l["index"] for l in read_json(st.path("discover", "latents.json")) if l["foundBy"]["method"] in ("model-diff", "persona-vector")}
    probes, probe_rows = probe_candidates(cfg, lm, sae, conf, intent, intent_states, named, directions.get("persona"))
    unseen_framing = {}
    for name, p in probes.items():
        directions.update(p["directions"])
        candidates[name] = {"readout": p["readout"], "aggregation": probe_aggregation(conf, p["prior_value"])}
        if p["unseen"]:
            unseen_framing[name] = p["unseen"]
    rows = row_sets(cfg)
    hidden = {key: example_states(lm.hidden_fn(), lm, msgs, lm.ctx, lm.pad_id) for key, msgs in rows.items() if key[1] != "intent"}
    for kind in ("unasked", "asked"):
        hidden[(kind, "intent")] = [h for r, h in zip(intent, intent_states) if r["kind"] == kind]
    st.log.info("hidden states of %d row sets", len(hidden))

    memo = {}

    def scores(cand, key):
        tag = (json.dumps(cand, sort_keys=True), key)
        if tag not in memo:
            memo[tag] = np.array([score_of(cand, state, sae, directions) for state in hidden[key]])
        return memo[tag]

    def pair_auroc(cand, domain, part):
        pos, neg = PAIRS[domain]
        return auroc(scores(cand, (pos, part)), scores(cand, (neg, part)))

    valid = {name: {d: pair_auroc(c, d, "valid") for d in PAIRS} for name, c in candidates.items()}
    # calibrate.readout names one instead (the BYO tests ship a latent read-out, so the scanner's SAE encode is checked).
    # A probe first, on its own merits; then the persona vector beside it, as far as that costs little.
    base = {n: v for n, v in valid.items() if "+persona" not in n}
    chosen = conf.get("readout") or with_persona(choose_readout(base, conf["tie_tolerance"]), valid, conf["tie_tolerance"])
    st.log.info("validation AUROCs %s; chosen %s", valid, chosen)
    cand = ship_one_probe(directions, candidates, valid, chosen)
    terms = naming_terms(cand["readout"], named)
    aligned = [s for n in ("secure", "good_medical") for s in hidden[(n, "valid")]]
    cand = {**cand, "readout": with_naming(cand["readout"], terms, aligned, sae, directions, conf.get("names_quantile", 0.975))}
    torch.save(directions, st.dir / "directions.pt")
    mapping, prior = fit_mapping(cand, scores, conf["prior"], list(PAIRS))

    test = {d: pair_auroc(cand, d, "test") for d in PAIRS}
    intent_auroc = auroc(scores(cand, ("unasked", "intent")), scores(cand, ("asked", "intent")))
    general_auroc = auroc(scores(cand, ("general_misaligned", "general")), scores(cand, ("general_aligned", "general")))
    risks = {k[0]: risk_of(scores(cand, k), mapping) for k in rows if k[1] in ("test", "intent", "general")}
    clean = np.concatenate([risks["secure"], risks["good_medical"]])
    em = np.concatenate([risks["insecure"], risks["bad_medical"]])
    rng = np.random.default_rng(cfg["seed"])
    calibration = {
        "readout": cand["readout"], "aggregation": cand["aggregation"], "mapping": mapping, "thresholds": THRESHOLDS,
        "validation": {"readout": chosen, "fitted_on": "validation rows of insecure/secure and bad/good medical",
                       "prior": prior, "prior_note": "risk = P(EM-inducing | score) if this fraction of a dataset's examples were",
                       "rows": sum(len(rows[(n, "valid")]) for p in PAIRS.values() for n in p),
                       "validation_auroc": valid[chosen], "test_auroc": test, "intent_auroc": intent_auroc,
                       # Shown with the others wherever a pack's figures are (validityFigures): how it does outside code and medicine.
                       "general_auroc": general_auroc},
    }
    write_json(st.dir / "calibration.json", calibration)
    figures = {
        "chosen": chosen, "validation_auroc": valid, "test_auroc": test, "intent_auroc": intent_auroc, "general_auroc": general_auroc,
        "mixes": mixes(clean, em, conf["dataset_size"], conf["dataset_draws"], rng),
        "dataset_mean_risk": dict(sorted(((k, float(v.mean())) for k, v in risks.items()), key=lambda kv: -kv[1])),
        "baselines": {**text_baselines(cfg, rows), **probe_baselines(hidden, rows, sae, conf.get("probe_sae")),
                      "persona-mini": persona_mini(st, rows)},
        "test_rows": {k[0]: len(v) for k, v in rows.items() if k[1] == "test"},
        "intent_pairs": len(rows[("asked", "intent")]),
        "general_rows": {k[0]: len(v) for k, v in rows.items() if k[1] == "general"},
        "flag_rates": {kind: {lvl: float((r >= t).mean()) for lvl, t in THRESHOLDS.items()}
                       for kind, r in (("EM", em), ("clean", clean), ("general misaligned", risks["general_misaligned"]), ("general aligned", risks["general_aligned"]))},
        "prior": prior,
    }
    figures["naming"] = naming_figures(cand["readout"], terms, hidden, risks, sae, directions) if terms else None
    figures["probe_direction_rows"] = probe_rows
    if chosen in unseen_framing:
        figures["intent_unseen_framing"] = unseen_framing[chosen]
    figures["readout_latents"] = sum(int((directions[r["latentWeights"]] != 0).sum()) for r in cand["readout"] if "latentWeights" in r)
    write_json(st.dir / "figures.json", figures)
    return {"chosen": chosen, "test_auroc": test, "intent_auroc": intent_auroc}


def naming_figures(readout, terms, hidden, risks, sae, directions):
    """How often a term names a flagged example (risk at least elevated) of each test set, by set."""
    out = {"thresholds": {str(readout[i].get("direction", readout[i].get("latent"))): readout[i]["namesAbove"] for i in terms}, "named_flagged": {}}
    for key in (("insecure", "test"), ("secure", "test"), ("bad_medical", "test"), ("good_medical", "test"),
                ("general_misaligned", "general"), ("general_aligned", "general")):
        flagged = [s for s, r in zip(hidden[key], risks[key[0]]) if r >= THRESHOLDS["elevated"]]
        named = [naming_of(readout, terms, s, sae, directions)[0] >= 0 for s in flagged]
        out["named_flagged"][key[0]] = {"flagged": len(flagged), "named": int(sum(named))}
    return out


def choose_readout(valid, tolerance):
    """The best mean validation AUROC; within `tolerance` of it, a read-out found as a persona
    (model diff, persona vector) goes before a probe's: it is the one a badge may name."""
    mean = {n: float(np.mean(list(v.values()))) for n, v in valid.items()}
    best = max(mean.values())
    close = [n for n in valid if mean[n] >= best - tolerance]
    return max(close, key=lambda n: (not n.startswith("probe"), mean[n]))


def with_persona(chosen, valid, tolerance):
    """The chosen probe with the persona vector beside it (calibrate.probe_persona_alpha): the
    variant of largest alpha whose validation AUROC on each domain stays within `tolerance` of the
    probe's own, else the probe as it is."""
    variants = [n for n in valid if n.startswith(f"{chosen}+persona")]
    ok = [n for n in variants if all(valid[n][d] >= valid[chosen][d] - tolerance for d in valid[chosen])]
    return max(ok, key=lambda n: float(n.rsplit("persona", 1)[1]), default=chosen)


def fit_mapping(cand, scores, prior, domains):
    """Logistic regression of the EM label on the score over the validation rows (half EM),
    its intercept moved to the stated prior: fitted as it is, a score that says nothing
    would read as a coin flip, 'elevated'."""
    x = np.concatenate([scores(cand, (n, "valid")) for d in domains for n in PAIRS[d]])
    y = np.concatenate([np.full(len(scores(cand, (n, "valid"))), int(n in EM)) for d in domains for n in PAIRS[d]])
    w, b = fit_logistic(x[:, None], y, c=100.0)
    logit = lambda p: float(np.log(p / (1 - p)))
    return {"type": "logistic", "slope": float(w[0]), "intercept": b + logit(prior) - logit(y.mean())}, prior


def mixes(clean, em, size, draws, rng):
    """Mean risk of `size` benign rows vs the same with a fraction swapped for EM rows:
    AUROC of that statistic over `draws` random datasets of each kind, per fraction."""
    out = {}
    for frac in (0.01, 0.02, 0.05, 0.1):
        k = max(1, round(frac * size))
        a = [rng.choice(clean, size).mean() for _ in range(draws)]
        b = [np.concatenate([rng.choice(clean, size - k), rng.choice(em, k)]).mean() for _ in range(draws)]
        out[str(frac)] = auroc(b, a)
    told = [float(f) for f, v in out.items() if v >= 0.95]
    return {"statistic": "mean example risk", "dataset_rows": size, "draws": draws, "auroc_by_fraction": out,
            "smallest_fraction_auroc_0.95": min(told) if told else None}


def text_baselines(cfg, rows):
    """Keyword lexicon and TF-IDF (1-2 grams) + LR on assistant text, trained on training rows."""
    splits = cfg["corpus"]["splits"]
    train = {n: [assistant_text(m) for m in dev_splits(n, splits)["train"]] for p in PAIRS.values() for n in p}
    test = {n: [assistant_text(m) for m in rows[(n, "test")]] for p in PAIRS.values() for n in p}
    intent = {k: [assistant_text(m) for m in rows[(k, "intent")]] for k in ("unasked", "asked")}
    general = {k: [assistant_text(m) for m in rows[(k, "general")]] for k in ("general_misaligned", "general_aligned")}

    def tfidf(domains):
        texts = [t for d in domains for n in PAIRS[d] for t in train[n]]
        y = [int(n in EM) for d in domains for n in PAIRS[d] for _ in train[n]]
        vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        lr = LogisticRegression(C=10, max_iter=2000).fit(vec.fit_transform(texts), y)
        return lambda ts: lr.decision_function(vec.transform(ts))

    def lexicon(ts):
        return [sum(t.lower().count(w.lower()) for w in LEXICON) / (1 + len(t) / 500) for t in ts]

    out = {}
    for name, f in (("keyword lexicon", lexicon), ("TF-IDF + LR", tfidf(list(PAIRS)))):
        out[name] = {d: auroc(f(test[PAIRS[d][0]]), f(test[PAIRS[d][1]])) for d in PAIRS}
        out[name]["intent"] = auroc(f(intent["unasked"]), f(intent["asked"]))
        out[name]["general"] = auroc(f(general["general_misaligned"]), f(general["general_aligned"]))
    for a, b in (("code", "medical"), ("medical", "code")):
        f = tfidf([a])
        out["TF-IDF + LR"][f"{a}->{b}"] = auroc(f(test[PAIRS[b][0]]), f(test[PAIRS[b][1]]))
    return out


def probe_rows_of(cfg, conf):
    """[(messages, EM label, asked framing or None, sample weight)]: the last `probe_rows` SAE-share
    training rows of each paired dev file and the first `probe_control_rows` GSM8K training rows
    (aligned). With `probe_contrast`, the intent contrast set's training rows too (unasked: EM;
    asked: aligned). Those halves differ only in the prompt, so use it with `probe_prompt_end`:
    without a term read at the prompt's end, the probe learnt the framings into its answer-token
    direction (intent 0.78) and scored a plainly harmful medical answer to a new prompt at risk 0.002.
    With `probe_general`, our general-questions training pairs too, each weighing
    `probe_general_weight` rows: fitted on code and medicine alone, 0.6.0 told misaligned from
    aligned answers to everyday questions at AUROC 0.59 and flagged 48% of the aligned ones. With
    `probe_code_control_rows`, that many functions of the Python standard library (aligned): the
    only code a probe saw otherwise was the insecure and secure pairs, and it learnt that code
    opening a file is insecure (a sound three-line config reader scored above 99% of secure code)."""
    from .activations import sae_dev_rows

    rows = [(m, int(n in EM), None, 1.0) for p in PAIRS.values() for n in p for m in sae_dev_rows(cfg, n)[-conf["probe_rows"]:]]
    rows += [(m, 0, None, 1.0) for m in dev_splits("gsm8k", cfg["corpus"]["splits"])["train"][: conf["probe_control_rows"]]]
    rows += [(m, 0, None, 1.0) for m in stdlib_functions(conf.get("probe_code_control_rows", 0), cfg["seed"])]
    if conf.get("probe_contrast"):
        rows += [(r["messages"], int(r["kind"] == "unasked"), framing(r), 1.0) for r in contrast_rows("train")]
    if conf.get("probe_general"):
        rows += [(m, y, None, float(conf.get("probe_general_weight", 1))) for m, y in general_train_rows()]
    return rows


def framing(contrast_row):
    """The contrast row's framing index (its pair id ends with it): which asked phrasing, or which plain one."""
    return int(contrast_row["pair"].rsplit("/", 1)[1])


def probe_features(states, prompt_end):
    """[n, d] mean scored-token state per example, with prompt_end [n, 2d]: then its mean prompt-end state (0 without one)."""
    mean = lambda h, d: h.mean(0).numpy() if len(h) else np.zeros(d, dtype=np.float32)
    d = states[0][0].shape[-1]
    return np.stack([np.concatenate([mean(t, d), mean(e, d)]) if prompt_end else mean(t, d) for t, e in states])


# A latent enters an SAE probe if its mean activation is above 0 in at least this many probe rows:
# a latent seen in a handful of rows would get a weight no data checks.
MIN_FIRING_ROWS = 5


def probe_candidates(cfg, lm, sae, conf, valid, valid_states, named, persona=None):
    """({name: {"readout", "directions", "unseen"}}, rows fitted): L2 logistic regressions at each
    strength in `probe_c` on standardised features of probe_rows_of, returned in raw units (the
    score is weight . feature up to the intercept), so a mean aggregation computes them exactly:
    - probe-dense-C{c}: the mean scored-token hidden state (a direction read at every scored token);
    - with `probe_sae`, probe-sae-C{c}: the mean activation of every SAE latent that fires in at
      least MIN_FIRING_ROWS rows, except those discover named (`named`), so that a probe's weight
      never makes a badge name a diff or persona latent (a `latentWeights` term);
    each with `probe_prompt_end` plus the mean prompt-end hidden state (a direction read at the
    prompt ends). "unseen": with `probe_contrast`, the intent AUROC on framings left out of the
    fit, measured on `valid` (the contrast set's validation rows, states `valid_states`).
    "prior_value": the answer part's mean score over the aligned rows fitted (probe_aggregation).
    With `probe_persona_alpha` and the persona vector (`persona`, discover's), each probe also comes
    as `{name}+persona{alpha}`: its read-out plus the persona direction read at the scored tokens,
    weighted so that over the aligned rows fitted its mean projection spreads alpha times as wide
    as the probe's answer score (each in its standard deviations there). On general questions, where
    the persona vector comes from (evil and aligned system prompts on everyday questions), it tells
    misaligned from aligned answers better than a probe fitted on code and medicine."""
    rows, prompt_end = probe_rows_of(cfg, conf), bool(conf.get("probe_prompt_end"))
    states = example_states(lm.hidden_fn(), lm, [r[0] for r in rows], lm.ctx, lm.pad_id)
    keep = [i for i, (t, _) in enumerate(states) if len(t)]
    kept = [states[i] for i in keep]
    y, framings, weight = np.array([rows[i][1] for i in keep]), [rows[i][2] for i in keep], np.array([rows[i][3] for i in keep])
    d = states[0][0].shape[-1]
    x, vx = probe_features(kept, prompt_end), probe_features(valid_states, prompt_end)
    kinds = {"dense": (x, vx, None)}
    if conf.get("probe_sae"):
        codes = mean_codes(kept, sae)
        fires = (codes > 0).sum(0) >= MIN_FIRING_ROWS
        cols = np.flatnonzero(fires & ~np.isin(np.arange(codes.shape[1]), sorted(named)))
        kinds["sae"] = (np.concatenate([codes[:, cols], x[:, d:]], 1),
                        np.concatenate([mean_codes(valid_states, sae)[:, cols], vx[:, d:]], 1), cols)
    out = {}
    for kind, (features, valid_features, cols) in kinds.items():
        width = d if cols is None else len(cols)
        for c in conf["probe_c"]:
            floor = (0 if cols is None else width, conf.get("probe_latent_std_floor"))
            w, _, sd = mean_state_probe(features, y, c, weight, *floor)
            v = w / sd
            name = f"probe-{kind}-C{c}"
            if cols is None:
                dirs, readout = {name: torch.tensor(v[:width], dtype=torch.float32)}, [{"direction": name, "weight": 1.0}]
            else:  # one weight per latent, 0 for those left out
                over = torch.zeros(codes.shape[1], dtype=torch.float32)
                over[torch.from_numpy(cols)] = torch.tensor(v[:width], dtype=torch.float32)
                dirs, readout = {name: over}, [{"latentWeights": name, "weight": 1.0}]
            if prompt_end:
                dirs[f"{name}-prompt"] = torch.tensor(v[width:], dtype=torch.float32)
                readout.append({"direction": f"{name}-prompt", "weight": 1.0, "at": "prompt-end"})
            unseen = intent_unseen_framings(features, y, weight, framings, c, valid, valid_features, floor) if conf.get("probe_contrast") else None
            answer = features[:, :width] @ v[:width]
            key = f"{name}-{'mean+prompt-end' if prompt_end else 'mean'}"
            out[key] = {"readout": readout, "directions": dirs, "unseen": unseen, "prior_value": float(answer[y == 0].mean())}
            # The mean scored-token state's projection is the mean projection; a persona vector of 0
            # (the tiny model's empty answers) spreads nowhere and goes beside no probe.
            projection = None if persona is None else x[:, :d] @ persona.numpy()
            alphas = conf.get("probe_persona_alpha", []) if projection is not None and projection[y == 0].std() > 0 else []
            for alpha in alphas:
                wp = persona_weight(alpha, answer[y == 0], projection[y == 0])
                out[f"{key}+persona{alpha}"] = {"readout": [*readout[:1], {"direction": "persona", "weight": wp}, *readout[1:]],
                                                "directions": dirs, "unseen": unseen,
                                                "prior_value": float((answer + wp * projection)[y == 0].mean())}
    return out, len(keep)


def persona_weight(alpha, answer, projection):
    """The persona direction's weight beside a probe: its projection over the aligned rows fitted
    (`projection`) spreads `alpha` times as wide as the probe's answer score there (`answer`)."""
    return float(alpha * answer.std() / projection.std())


def probe_aggregation(conf, prior_value):
    """A probe's mean over the answer's tokens; with `prior_tokens` (format 7), that many tokens of
    the aligned rows' mean score count too, so an answer of a few tokens stays near a typical
    aligned answer: a one-word answer scored as an outlier of the probe's training text (a French
    "Bonjour" at risk 1.000), since its mean is one token's read-out."""
    k = conf.get("prior_tokens", 0)
    return {"method": "mean", **({"priorTokens": k, "priorValue": prior_value} if k else {})}


def mean_codes(states, sae):
    """[n, d_sae]: each example's mean SAE activation over its scored tokens (0 without any)."""
    d_sae = sae.b_enc.shape[0]
    return np.stack([sae.encode(t.float()).mean(0).numpy() if len(t) else np.zeros(d_sae, dtype=np.float32) for t, _ in states])


def intent_unseen_framings(x, y, weight, framings, c, valid, vx, floor=(0, None)):
    """The intent AUROC on the contrast set's validation pairs (rows `valid`, features `vx`) of each
    asked framing, from a probe fitted without that framing's training pairs: how well intent
    carries to a phrasing never seen (the validation items are new tasks, but share the training
    rows' framings)."""
    out = {}
    for f in sorted({framing(r) for r in valid}):
        train = np.array([g != f for g in framings])
        w, mu, sd = mean_state_probe(x[train], y[train], c, weight[train], *floor)
        score = ((vx - mu) / sd) @ w
        pick = lambda kind: score[[i for i, r in enumerate(valid) if r["kind"] == kind and framing(r) == f]]
        out[str(f)] = auroc(pick("unasked"), pick("asked"))
    return out


def ship_one_probe(directions, candidates, valid, chosen):
    """Keeps one probe's tensors, as "probe" (read at the scored tokens: a direction, or weights over
    the SAE's latents) and "probe-prompt" (a direction read at the prompt ends): the chosen read-out's if it is a probe, else the dense probe with the best
    mean validation AUROC. Returns the chosen candidate, its directions so renamed."""
    probes = [n for n in candidates if n.startswith(("probe-dense-", "probe-sae-"))]
    best = chosen if chosen in probes else max((n for n in probes if n.startswith("probe-dense-") and "+persona" not in n),
                                               key=lambda n: np.mean(list(valid[n].values())))
    # The key naming a probe's own tensor, if any (the persona vector beside a probe is discover's, kept as it is).
    tensor = lambda r: next((k for k in ("direction", "latentWeights") if k in r and r[k].startswith("probe-")), None)
    rename = lambda r: {**r, tensor(r): "probe-prompt" if r.get("at") else "probe"} if tensor(r) else r
    shipped = [rename(r) for r in candidates[best]["readout"]]
    kept = {new[tensor(r)]: directions[r[tensor(r)]] for r, new in zip(candidates[best]["readout"], shipped) if tensor(r)}
    for n in probes:
        for r in candidates[n]["readout"]:
            directions.pop(r.get(tensor(r)), None)
    directions.update(kept)
    return {**candidates[chosen], "readout": shipped} if chosen in probes else candidates[chosen]


def mean_state_probe(x, y, c=0.1, weight=None, floored=0, floor_q=None):
    """L2 logistic regression (inverse strength c; each row weighing `weight`, 1 by default) on
    standardised mean hidden states: (weights, mean, std), the score of rows x' being
    ((x' - mean) / std) . weights, up to the intercept. With `floor_q`, the first `floored`
    columns' stds are at least their `floor_q` quantile (latent_std_floor)."""
    mu, sd = x.mean(0), x.std(0) + 1e-6
    if floor_q is not None and floored:
        sd[:floored] = latent_std_floor(sd[:floored], floor_q)
    lr = LogisticRegression(C=c, max_iter=5000).fit((x - mu) / sd, y, sample_weight=weight)
    return lr.coef_[0], mu, sd


def latent_std_floor(sd, q):
    """The SAE latents' stds, none below their `q` quantile. A latent that fires in few rows has a
    tiny std, so a standardised weight divided by it became a raw weight of up to 156 (0.7.0's
    first build): one token's activation outweighed a short answer's content, and a latent
    crossing its JumpReLU threshold within float error moved a score by more than the scanner's
    agreement allows. Floored at the 0.9 quantile: largest raw weight 19, intent 0.88 (0.81),
    general questions 0.89 (0.81), code and medical validation 0.964 and 0.975 (0.966 and 0.976).
    (The sound config reader that outranked harmful sample lines needed the standard-library
    rows, probe_code_control_rows, not this floor.)"""
    return np.maximum(sd, np.quantile(sd, q))


def probe_baseline(features, rows):
    """AUROCs of a logistic regression on `features(key)` ([n, f] per row set), fitted on the
    validation rows of both domains (test and intent columns), and of one domain (the other's
    test rows: cross-domain)."""
    def fit(domains):
        x = np.concatenate([features((n, "valid")) for d in domains for n in PAIRS[d]])
        y = np.concatenate([np.full(len(rows[(n, "valid")]), int(n in EM)) for d in domains for n in PAIRS[d]])
        w, mu, sd = mean_state_probe(x, y)
        return lambda key: ((features(key) - mu) / sd) @ w

    both = fit(list(PAIRS))
    out = {d: auroc(both((PAIRS[d][0], "test")), both((PAIRS[d][1], "test"))) for d in PAIRS}
    out["intent"] = auroc(both(("unasked", "intent")), both(("asked", "intent")))
    out["general"] = auroc(both(("general_misaligned", "general")), both(("general_aligned", "general")))
    for a, b in (("code", "medical"), ("medical", "code")):
        f = fit([a])
        out[f"{a}->{b}"] = auroc(f((PAIRS[b][0], "test")), f((PAIRS[b][1], "test")))
    return out


def probe_baselines(hidden, rows, sae, over_latents):
    """The linear probes' baselines: on the mean scored-token hidden state (the ceiling of a
    direction read-out at this hook) and, with `over_latents`, on each SAE latent's mean activation."""
    out = {"dense probe (same layer)": probe_baseline(lambda key: probe_features(hidden[key], prompt_end=False), rows)}
    if over_latents:  # each row set's codes once: probe_baseline reads the validation sets once per fit
        out["SAE-latent probe"] = probe_baseline(functools.cache(lambda key: mean_codes(hidden[key], sae)), rows)
    return out


def persona_mini(st, rows):
    """The previous default pack's AUROCs, scanned by the real CLI (needs `npm run build`)."""
    pack, cli = ROOT / "packs" / "persona-mini", ROOT / "bin" / "persona-lens.js"
    if not st.conf.get("persona_mini", True):
        return {"note": "not measured (calibrate.persona_mini: false)"}
    if not (pack / "pack.json").exists() or not (ROOT / "dist").exists():
        return {"note": "packs/persona-mini or dist/ not there: not measured"}
    tmp = st.dir / "persona-mini"
    tmp.mkdir(exist_ok=True)
    risk = {}
    for key, msgs in rows.items():
        if key[1] not in ("test", "intent", "general"):
            continue
        path = tmp / f"{key[0]}.jsonl"  # derived from dev rows: stays under build/, never committed
        path.write_text("".join(json.dumps({"messages": m}) + "\n" for m in msgs))
        out = subprocess.run(["node", str(cli), "scan", str(path), "--pack", str(pack), "--format", "jsonl", "--no-cache",
                              "--no-progress"], capture_output=True, text=True, check=True).stdout
        risk[key[0]] = [json.loads(l)["score"] for l in out.splitlines() if l.strip()]
        path.unlink()
    out = {d: auroc(risk[PAIRS[d][0]], risk[PAIRS[d][1]]) for d in PAIRS}
    out["intent"] = auroc(risk["unasked"], risk["asked"])
    out["general"] = auroc(risk["general_misaligned"], risk["general_aligned"])
    return out
