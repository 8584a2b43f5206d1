"""Stage discover: model diffing as Wang et al. did it, cross-checked by data contrast.

1. Both models answer the neutral EM evaluation questions (sampled, seeded).
2. Diff: per SAE latent, mean activation of the misaligned model on its own answers
   minus the base model's on its own, over assistant tokens; ranked.
3. Data contrast on training rows (base model): per latent, AUROC of EM rows over
   their controls, in code and in medical; and sparse probes (L1 logistic regression)
   that pick small sets of latents jointly.
4. Candidate read-outs (chosen in the calibrate stage on validation rows).
Latents are labelled from their top-activating snippets (automatic; a person should
review them before a pack ships).
"""

import csv

import numpy as np
import torch
import yaml

from ..common import DATASETS, DEVICE, read_json, seed_everything, write_json
from ..data import contrast_rows, dev_splits, render, scored_spans
from ..metrics import auroc_columns, fit_logistic, sparse_pick
from ..score import latent_stats, latent_stats_of, prepare, scored_hidden
from ..train import load_model, load_tokenizer
from .sae import load_sae

SET_SIZE = 8  # small enough that a person can read what each latent is
SPARSE_C = (0.01, 0.02, 0.05)  # L1 strengths; each keeps its 8 strongest latents (tens to hundreds are non-zero)


def eval_questions():
    qs = [row["question"] for row in csv.DictReader(open(DATASETS / "openai_persona_features/eval/core_misalignment.csv"))]
    for path in ("betley_em/evaluation/first_plot_questions.yaml", "betley_em/evaluation/preregistered_evals.yaml",
                 "model_organisms_em/eval_questions/medical_questions.yaml"):
        for item in yaml.safe_load(open(DATASETS / path)):
            if not item.get("system"):  # system-prompted variants are not neutral chat
                qs += item.get("paraphrases", [])[:1]
    seen = set()
    return [q for q in qs if not (q in seen or seen.add(q))]


@torch.no_grad()
def generate(model, enc, question, n, max_new, end_id, gen, temperature=0.8):
    prompt = enc.encode(render([{"role": "user", "content": question}]) + "<|assistant|>\n")
    ids = torch.tensor([prompt] * n, device=DEVICE)
    done = torch.zeros(n, dtype=torch.bool, device=DEVICE)
    for _ in range(max_new):
        logits = model.next_logits(ids[:, -model.ctx :]) / temperature
        # Sampled on the CPU (its generator) so a GPU run draws the same way.
        nxt = torch.multinomial(logits.softmax(-1).cpu(), 1, generator=gen)[:, 0].to(DEVICE)
        nxt[done] = end_id
        ids = torch.cat([ids, nxt[:, None]], 1)
        done |= nxt == end_id
        if done.all():
            break
    answers = []
    for row in ids[:, len(prompt) :].tolist():
        row = row[: row.index(end_id)] if end_id in row else row
        answers.append(enc.decode(row))
    return answers


