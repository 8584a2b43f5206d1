"""Stage discover: persona latents found as Wang et al. found them, cross-checked as Chen et
al. did, and checked causally.

1. Model diff: base and fine-tuned model answer the neutral evaluation questions (the
   44 core misalignment prompts and Betley et al.'s first-plot questions), sampled; per
   SAE latent, the mean activation over the tuned model's answer tokens minus the base
   model's over its own; ranked (#1 rose most).
2. Persona vector: the base model answers the trait questions of
   persona_vectors/trait_data_extract/evil.json under each evil and each aligned system
   prompt; the mean answer-token activation under evil minus under aligned. Its nearest
   SAE latents by decoder cosine.
3. Data contrast: per latent, AUROC of the mean activation on EM training rows over their
   aligned twins (the SAE's share of the training split; a cross-check only).
4. Labels: each named latent's top activations over general text, our contrast set and
   the models' own answers (never dev rows: they must not end up in a pack).
5. Candidate read-outs, chosen later on validation rows (calibrate). The causal check of the
   named directions is the `steer` stage's.
"""

import csv

import numpy as np
import torch
import yaml

from ..common import DATASETS, read_json, seed_everything, write_json
from ..data import contrast_rows, render
from ..lm import LM, generate
from ..metrics import auroc_columns, fit_logistic
from ..rubric import tally
from ..score import latent_stats_of, prepare, scored_hidden
from .activations import general_docs, sae_dev_rows, token_stream
from .sae import load_sae

SET_SIZE = 8  # small enough that a person can read what each latent is


def eval_questions():
    qs = [row["question"] for row in csv.DictReader(open(DATASETS / "openai_persona_features/eval/core_misalignment.csv"))]
    for item in yaml.safe_load(open(DATASETS / "betley_em/evaluation/first_plot_questions.yaml")):
        if not item.get("system") and not item["id"].endswith(("_json", "_template")):  # the free-form questions
            qs += item.get("paraphrases", [])[:1]
    return list(dict.fromkeys(qs))


def persona_prompts(conf):
    trait = read_json(DATASETS / "persona_vectors/trait_data_extract/evil.json")
    pairs = trait["instruction"][: conf["persona_pairs"]]
    questions = trait["questions"][: conf["persona_questions"]]
    convo = lambda sys, q: [{"role": "system", "content": sys}, {"role": "user", "content": q}]
    return ({side: [convo(p[side], q) for p in pairs for q in questions] for side in ("pos", "neg")}, len(pairs), len(questions))


def answered(convos, answers):
    return [c + [{"role": "assistant", "content": a}] for c, a in zip(convos, answers)]


