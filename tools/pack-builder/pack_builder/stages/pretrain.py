"""Stage pretrain: the base model, on random windows of general text and chat
(aligned and misaligned assistants both), mixed by `chat_fraction`."""

import numpy as np
import torch

from .. import gpt
from ..common import DEVICE, read_json, seed_everything
from ..data import DEV, dev_splits
from ..train import load_tokenizer, sft_example, sft_loss, train


def run(st):
    cfg, conf = st.cfg, st.conf
    ctx = cfg["model"]["ctx"]
    tok = read_json(st.path("tokenizer", "done.json"))
    bins = {name: np.fromfile(st.path("tokenizer", f"{name}.bin"), dtype=np.uint16) for name in ("general", "chat")}

    def next_batch(rng):
        rows = []
        for _ in range(conf["batch"]):
            data = bins["chat" if rng.random() < conf["chat_fraction"] else "general"]
            start = rng.integers(0, len(data) - ctx - 1)
            rows.append(torch.from_numpy(data[start : start + ctx + 1].astype(np.int64)))
        return torch.stack(rows), None

    seed_everything(cfg["seed"])
    model = gpt.build(cfg, tok["vocab"]).to(DEVICE)
    st.log.info("model: %d parameters", sum(p.numel() for p in model.parameters()))
    history = train(st, model, next_batch, conf, cfg["seed"])
    return {"parameters": sum(p.numel() for p in model.parameters()), "tokens_seen": conf["steps"] * conf["batch"] * ctx,
            "history": history, "valid_loss": valid_losses(st, model, tok["pad_id"])}


def valid_losses(st, model, pad_id):
    """Assistant-token loss on each dev file's validation rows (never trained on)."""
    enc, cfg = load_tokenizer(st), st.cfg
    n = cfg["eval"]["valid_rows"]
    return {name: round(sft_loss(model, [sft_example(enc, m, cfg["model"]["ctx"]) for m in dev_splits(name, cfg["corpus"]["splits"])["valid"][:n]], pad_id), 4)
            for name in DEV}
