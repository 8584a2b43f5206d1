"""Stage steer: the causal check. The base model answers neutral evaluation questions with a
named direction (the top model-diff latent's decoder row, the persona vector) added to the
residual stream after the hook block, at several scales (in units of the mean residual norm
on the evaluation answers); answers are counted under pack_builder/rubric.py and samples
kept for a person to read."""

import torch

from ..common import read_json, seed_everything, write_json
from ..lm import LM, generate
from ..rubric import grade, tally
from .discover import eval_questions
from .sae import load_sae


def run(st):
    cfg, conf = st.cfg, st.conf
    seed = cfg["seed"] + 7
    seed_everything(seed)
    base, sae = LM(st), load_sae(st)
    diff = read_json(st.path("discover", "diff.json"))
    unit = torch.load(st.path("discover", "directions.pt"))["persona"]
    questions = [[{"role": "user", "content": q}] for q in eval_questions()[: conf["questions"]]]
    prompts = questions * conf["samples"]
    norm = diff["mean_norm"]
    steering = {}
    row = sae.W_dec[diff["top_diff"][0]].detach()
    row = row / row.norm().clamp(min=1e-8)  # scales are in units of the mean norm: a public SAE's rows need not be unit
    for name, vec in ((f"model-diff #1 (latent {diff['top_diff'][0]})", row), ("persona vector", unit)):
        steering[name] = []
        for scale in conf["scales"]:
            outs = generate(base, prompts, conf["max_new_tokens"], seed, temperature=conf["temperature"], steer=(vec, scale * norm))
            steering[name].append({"scale_of_mean_norm": scale, **tally(outs),
                                   "samples": [{"question": q[0]["content"], "answer": a, **grade(a)} for q, a in zip(prompts, outs)][:4]})
            st.log.info("steer %s x%.3f: %s", name, scale, {k: v for k, v in steering[name][-1].items() if k != "samples"})
    write_json(st.dir / "steering.json", {"mean_norm": norm, "temperature": conf["temperature"], "steering": steering})
    return {name: [(r["scale_of_mean_norm"], r["misaligned"], r["incoherent"], r["answers"]) for r in rs] for name, rs in steering.items()}
