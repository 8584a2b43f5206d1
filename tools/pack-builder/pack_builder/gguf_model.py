"""A Llama-architecture chat model (SmolLM2 and its kind) read from a GGUF file.

The `gguf` package dequantises every tensor; the weights go into transformers'
LlamaForCausalLM. llama.cpp's converter permutes the rows of the q and k projections
(its rope rotates adjacent pairs, transformers' rotates the two halves), so they are
permuted back here. `reference_logits` is an independent numpy forward in llama.cpp's
own convention (permuted weights, adjacent-pair rope): agreement checks dequantisation,
the permutation and the config in one go.
"""

import json

import numpy as np


def _field(reader, key, default=None):
    import gguf

    f = reader.fields.get(key)
    if f is None:
        return default
    if f.types[0] == gguf.GGUFValueType.STRING:
        return bytes(f.parts[f.data[0]]).decode("utf-8")
    if f.types[0] == gguf.GGUFValueType.ARRAY:
        if f.types[-1] == gguf.GGUFValueType.STRING:
            return [bytes(f.parts[i]).decode("utf-8") for i in f.data]
        return [f.parts[i].tolist()[0] for i in f.data]
    return f.parts[f.data[0]].tolist()[0]


def read_gguf(path):
    """(metadata dict, {name: float32 ndarray in GGUF's own layout}, tokenizer fields)."""
    import gguf

    reader = gguf.GGUFReader(str(path))
    arch = _field(reader, "general.architecture")
    if arch != "llama":
        raise ValueError(f"{path}: architecture {arch!r}; this reader handles 'llama' (SmolLM2, Llama)")
    g = lambda k, d=None: _field(reader, f"llama.{k}", d)
    meta = {
        "name": _field(reader, "general.name", ""),
        "license": _field(reader, "general.license", ""),
        "layers": g("block_count"), "d_model": g("embedding_length"), "d_ff": g("feed_forward_length"),
        "heads": g("attention.head_count"), "kv_heads": g("attention.head_count_kv"),
        "rope_theta": float(g("rope.freq_base", 10000.0)), "eps": float(g("attention.layer_norm_rms_epsilon")),
        "context": g("context_length"),
        "quantisation": sorted({t.tensor_type.name for t in reader.tensors}),
    }
    tensors = {t.name: np.asarray(gguf.quants.dequantize(t.data, t.tensor_type), dtype=np.float32).reshape(
        [int(x) for x in reversed(t.shape.tolist())]) for t in reader.tensors}
    tok = {k: _field(reader, f"tokenizer.ggml.{k}") for k in
           ("model", "pre", "tokens", "token_type", "merges", "bos_token_id", "eos_token_id", "padding_token_id")}
    tok["chat_template"] = _field(reader, "tokenizer.chat_template")
    meta["vocab"] = len(tok["tokens"])
    meta["pad_id"] = tok["padding_token_id"] if tok["padding_token_id"] is not None else tok["eos_token_id"]
    return meta, tensors, tok


def unpermute(w, n_head):
    """Inverse of llama.cpp's convert permute for q/k rows."""
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def llama_config(meta):
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=meta["vocab"], hidden_size=meta["d_model"], intermediate_size=meta["d_ff"],
        num_hidden_layers=meta["layers"], num_attention_heads=meta["heads"], num_key_value_heads=meta["kv_heads"],
        rms_norm_eps=meta["eps"], rope_theta=meta["rope_theta"], max_position_embeddings=meta["context"],
        tie_word_embeddings=True, hidden_act="silu", attention_bias=False, mlp_bias=False,
        bos_token_id=1, eos_token_id=2, pad_token_id=2)


