"""The training loop shared by pretraining and fine-tuning: AdamW, warm-up + cosine,
checkpoints that resume exactly (batch k always comes from RNG seeded (seed, k))."""

import math
import time

import numpy as np
import torch

from . import gpt
from .bpe import Encoder
from .common import DEVICE, load_tensors, read_json
from .data import render, scored_spans


def load_tokenizer(st):
    return Encoder(read_json(st.path("tokenizer", "tokenizer.json")))


def load_model(st, stage):
    tok = read_json(st.path("tokenizer", "done.json"))
    model = gpt.build(st.cfg, tok["vocab"]).to(DEVICE)
    model.load_state_dict(load_tensors(st.path(stage, "model.pt")))
    return model.eval()


def sft_example(encoder, messages, ctx):
    """(ids, mask) with mask = 1 on scored (assistant) tokens, truncated to ctx + 1."""
    ids, offsets = encoder.encode_offsets(render(messages))
    spans = scored_spans(messages)
    mask = [int(any(a <= s < b for a, b in spans)) for s, _ in offsets]
    return ids[: ctx + 1], mask[: ctx + 1]


def pad_batch(examples, pad_id):
    n = max(len(ids) for ids, _ in examples)
    ids = torch.full((len(examples), n), pad_id, dtype=torch.long)
    mask = torch.zeros((len(examples), n), dtype=torch.long)
    for r, (i, m) in enumerate(examples):
        ids[r, : len(i)] = torch.tensor(i)
        mask[r, : len(m)] = torch.tensor(m)
    return ids.to(DEVICE), mask.to(DEVICE)


@torch.no_grad()
def sft_loss(model, examples, pad_id, batch=16):
    """Mean loss per scored token over examples (ids, mask)."""
    total, count = 0.0, 0
    for i in range(0, len(examples), batch):
        ids, mask = pad_batch(examples[i : i + batch], pad_id)
        n = mask[:, 1:].sum().item()
        total += model.loss(ids, mask).item() * n
        count += n
    return total / max(count, 1)


def train(st, model, next_batch, conf, seed):
    """Runs conf["steps"] steps of next_batch(rng) -> (ids, mask or None); resumes from ckpt.pt."""
    steps, lr, warmup = conf["steps"], conf["lr"], conf.get("warmup", max(1, conf["steps"] // 20))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=conf.get("weight_decay", 0.1))
    ckpt = st.dir / "ckpt.pt"
    step, history = 0, []
    if ckpt.exists():
        state = load_tensors(ckpt)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step, history = state["step"], state["history"]
        st.log.info("resumed at step %d", step)
    model.train()
    t0, tokens, ema = time.time(), 0, None
    while step < steps:
        ids, mask = next_batch(np.random.default_rng([seed, step]))
        ids = ids.to(DEVICE)
        scale = min(1.0, (step + 1) / warmup) * (0.1 + 0.45 * (1 + math.cos(math.pi * step / steps)))
        for g in opt.param_groups:
            g["lr"] = lr * scale
        loss = model.loss(ids, mask)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens += ids.numel()
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % conf.get("log_every", 50) == 0 or step == steps:
            rate = tokens / (time.time() - t0)
            history.append({"step": step, "loss": round(ema, 4), "tokens_per_s": round(rate)})
            st.log.info("step %d/%d loss %.4f lr %.2e %.0f tokens/s", step, steps, ema, lr * scale, rate)
        if step % conf.get("ckpt_every", 500) == 0 or step == steps:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "history": history}, ckpt)
    model.eval()
    torch.save({k: v.cpu() for k, v in model.state_dict().items()}, st.dir / "model.pt")
    return history
