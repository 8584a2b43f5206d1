"""Tiny Hugging Face causal-LM folders with random weights, one per architecture the builder
supports (Llama/SmolLM, Qwen2, Gemma 2, Gemma 3 text, GPT-2), each with a byte-level BPE
tokenizer.json and a chat template in its family's shape: Llama 3 headers, ChatML with a
default system prompt (Qwen2.5), Gemma 2 (no system role), Gemma 3 (system folded into the
first user turn), none (GPT-2). Tests build them at test time; nothing here is committed.

    python -m pack_builder.tiny_hf ARCH DIR [--seed N]
    python -m pack_builder.tiny_hf --plant BASE DIR --sae SAE --latent J   (a "fine-tuned" twin of BASE)
"""

import argparse
import json

from .gguf_model import tokenizer_json
from .tiny_gguf import tiny_vocab

DIMS = {"d_model": 64, "d_ff": 128, "layers": 4, "heads": 4, "kv_heads": 2}

LLAMA3 = ("{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n"
          "{{ m['content'] | trim }}<|eot_id|>{% endfor %}"
          "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}")
CHATML_DEFAULT_SYSTEM = ("{% if messages[0]['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
                         "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                         "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
GEMMA2 = ("{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
          "{% for m in messages %}{% set role = 'model' if m['role'] == 'assistant' else m['role'] %}"
          "<start_of_turn>{{ role }}\n{{ m['content'] | trim }}<end_of_turn>\n{% endfor %}"
          "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}")
GEMMA3 = ("{{ bos_token }}{% if messages[0]['role'] == 'system' %}{% set first = messages[0]['content'] + '\n\n' %}"
          "{% set turns = messages[1:] %}{% else %}{% set first = '' %}{% set turns = messages %}{% endif %}"
          "{% for m in turns %}{% set role = 'model' if m['role'] == 'assistant' else m['role'] %}"
          "<start_of_turn>{{ role }}\n{{ (first if loop.first else '') + m['content'] | trim }}<end_of_turn>\n{% endfor %}"
          "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}")

# arch: (special tokens, from 0: bos, eos first; chat template)
FAMILIES = {
    "llama": (["<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>"], LLAMA3),
    "qwen2": (["<|endoftext|>", "<|im_end|>", "<|im_start|>"], CHATML_DEFAULT_SYSTEM),
    "gemma2": (["<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>", "<pad>"], GEMMA2),
    "gemma3": (["<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>", "<pad>"], GEMMA3),
    "gpt2": (["<|endoftext|>"], None),
}


def config_of(arch, vocab, dims):
    from transformers import Gemma2Config, Gemma3TextConfig, GPT2Config, LlamaConfig, Qwen2Config

    d, ff, n, heads, kv = dims["d_model"], dims["d_ff"], dims["layers"], dims["heads"], dims["kv_heads"]
    ids = {"bos_token_id": 0, "eos_token_id": 1, "pad_token_id": 1}
    if arch == "gpt2":
        return GPT2Config(vocab_size=vocab, n_embd=d, n_layer=n, n_head=heads, n_positions=512, **{**ids, "eos_token_id": 0, "pad_token_id": 0})
    common = dict(vocab_size=vocab, hidden_size=d, intermediate_size=ff, num_hidden_layers=n, num_attention_heads=heads,
                  num_key_value_heads=kv, max_position_embeddings=512, **ids)
    if arch == "llama":
        return LlamaConfig(**common)
    if arch == "qwen2":
        return Qwen2Config(**common)
    # A sliding window shorter than the tiny config's 64-token windows, so the local layers' masks matter.
    if arch == "gemma2":
        return Gemma2Config(**common, head_dim=d // heads, sliding_window=16)
    return Gemma3TextConfig(**common, head_dim=d // heads, sliding_window=16)


def write_tiny_hf(arch, out, seed=0, dims=DIMS):
    """A random `arch` model and its tokenizer saved to the folder `out`."""
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

    specials, template = FAMILIES[arch]
    tokens, types, merges = tiny_vocab(specials)
    tok = Tokenizer.from_str(json.dumps(tokenizer_json({"model": "gpt2", "tokens": tokens, "token_type": types, "merges": merges})))
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config_of(arch, len(tokens), dims))
    model.save_pretrained(out)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=specials[0], eos_token=specials[min(1, len(specials) - 1)],
                                   pad_token=specials[-1] if arch.startswith("gemma") else None)
    if template:
        fast.chat_template = template
    fast.save_pretrained(out)
    return out


def write_planted(base, out, direction, scale):
    """BASE's twin with `scale` * direction added to every token embedding: the residual stream
    carries it to every hook unchanged, so model diffing must rank first the latent whose
    decoder row it is (test/pack-builder/byo.test.ts checks --tuned this way)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(base)
    d = torch.as_tensor(direction, dtype=torch.float32)
    with torch.no_grad():
        emb = model.get_input_embeddings().weight
        emb.add_(scale * d / d.norm())
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(base).save_pretrained(out)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("arch", help=f"one of {', '.join(sorted(FAMILIES))}, or the base folder with --plant")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--plant", action="store_true", help="write ARCH's (a folder's) twin along an SAE latent's decoder row")
    ap.add_argument("--sae")
    ap.add_argument("--latent", type=int)
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args()
    if args.plant:
        from .sae_formats import read

        write_planted(args.arch, args.out, read(args.sae)[1]["W_dec"][args.latent], args.scale)
    else:
        write_tiny_hf(args.arch, args.out, args.seed)


if __name__ == "__main__":
    main()
