"""A tiny Llama-architecture chat model with random weights, written as a GGUF file the way
llama.cpp writes SmolLM2 (Q8_0 embedding, Q4_1 projections, F32 norms, q/k rows permuted,
a byte-level BPE tokenizer with ChatML markers), so CI runs the real-model path end to
end in minutes without downloading a model."""

import numpy as np

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
MERGE_WORDS = ["the", "and", "ing", "def", "return", "user", "assistant", "you", "ould", "er", "in", "on", "re"]


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def tiny_vocab(specials=SPECIALS):
    """(tokens, token types, merges): specials first (ids 0-2, as SmolLM2), bytes, merges."""
    tokens = list(specials) + list(bytes_to_unicode().values())
    merges = []
    for word in MERGE_WORDS:  # left-to-right merges building each word (and with GPT-2's space marker)
        for w in (word, "Ġ" + word):
            cur = w[0]
            for ch in w[1:]:
                if cur + ch not in tokens:
                    merges.append(f"{cur} {ch}")
                    tokens.append(cur + ch)
                cur += ch
    types = [3] * len(specials) + [1] * (len(tokens) - len(specials))
    return tokens, types, merges


def permute(w, n_head):
    """llama.cpp's convert permute of q/k rows (the loader undoes it)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_tiny_gguf(path, dims, seed):
    import gguf
    from gguf import quants

    rng = np.random.default_rng(seed)
    d, ff, layers, heads, kv = dims["d_model"], dims["d_ff"], dims["layers"], dims["heads"], dims["kv_heads"]
    hd = d // heads
    tokens, types, merges = tiny_vocab()
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("persona-lens tiny random llama")
    w.add_license("MIT")
    w.add_block_count(layers)
    w.add_context_length(512)
    w.add_embedding_length(d)
    w.add_feed_forward_length(ff)
    w.add_head_count(heads)
    w.add_head_count_kv(kv)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(len(tokens))
    w.add_rope_dimension_count(hd)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_pad_token_id(2)

    def tensor(name, shape, qtype, scale=None):
        x = (rng.standard_normal(shape) * (scale or shape[-1] ** -0.5)).astype(np.float32)
        if name.endswith("norm.weight"):
            x = 1.0 + x
        elif name.endswith("attn_q.weight"):
            x = permute(x, heads)
        elif name.endswith("attn_k.weight"):
            x = permute(x, kv)
        if qtype == gguf.GGMLQuantizationType.F32:
            w.add_tensor(name, x)
        else:
            w.add_tensor(name, quants.quantize(x, qtype), raw_dtype=qtype)

    Q41, Q80, F32 = gguf.GGMLQuantizationType.Q4_1, gguf.GGMLQuantizationType.Q8_0, gguf.GGMLQuantizationType.F32
    tensor("token_embd.weight", (len(tokens), d), Q80, 1.0)
    for i in range(layers):
        tensor(f"blk.{i}.attn_norm.weight", (d,), F32, 0.1)
        tensor(f"blk.{i}.ffn_norm.weight", (d,), F32, 0.1)
        tensor(f"blk.{i}.attn_q.weight", (d, d), Q41)
        tensor(f"blk.{i}.attn_k.weight", (kv * hd, d), Q41)
        tensor(f"blk.{i}.attn_v.weight", (kv * hd, d), Q41)
        tensor(f"blk.{i}.attn_output.weight", (d, d), Q41)
        tensor(f"blk.{i}.ffn_gate.weight", (ff, d), Q41)
        tensor(f"blk.{i}.ffn_up.weight", (ff, d), Q41)
        tensor(f"blk.{i}.ffn_down.weight", (d, ff), Q41)
    tensor("output_norm.weight", (d,), F32, 0.1)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path