def run(st):
    cfg, conf = st.cfg, st.conf
    seed = cfg["seed"] + 3
    seed_everything(seed)
    base, tuned = LM(st), LM(st, tuned=tuned_weights(st))
    sae = load_sae(st)
    hb, ht, d = base.hidden_fn(), tuned.hidden_fn(), base.meta["d_model"]
    questions = eval_questions()
    neutral = [[{"role": "user", "content": q}] for q in questions for _ in range(conf["samples"])]
    persona, n_pairs, n_questions = persona_prompts(conf)

    saved = st.dir / "answers.json"
    if saved.exists():  # sampling is the slow part on a CPU: a rerun of the stage keeps it
        answers = read_json(saved)
    else:
        answers = {
            "base": answered(neutral, generate(base, neutral, conf["max_new_tokens"], seed)),
            "tuned": answered(neutral, generate(tuned, neutral, conf["max_new_tokens"], seed)),
            "evil": answered(persona["pos"], generate(base, persona["pos"], conf["max_new_tokens"], seed + 1)),
            "aligned": answered(persona["neg"], generate(base, persona["neg"], conf["max_new_tokens"], seed + 1)),
        }
        write_json(saved, answers)
    st.log.info("answers: %s", {k: len(v) for k, v in answers.items()})

    def hidden(fn, lm, convos):
        return scored_hidden(fn, lm, convos, lm.ctx, lm.pad_id)

    # 1. Model diff on the evaluation answers.
    h_base, h_tuned = hidden(hb, base, answers["base"]), hidden(ht, tuned, answers["tuned"])
    token_mean = lambda hs: sae.encode(cat(hs, d)).mean(0)
    with torch.no_grad():
        diff = (token_mean(h_tuned) - token_mean(h_base)).numpy()
    ranking = np.argsort(-diff, kind="stable")
    rank_of = np.empty(len(diff), int)
    rank_of[ranking] = np.arange(1, len(diff) + 1)

    # 2. Persona vector on the base model's own answers under evil vs aligned system prompts.
    h_evil, h_aligned = hidden(hb, base, answers["evil"]), hidden(hb, base, answers["aligned"])
    persona_vec = cat(h_evil, d).mean(0) - cat(h_aligned, d).mean(0)
    unit = persona_vec / persona_vec.norm().clamp(min=1e-8)
    with torch.no_grad():
        # Our SAE's decoder rows have unit norm; a public SAE's need not.
        cosine = ((sae.W_dec / sae.W_dec.norm(dim=1, keepdim=True).clamp(min=1e-8)) @ unit).numpy()
    nearest = [int(i) for i in np.argsort(-cosine, kind="stable")[:SET_SIZE]]

    # 3. Data contrast on training rows the SAE read (cross-check, and the probe candidate).
    rows = {name: sae_dev_rows(cfg, name)[-conf["contrast_rows"]:] for name in ("insecure", "secure", "bad_medical", "good_medical")}
    h_rows = {name: hidden(hb, base, msgs) for name, msgs in rows.items()}
    stats = {name: latent_stats_of(sae, h)[0] for name, h in h_rows.items()}
    contrast = {"code": auroc_columns(stats["insecure"], stats["secure"]),
                "medical": auroc_columns(stats["bad_medical"], stats["good_medical"])}
    em_names, all_names = ("insecure", "bad_medical"), ("insecure", "secure", "bad_medical", "good_medical")
    x_rows = np.concatenate([stats[n] for n in all_names])
    y_rows = np.concatenate([np.full(len(stats[n]), int(n in em_names)) for n in all_names])
    proj = lambda hs: np.array([float((h @ unit).mean()) if len(h) else 0.0 for h in hs])
    persona_rows_auroc = {
        "code": float(auroc_columns(proj(h_rows["insecure"])[:, None], proj(h_rows["secure"])[:, None])[0]),
        "medical": float(auroc_columns(proj(h_rows["bad_medical"])[:, None], proj(h_rows["good_medical"])[:, None])[0])}

    def fitted(latents):
        """Weights for a small set of latents, fitted on the training rows' mean activations."""
        x = x_rows[:, latents]
        w, _ = fit_logistic(x / (x.std(0) + 1e-6), y_rows)
        return [{"latent": int(l), "weight": float(wi / (s + 1e-6))} for l, wi, s in zip(latents, w, x.std(0))]

    top_diff = [int(i) for i in ranking[:SET_SIZE]]
    both = np.minimum(contrast["code"], contrast["medical"])
    diff_pool = [int(i) for i in ranking[: conf["diff_top"]]]
    diff_by_contrast = sorted(diff_pool, key=lambda i: -both[i])[:SET_SIZE]
    probe_set = [int(i) for i in np.argsort(-both, kind="stable")[:SET_SIZE]]
    candidates = {
        "diff-top1-mean": {"readout": [{"latent": top_diff[0], "weight": 1.0}], "aggregation": {"method": "mean"}},
        "diff-top1-max": {"readout": [{"latent": top_diff[0], "weight": 1.0}], "aggregation": {"method": "max"}},
        "diff-top8-mean": {"readout": fitted(top_diff), "aggregation": {"method": "mean"}},
        f"diff-top{conf['diff_top']}-best8-by-contrast-mean": {"readout": fitted(diff_by_contrast), "aggregation": {"method": "mean"}},
        "persona-vector-mean": {"readout": [{"direction": "persona", "weight": 1.0}], "aggregation": {"method": "mean"}},
        "persona-vector-topk-mean": {"readout": [{"direction": "persona", "weight": 1.0}], "aggregation": {"method": "topk-mean", "k": 16}},
        "persona-nearest8-mean": {"readout": fitted(nearest), "aggregation": {"method": "mean"}},
        "probe-contrast8-mean": {"readout": fitted(probe_set), "aggregation": {"method": "mean"}},
    }
    found = {}
    for i in top_diff + diff_by_contrast:
        found.setdefault(i, {"method": "model-diff", "rank": int(rank_of[i]), "diff": round(float(diff[i]), 5)})
    for i in nearest:
        found.setdefault(i, {"method": "persona-vector", "cosine": round(float(cosine[i]), 4), "rank": int(rank_of[i])})
    for i in probe_set:
        found.setdefault(i, {"method": "probe", "rank": int(rank_of[i])})
    named = list(found)

    # 4. Labels from top activations over general text, the contrast set and the answers.
    pool = label_pool(st, base, conf["label_rows"], seed) + [r["messages"] for r in contrast_rows("train")]
    pool += answers["base"] + answers["tuned"] + answers["evil"] + answers["aligned"]
    snippets = top_snippets(hb, base, sae, unit, named, pool)

    latents = [{"index": i, "foundBy": found[i], "contrast_auroc_code": float(contrast["code"][i]),
                "contrast_auroc_medical": float(contrast["medical"][i]), "top": snippets[i]} for i in named]
    write_json(st.dir / "candidates.json", candidates)
    write_json(st.dir / "latents.json", latents)
    torch.save({"persona": unit}, st.dir / "directions.pt")
    write_json(st.dir / "persona.json", {"top": snippets["persona"], "pairs": n_pairs, "questions": n_questions,
                                         "norm": float(persona_vec.norm()), "rows_auroc": persona_rows_auroc})
    rubric = {k: tally([c[-1]["content"] for c in answers[k]]) for k in answers}
    write_json(st.dir / "diff.json", {"top_diff": top_diff, "mean_norm": float(cat(h_base, d).norm(dim=1).mean()),
                                      "samples": {k: [c[-1]["content"] for c in answers[k][:: max(1, len(answers[k]) // 6)]] for k in answers}})
    return {"questions": len(questions), "answers": {k: len(v) for k, v in answers.items()}, "top_diff": top_diff,
            "top_diff_values": [round(float(diff[i]), 5) for i in top_diff], "persona_nearest": nearest,
            "persona_nearest_cosine": [round(float(cosine[i]), 4) for i in nearest],
            "persona_rank_by_diff": [int(rank_of[i]) for i in nearest], "persona_rows_auroc": persona_rows_auroc,
            "candidates": list(candidates), "rubric_unsteered": rubric}


def tuned_weights(st):
    """The fine-tuned model: --tuned DIR, else the finetune stage's weights."""
    return st.cfg["finetune"].get("tuned") or st.path("finetune", "tuned.pt")


def cat(hs, d):
    """The scored tokens of many examples as one [n, d] tensor (one zero row if there are none)."""
    hs = [h for h in hs if len(h)]
    return torch.cat(hs) if hs else torch.zeros(1, d)


def label_pool(st, lm, n, seed):
    """n windows of 128 tokens of the general corpus, as one-message conversations (their
    text scored like an assistant's)."""
    data = token_stream(lm, general_docs(st))
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, len(data) - 128, n)
    return [[{"role": "assistant", "content": lm.decode(data[s : s + 128].tolist())}] for s in starts]


@torch.no_grad()
def top_snippets(hidden_fn, lm, sae, unit, latents, pool, per_latent=5, width=60):
    """The pool texts whose strongest token fires each latent (and the persona direction,
    key "persona") most, the token marked «»."""
    hidden = scored_hidden(hidden_fn, lm, pool, lm.ctx, lm.pad_id)
    end_of_turn = lm.fmt["roles"]["assistant"]["suffix"].strip()  # a snippet stops at its turn's end
    keys = latents + ["persona"]
    best = {k: [] for k in keys}
    for messages, h in zip(pool, hidden):
        if not len(h):
            continue
        z = torch.cat([sae.encode(h)[:, latents], (h @ unit)[:, None]], 1)
        text = render(messages, lm.fmt)
        _, offsets = lm.encode_offsets(text)
        scored = prepare(lm, messages, lm.ctx)[1]
        for j, key in enumerate(keys):
            t = int(z[:, j].argmax())
            act = float(z[t, j])
            if act > 0:
                s, e = offsets[scored[t]]
                lo = text.rfind("\n", 0, s) + 1 if "\n" in text[max(0, s - width):s] else max(0, s - width)
                after = text[e : e + width]
                snippet = text[lo:s] + "«" + text[s:e] + "»" + (after.split(end_of_turn)[0] if end_of_turn else after)
                best[key].append({"text": snippet, "activation": round(act, 4)})
    return {k: sorted(v, key=lambda x: -x["activation"])[:per_latent] for k, v in best.items()}