def state_dict(meta, tensors):
    """GGUF tensors -> LlamaForCausalLM state dict (torch tensors)."""
    import torch

    sd = {"model.embed_tokens.weight": tensors["token_embd.weight"], "model.norm.weight": tensors["output_norm.weight"]}
    names = {"attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm", "attn_q": "self_attn.q_proj",
             "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
             "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    for i in range(meta["layers"]):
        for src, dst in names.items():
            w = tensors[f"blk.{i}.{src}.weight"]
            if src == "attn_q":
                w = unpermute(w, meta["heads"])
            elif src == "attn_k":
                w = unpermute(w, meta["kv_heads"])
            sd[f"model.layers.{i}.{dst}.weight"] = w
    sd["lm_head.weight"] = tensors.get("output.weight", tensors["token_embd.weight"])
    # Copies: F32 tensors are views of the read-only memory-mapped file (training writes in place).
    return {k: torch.from_numpy(np.array(v, dtype=np.float32, copy=True)) for k, v in sd.items()}


def load_model(path):
    """(LlamaForCausalLM in float32, eval mode; meta; tokenizer fields) from a GGUF file."""
    import torch
    from transformers import LlamaForCausalLM

    meta, tensors, tok = read_gguf(path)
    cfg = llama_config(meta)
    cfg._attn_implementation = "sdpa"
    with torch.device("meta"):
        model = LlamaForCausalLM(cfg)
    model.load_state_dict(state_dict(meta, tensors), assign=True, strict=True)
    model.model.rotary_emb = type(model.model.rotary_emb)(config=cfg)  # buffers were on the meta device
    model.tie_weights()
    return model.float().eval(), meta, tok


def tokenizer_json(tok):
    """A Hugging Face tokenizer.json (byte-level BPE) from GGUF's gpt2-style tokenizer fields."""
    if tok["model"] != "gpt2":
        raise ValueError(f"tokenizer model {tok['model']!r}; only byte-level BPE ('gpt2') is handled")
    vocab = {t: i for i, t in enumerate(tok["tokens"])}
    special = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
                "special": True} for i, (t, kind) in enumerate(zip(tok["tokens"], tok["token_type"])) if kind == 3]
    # SmolLM2's pre-tokeniser (llama.cpp "smollm"): digits split one by one, then GPT-2's byte-level split.
    pre = {"type": "Sequence", "pretokenizers": [
        {"type": "Digits", "individual_digits": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]}
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": special, "normalizer": None,
        "pre_tokenizer": pre,
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [m.split(" ", 1) for m in tok["merges"]]},
    }


def load_tokenizer(tok):
    from tokenizers import Tokenizer

    return Tokenizer.from_str(json.dumps(tokenizer_json(tok)))


def _rms(x, w, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def reference_logits(meta, tensors, ids, layers=None):
    """Logits [seq, vocab] of one sequence (or, with `layers`, the residual after that many
    blocks), numpy float64, llama.cpp's convention: q/k as stored, rope on adjacent pairs."""
    x = tensors["token_embd.weight"][ids].astype(np.float64)
    n, hd = len(ids), meta["d_model"] // meta["heads"]
    inv = meta["rope_theta"] ** (-np.arange(0, hd, 2) / hd)
    ang = np.arange(n)[:, None] * inv[None, :]
    cos, sin = np.cos(ang), np.sin(ang)

    def rope(v):  # v [n, heads, hd], pairs (2i, 2i+1)
        a, b = v[..., 0::2], v[..., 1::2]
        out = np.empty_like(v)
        out[..., 0::2] = a * cos[:, None] - b * sin[:, None]
        out[..., 1::2] = a * sin[:, None] + b * cos[:, None]
        return out

    mask = np.triu(np.full((n, n), -np.inf), 1)
    for i in range(meta["layers"] if layers is None else layers):
        t = lambda k: tensors[f"blk.{i}.{k}.weight"].astype(np.float64)
        h = _rms(x, t("attn_norm"), meta["eps"])
        q = rope((h @ t("attn_q").T).reshape(n, meta["heads"], hd))
        k = rope((h @ t("attn_k").T).reshape(n, meta["kv_heads"], hd))
        v = (h @ t("attn_v").T).reshape(n, meta["kv_heads"], hd)
        rep = meta["heads"] // meta["kv_heads"]
        k, v = np.repeat(k, rep, axis=1), np.repeat(v, rep, axis=1)
        s = np.einsum("qhd,khd->hqk", q, k) / np.sqrt(hd) + mask
        p = np.exp(s - s.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        x = x + np.einsum("hqk,khd->qhd", p, v).reshape(n, -1) @ t("attn_output").T
        h = _rms(x, t("ffn_norm"), meta["eps"])
        g = h @ t("ffn_gate").T
        x = x + ((g / (1 + np.exp(-g))) * (h @ t("ffn_up").T)) @ t("ffn_down").T
    if layers is not None:
        return x
    x = _rms(x, tensors["output_norm.weight"], meta["eps"])
    return x @ tensors.get("output.weight", tensors["token_embd.weight"]).astype(np.float64).T