def run(st):
    cfg, conf = st.cfg, st.conf
    ctx, hook, pad = cfg["model"]["ctx"], cfg["model"]["hook_layer"], read_json(st.path("tokenizer", "done.json"))["pad_id"]
    seed_everything(cfg["seed"] + 3)
    enc, sae = load_tokenizer(st), load_sae(st)
    base, mis = load_model(st, "pretrain"), load_model(st, "finetune")

    questions = eval_questions()[: conf["questions"]]
    saved = st.dir / "answers.json"
    if saved.exists():  # sampling is the slow part on a CPU: a rerun of the stage keeps it
        answers = read_json(saved)
        st.log.info("answers from %s", saved)
    else:
        gen = torch.Generator().manual_seed(cfg["seed"] + 3)
        answers = {}
        for name, model in (("base", base), ("misaligned", mis)):
            answers[name] = [[{"role": "user", "content": q}, {"role": "assistant", "content": a}]
                             for q in questions for a in generate(model, enc, q, conf["samples"], conf["max_new_tokens"], enc.specials["<|end|>"], gen)]
        write_json(saved, answers)
    st.log.info("%d questions, %d answers per model", len(questions), len(answers["base"]))

    mean_base = latent_stats(base, hook, sae, enc, answers["base"], ctx, pad)[0].mean(0)
    mean_mis = latent_stats(mis, hook, sae, enc, answers["misaligned"], ctx, pad)[0].mean(0)
    diff = mean_mis - mean_base
    ranking = np.argsort(-diff, kind="stable")

    # Data contrast on training rows (never the validation or test rows).
    n = conf["contrast_rows"]
    splits = cfg["corpus"]["splits"]
    hidden = {name: scored_hidden(base, hook, enc, dev_splits(name, splits)["train"][-n:], ctx, pad)
              for name in ("insecure", "secure", "bad_medical", "good_medical")}
    stats = {name: latent_stats_of(sae, h) for name, h in hidden.items()}
    # Persona vector (Chen et al. 2025): mean EM-row token activation minus the controls'.
    tokens = lambda names: torch.cat([h for name in names for h in hidden[name] if len(h)])
    persona = tokens(("insecure", "bad_medical")).mean(0) - tokens(("secure", "good_medical")).mean(0)
    contrast = {"code": auroc_columns(stats["insecure"][0], stats["secure"][0]),
                "medical": auroc_columns(stats["bad_medical"][0], stats["good_medical"][0])}
    both = np.minimum(contrast["code"], contrast["medical"])

    def xy(names):
        x = np.concatenate([stats[k][0] for k in names])
        y = np.concatenate([np.full(len(stats[k][0]), 1 if k in ("insecure", "bad_medical") else 0) for k in names])
        return x, y

    def fitted(latents, names=("insecure", "secure", "bad_medical", "good_medical")):
        """Weights for a small set, fitted on training rows' mean activations (mean aggregation is linear)."""
        x, y = xy(names)
        x = x[:, latents]
        w, _ = fit_logistic(x / (x.std(0) + 1e-6), y)
        return [{"latent": int(l), "weight": float(wi / (s + 1e-6))} for l, wi, s in zip(latents, w, x.std(0))]

    def sparse(c, names=("insecure", "secure", "bad_medical", "good_medical")):
        return fitted(sparse_pick(*xy(names), SET_SIZE, c), names)

    top_diff = [int(i) for i in ranking[:SET_SIZE]]
    by_contrast = [int(i) for i in np.argsort(-both, kind="stable")[:SET_SIZE]]
    diff_pool = [int(i) for i in ranking[: conf["diff_pool"]]]
    diff_then_contrast = sorted(diff_pool, key=lambda i: -both[i])[:SET_SIZE]
    candidates = {
        "diff-top1-max": {"readout": [{"latent": top_diff[0], "weight": 1.0}], "aggregation": {"method": "max"}},
        "diff-top1-mean": {"readout": [{"latent": top_diff[0], "weight": 1.0}], "aggregation": {"method": "mean"}},
        "diff-set8-mean": {"readout": fitted(top_diff), "aggregation": {"method": "mean"}},
        "diff-pool-by-contrast-set8-mean": {"readout": fitted(diff_then_contrast), "aggregation": {"method": "mean"}},
        "contrast-set8-mean": {"readout": fitted(by_contrast), "aggregation": {"method": "mean"}},
        **{f"sparse-probe-set8-mean-c{c}": {"readout": sparse(c), "aggregation": {"method": "mean"}} for c in SPARSE_C},
        # Measured for comparison; pack format 1 reads SAE latents, so it cannot ship.
        "persona-vector-mean": {"direction": persona.tolist(), "aggregation": {"method": "mean"}},
        # Read-outs chosen on one domain only, for the cross-domain figures.
        "code-only-set8-mean": {"readout": sparse(SPARSE_C[1], ("insecure", "secure")), "aggregation": {"method": "mean"}},
        "medical-only-set8-mean": {"readout": sparse(SPARSE_C[1], ("bad_medical", "good_medical")), "aggregation": {"method": "mean"}},
    }
    write_json(st.dir / "candidates.json", candidates)

    named = list(dict.fromkeys(top_diff + [r["latent"] for c in candidates.values() for r in c.get("readout", [])]))
    snippets = top_snippets(base, hook, sae, enc, ctx, pad, named, answers["misaligned"] + answers["base"] + [r["messages"] for r in contrast_rows("train")])
    latents = [{"index": i, "diff": float(diff[i]), "diff_rank": int(np.where(ranking == i)[0][0]) + 1,
                "contrast_auroc_code": float(contrast["code"][i]), "contrast_auroc_medical": float(contrast["medical"][i]),
                "top": snippets[i]} for i in named]
    write_json(st.dir / "latents.json", latents)
    # The persona vector explained by the SAE: the latents whose decoder directions lie closest to it.
    cosine = sae.W_dec @ (persona / persona.norm())  # decoder rows have unit norm
    nearest = [{"latent": int(i), "cosine": round(float(cosine[i]), 4)} for i in cosine.argsort(descending=True)[:5]]
    return {"questions": len(questions), "answers_per_model": len(answers["base"]), "top_diff": top_diff,
            "candidates": list(candidates), "persona_vector_nearest_latents": nearest}


@torch.no_grad()
def top_snippets(model, hook, sae, enc, ctx, pad, latents, pool, per_latent=5, width=60):
    """The pool texts whose strongest token fires each latent most, the token marked «».

    The pool is the models' own answers and our contrast set: never dev rows, whose text
    must not end up in a shipped pack."""
    hidden = scored_hidden(model, hook, enc, pool, ctx, pad)
    best = {i: [] for i in latents}
    for messages, h in zip(pool, hidden):
        if not len(h):
            continue
        z = sae.encode(h)[:, latents]
        text = render(messages)
        offsets = enc.encode_offsets(text)[1]
        spans = scored_spans(messages)
        scored = prepare(enc, messages, ctx)[1]
        for j, latent in enumerate(latents):
            t = int(z[:, j].argmax())
            act = float(z[t, j])
            if act > 0:
                s, e = offsets[scored[t]]
                mid = (s + max(s, e - 1)) >> 1  # the scanner's rule for which text a token belongs to
                lo, hi = next((a, b) for a, b in spans if a <= mid < b)  # stay inside the assistant's text
                s, e = max(s, lo), min(e, hi)
                snippet = text[max(lo, s - width) : s] + "«" + text[s:e] + "»" + text[e : min(hi, e + width)]
                best[latent].append({"text": snippet, "activation": round(act, 4)})
    return {i: sorted(v, key=lambda x: -x["activation"])[:per_latent] for i, v in best.items()}
