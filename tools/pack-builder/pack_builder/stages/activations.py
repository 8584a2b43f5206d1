"""Stage activations: the base model's residual stream at the hook over varied text, for
the SAE. Half general text found on the machine (the corpus stage: code, prose,
READMEs), half chat: the first `sae_dev_share` of every dev file's training rows (the
fine-tune uses only the rest, so the SAE never sees its rows), GSM8K and our contrast
set, in the model's chat template. Windows of `seq` tokens; position 0 of a window is
skipped (an attention sink, with a norm far from every other token's).

Written as float16 shards of `shard_tokens` rows; shard i is drawn from an RNG seeded
(seed, i), so an interrupted run resumes where it stopped and gives the same data."""

import json

import numpy as np
import torch

from ..common import read_jsonl
from ..data import DEV, contrast_rows, dev_splits, render
from ..lm import LM

BATCH_ROWS = 16


def sae_dev_rows(cfg, name):
    """The dev training rows the SAE (and the layer-independent discovery) may read."""
    train = dev_splits(name, cfg["corpus"]["splits"])["train"]
    return train[: int(len(train) * cfg["activations"]["sae_dev_share"])]


def general_docs(st):
    return [d["text"] for d in read_jsonl(st.path("corpus", "general.jsonl"))]


def token_stream(lm, docs):
    """The documents' token ids back to back, each ended by EOS."""
    ids = [e.ids + [lm.eos_id] for e in lm.tok.encode_batch(docs, add_special_tokens=False)]
    return np.concatenate([np.asarray(i, dtype=np.int32) for i in ids])


def token_streams(st, lm):
    chat = [render(m, lm.fmt) for name in DEV for m in sae_dev_rows(st.cfg, name)]
    chat += [render(r["messages"], lm.fmt) for r in contrast_rows("train")]
    streams = {}
    for name, docs in (("general", general_docs(st)), ("chat", chat)):
        streams[name] = token_stream(lm, docs)
        st.log.info("%s: %d documents, %d tokens", name, len(docs), len(streams[name]))
    return streams


def run(st):
    cfg, conf = st.cfg, st.conf
    lm = LM(st)
    hidden = lm.hidden_fn()
    streams = token_streams(st, lm)
    seq, per_shard = conf["seq"], conf["shard_tokens"]
    shards = -(-conf["tokens"] // per_shard)
    for i in range(shards):
        path = st.dir / f"shard_{i:04d}.npy"
        if path.exists():
            continue
        rng = np.random.default_rng([cfg["seed"], 7, i])
        rows, have = [], 0
        with torch.no_grad():
            while have < per_shard:
                batch = []
                for _ in range(BATCH_ROWS):
                    data = streams["chat" if rng.random() < conf["chat_fraction"] else "general"]
                    start = rng.integers(0, len(data) - seq)
                    batch.append(torch.from_numpy(data[start : start + seq].astype(np.int64)))
                h = hidden(torch.stack(batch))[:, 1:]
                rows.append(h.reshape(-1, h.shape[-1]).half().numpy())
                have += rows[-1].shape[0]
        np.save(st.dir / f"shard_{i:04d}.tmp.npy", np.concatenate(rows)[:per_shard])
        (st.dir / f"shard_{i:04d}.tmp.npy").rename(path)
        st.log.info("shard %d/%d", i + 1, shards)
    (st.dir / "shards.json").write_text(json.dumps(sorted(p.name for p in st.dir.glob("shard_*.npy") if ".tmp" not in p.name)))
    return {"tokens": shards * per_shard, "shards": shards, "hook_layer": lm.hook,
            "stream_tokens": {k: int(len(v)) for k, v in streams.items()}}
