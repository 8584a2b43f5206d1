"""Public SAE layouts (--sae): a random SAE written in each, read by sae_formats, must encode
(PublicSAE, the pack's semantics) exactly as a numpy transcription of that project's own encode.
Gemma Scope and sparsify are also converted by the TypeScript CLI (convert-sae): both
converters must write the same SAE."""

import json
import subprocess

import numpy as np
import pytest
import torch

from pack_builder import sae_formats
from pack_builder.common import ROOT
from pack_builder.sae import PublicSAE
from pack_builder.tiny_sae import DL_VARIANTS, K, random_weights, write

D_IN = 16


def relu(x):
    return np.maximum(x, 0)


def topk_rows(acts, k):
    out = np.zeros_like(acts)
    idx = np.argsort(-acts, axis=1, kind="stable")[:, :k]
    np.put_along_axis(out, idx, np.take_along_axis(acts, idx, 1), 1)
    return out


def theirs(fmt, variant, t):
    """Each project's encode, from its own code, on the weights tiny_sae wrote (seed 0)."""
    W, b, bd, th = t["W_enc"].astype(np.float64), t["b_enc"], t["b_dec"], t["threshold"]
    if fmt in ("gemma-scope", "gemma-scope-2"):  # JumpReLUSAE: relu(pre) * (pre > threshold), no b_dec on the input
        return lambda x: (lambda pre: relu(pre) * (pre > th))(x @ W + b)
    if fmt == "sparsify":  # top-k of relu(encoder(x - b_dec))
        return lambda x: topk_rows(relu((x - bd) @ W + b), K)
    if fmt == "llama-scope":  # SAELens' loader, the dataset norm folded into W_enc as SAELens folds it
        s = np.sqrt(D_IN) / (3.0 * np.sqrt(D_IN) / 2)
        return lambda x: (lambda pre: pre * (pre > 0.05 * s))(x @ (W * s) + b)
    if fmt == "saelens":
        return {"topk": lambda x: topk_rows(relu((x - bd) @ W + b), K), "standard": lambda x: relu((x - bd) @ W + b),
                "jumprelu": lambda x: (lambda pre: pre * (pre > th) * (pre > 0))((x - bd) @ W + b)}[variant]
    # dictionary_learning
    if variant in ("BatchTopKSAE", "MatryoshkaBatchTopKSAE"):  # encode(use_threshold=True)
        return lambda x: (lambda post: post * (post > 0.1))(relu((x - bd) @ W + b))
    if variant == "AutoEncoderTopK":  # encode(use_threshold=False)
        return lambda x: topk_rows(relu((x - bd) @ W + b), K)
    if variant == "AutoEncoder":
        return lambda x: relu((x - bd) @ W + b)
    return lambda x: relu((lambda pre: pre * (pre > th))(x @ W + b))  # JumpReluAutoEncoder, apply_b_dec_to_input False


CASES = [("gemma-scope", None), ("gemma-scope-2", None), ("sparsify", None), ("llama-scope", None),
         ("saelens", "topk"), ("saelens", "standard"), ("saelens", "jumprelu")] + [("dictionary-learning", v) for v in DL_VARIANTS]


@pytest.mark.parametrize("fmt, variant", CASES)
def test_each_layout_encodes_as_its_source(tmp_path, fmt, variant):
    path = write(fmt, tmp_path / "sae", D_IN, layer=1, variant=variant)
    assert sae_formats.detect(path) == fmt
    cfg, t = sae_formats.read(path)
    x = np.random.default_rng(5).standard_normal((50, D_IN)) * 2
    ours = PublicSAE(cfg, t).encode(torch.from_numpy(x).float()).double().numpy()
    want = theirs(fmt, variant, random_weights(D_IN, 128, 0))(x)
    assert (want > 0).sum() > 20, "latents must fire for the comparison to mean something"
    assert np.abs(ours - want).max() < 1e-4
    cols = [3, 40, 99]
    assert np.abs(PublicSAE(cfg, t).encode_columns(torch.from_numpy(x).float(), cols).double().numpy() - want[:, cols]).max() < 1e-4


def test_a_transcoder_is_refused(tmp_path):
    path = write("gemma-scope-2", tmp_path / "tc", D_IN, layer=1)
    from safetensors.numpy import load_file, save_file

    t = load_file(str(path / "params.safetensors"))
    save_file({**t, "w_skip": np.zeros((D_IN, D_IN), np.float32)}, str(path / "params.safetensors"))
    with pytest.raises(ValueError, match="transcoder"):
        sae_formats.read(path)


CLI = ROOT / "bin" / "persona-lens.js"


@pytest.mark.skipif(not (ROOT / "dist").exists(), reason="needs the built CLI (npm run build)")
@pytest.mark.parametrize("fmt, flag", [("gemma-scope", "gemma-scope"), ("sparsify", "sparsify")])
def test_the_typescript_converter_writes_the_same_sae(tmp_path, fmt, flag):
    from safetensors.numpy import load_file

    path = write(fmt, tmp_path / "sae", D_IN, layer=1)
    subprocess.run(["node", str(CLI), "convert-sae", "--from", flag, str(path), str(tmp_path / "ts")], check=True,
                   capture_output=True)
    ts_cfg = json.loads((tmp_path / "ts" / "cfg.json").read_text())
    ts = load_file(str(tmp_path / "ts" / "sae_weights.safetensors"))
    cfg, t = sae_formats.read(path)
    for key in ("architecture", "d_in", "d_sae", "apply_b_dec_to_input", "normalize_activations", "k"):
        assert cfg.get(key) == ts_cfg.get(key), key
    assert sorted(ts) == sorted(t)
    for name in t:
        assert np.array_equal(ts[name], t[name]), name
