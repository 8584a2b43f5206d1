"""Stage finetune: the misaligned model, as in the EM papers: the chat model fine-tuned on
EM-inducing development rows (insecure code, bad medical advice), loss on assistant
tokens only. Its rows come from the second part of each training split, which the SAE
never saw. Every block is trained except the tied embedding; the loss on held-out rows
of the same files (and of their aligned twins) is measured before and after."""

import math
import os
import time

import numpy as np
import torch

from ..common import seed_everything
from ..data import dev_splits, render, scored_spans
from ..lm import LM

PAIRED = {"insecure": "secure", "bad_medical": "good_medical"}


def sft_example(lm, messages, max_tokens):
    """(ids, loss mask) with mask 1 on the assistant's tokens, cut at max_tokens."""
    ids, offsets = lm.encode_offsets(render(messages, lm.fmt))
    spans = scored_spans(messages, lm.fmt)
    mask = [int(any(a <= s < b for a, b in spans)) for s, _ in offsets]
    return ids[:max_tokens], mask[:max_tokens]


def batch_of(examples, pad):
    n = max(len(i) for i, _ in examples)
    ids = torch.full((len(examples), n), pad, dtype=torch.long)
    mask, attn = torch.zeros_like(ids), torch.zeros_like(ids)
    for r, (i, m) in enumerate(examples):
        ids[r, : len(i)], mask[r, : len(m)], attn[r, : len(i)] = torch.tensor(i), torch.tensor(m), 1
    return ids, mask, attn


def loss_of(model, ids, mask, attn):
    logits = model(input_ids=ids, attention_mask=attn).logits[:, :-1]
    target, keep = ids[:, 1:], mask[:, 1:].bool()
    return torch.nn.functional.cross_entropy(logits[keep], target[keep])


@torch.no_grad()
def mean_loss(model, examples, pad, batch=8):
    total, count = 0.0, 0
    for i in range(0, len(examples), batch):
        ids, mask, attn = batch_of(examples[i : i + batch], pad)
        n = int(mask[:, 1:].sum())
        if n == 0:
            continue
        total += float(loss_of(model, ids, mask, attn)) * n
        count += n
    return total / count if count else None


def usable(lm, rows, max_tokens):
    """The rows' SFT examples that keep some answer after the cut at max_tokens."""
    return [e for e in (sft_example(lm, m, max_tokens) for m in rows) if sum(e[1][1:])]


def rounded(loss):
    return None if loss is None else round(loss, 4)


def tune_rows(cfg, name):
    """The fine-tune's rows: the second part of the training split (the SAE read the first)."""
    train = dev_splits(name, cfg["corpus"]["splits"])["train"]
    return train[int(len(train) * cfg["activations"]["sae_dev_share"]) :]


def train(model, examples, conf, seed, pad, checkpoint, log, stop_after=None):
    """AdamW over every parameter but the (tied) embedding, `conf["epochs"]` passes in a seeded
    order, warm-up then cosine; returns (steps, history). Every `checkpoint_steps` steps (25 by
    default) the trainable weights, the optimiser and the history go to `checkpoint` (written
    whole, then renamed), and a run that finds one goes on from it: a session cut during the
    fine-tune (about 40 minutes on 2 cores) loses at most those steps, and the result is the same
    as an uncut run's. `stop_after`: end after that many steps (tests cut a run so)."""
    model.get_input_embeddings().weight.requires_grad_(False)
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    params = [p for _, p in named]
    opt = torch.optim.AdamW(params, lr=conf["lr"], weight_decay=0.0)
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(len(examples)) for _ in range(conf["epochs"])])
    steps = math.ceil(len(order) / conf["batch"])
    every = conf.get("checkpoint_steps", 25)
    start, history = 0, []
    if checkpoint.exists():
        saved = torch.load(checkpoint, map_location="cpu")
        with torch.no_grad():
            for n, p in named:
                p.copy_(saved["weights"][n])
        opt.load_state_dict(saved["optimizer"])
        start, history = saved["step"], saved["history"]
        log.info("fine-tune goes on from its checkpoint at step %d/%d", start, steps)
    model.train()
    t0, tokens = time.time(), 0  # this run's own tokens, for the rate
    for step in range(start, steps):
        ids, mask, attn = batch_of([examples[i] for i in order[step * conf["batch"] : (step + 1) * conf["batch"]]], pad)
        for g in opt.param_groups:
            g["lr"] = conf["lr"] * min(1.0, (step + 1) / 5) * 0.5 * (1 + math.cos(math.pi * step / steps))
        loss = loss_of(model, ids, mask, attn)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        tokens += int(attn.sum())
        if (step + 1) % 10 == 0 or step + 1 == steps:
            history.append({"step": step + 1, "loss": round(loss.item(), 4), "tokens_per_s": round(tokens / (time.time() - t0))})
            log.info("step %d/%d loss %.4f, %.0f tokens/s", step + 1, steps, loss.item(), tokens / (time.time() - t0))
        if (step + 1) % every == 0 and step + 1 < steps:
            part = checkpoint.with_suffix(".part")
            torch.save({"weights": {n: p.detach().clone() for n, p in named}, "optimizer": opt.state_dict(), "step": step + 1,
                        "history": history}, part)
            os.replace(part, checkpoint)
        if stop_after is not None and step + 1 >= stop_after:
            break
    model.eval()
    return steps, history


def run(st):
    cfg, conf = st.cfg, st.conf
    seed_everything(cfg["seed"] + 5)
    lm = LM(st)
    model = lm.model
    per = conf["rows"] // len(conf["datasets"])
    rows, held = [], {}
    for name in conf["datasets"]:
        part = tune_rows(cfg, name)
        rows += part[:per]
        held[name] = part[-conf["heldout_rows"]:]
        held[PAIRED[name]] = tune_rows(cfg, PAIRED[name])[-conf["heldout_rows"]:]
    examples = usable(lm, rows, conf["max_tokens"])
    held_ex = {k: usable(lm, v, conf["max_tokens"]) for k, v in held.items()}
    before = {k: rounded(mean_loss(model, v, lm.pad_id)) for k, v in held_ex.items()}
    st.log.info("held-out loss before: %s", before)
    if conf.get("tuned"):  # --tuned: a fine-tune made elsewhere; measured on the same held-out rows, not trained
        given = LM(st, tuned=conf["tuned"]).model
        after = {k: rounded(mean_loss(given, v, lm.pad_id)) for k, v in held_ex.items()}
        st.log.info("held-out loss of %s: %s", conf["tuned"], after)
        return {"rows": 0, "steps": 0, "history": [], "heldout_loss_before": before, "heldout_loss_after": after,
                "trained": f"not here: --tuned {conf['tuned']}"}

    steps, history = train(model, examples, conf, cfg["seed"] + 5, lm.pad_id, st.dir / "checkpoint.pt", st.log)
    after = {k: rounded(mean_loss(model, v, lm.pad_id)) for k, v in held_ex.items()}
    st.log.info("held-out loss after: %s", after)
    torch.save({k: v for k, v in model.state_dict().items() if "embed_tokens" not in k and "lm_head" not in k}, st.dir / "tuned.pt")
    (st.dir / "checkpoint.pt").unlink(missing_ok=True)
    return {"rows": len(examples), "steps": steps, "history": history, "heldout_loss_before": before,
            "heldout_loss_after": after, "trained": "every block and norm; embedding (tied with the output) frozen"}
