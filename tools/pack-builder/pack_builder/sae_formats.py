"""Public SAEs (`--sae PATH`) read into the pack's SAELens layout: (cfg, tensors), cfg as
docs/pack-format.md describes sae/cfg.json, tensors float32 numpy W_enc [d_in, d_sae],
b_enc [d_sae], W_dec [d_sae, d_in], b_dec [d_in] and, for JumpReLU, threshold [d_sae].
Each converter keeps its source's encode exactly (tests/test_sae_formats.py checks each
against a numpy transcription of that source's own encode; sae.PublicSAE is the pack's encode):

- SAELens folder (cfg.json + sae_weights.safetensors): as it is; `log_threshold` becomes
  `threshold`, pre-6.0 configs are read as SAELens reads them (activation_fn topk -> topk,
  a boolean normalize_activations).
- Gemma Scope (params.npz, or its folder): JumpReLU, pre = x W_enc + b_enc, kept where
  pre > threshold; the input is neither shifted by b_dec nor normalised.
- Gemma Scope 2 (params.safetensors + config.json): the same JumpReLU convention, keys in
  lower case (w_enc, w_dec); config.json's width must match. Transcoders and crosscoders
  (their extra tensors or a different d_out) are refused. This layout is taken from public
  code that loads the release; no released file could be downloaded here to check it.
- EleutherAI sparsify (cfg.json + sae.safetensors): TopK of relu((x - b_dec) encoder.weight^T
  + encoder.bias). The TypeScript `persona-lens convert-sae --from sparsify` converts the same
  way; tests/test_sae_formats.py runs both on one file and compares (so does Gemma Scope).
- Llama Scope (hyperparams.json + checkpoints/final.safetensors): as SAELens' llama_scope
  loader reads it: JumpReLU with one threshold jump_relu_threshold * s for every latent, the
  input scaled by s = sqrt(d_model) / dataset_average_activation_norm.in (our
  norm_scaling_factor), b_dec not subtracted.
- dictionary_learning (ae.pt, optionally its config.json beside it; the persona-feature SAEs
  of Chen et al. and andyrdt's released ones are of this kind), told apart by their tensors:
  BatchTopKSAE and MatryoshkaBatchTopKSAE (a scalar `threshold` and `k`) encode at inference
  as relu((x - b_dec) W + b) kept above threshold: JumpReLU with that threshold for every
  latent, b_dec subtracted (a threshold below 0, never set in training, leaves them TopK
  over single tokens instead); AutoEncoderTopK: TopK k, b_dec subtracted; AutoEncoder
  (`bias`): standard ReLU, the bias subtracted from the input; JumpReluAutoEncoder (W_enc,
  threshold per latent): JumpReLU, b_dec subtracted only where config.json's trainer says
  apply_b_dec_to_input.
"""

import json
from pathlib import Path

import numpy as np

FORMATS = ("saelens", "gemma-scope", "gemma-scope-2", "sparsify", "llama-scope", "dictionary-learning")


def detect(path):
    """Which public layout `path` (a file or folder) holds."""
    p = Path(path)
    if p.is_file():
        if p.name.endswith(".npz"):
            return "gemma-scope"
        if p.suffix in (".pt", ".pth"):
            return "dictionary-learning"
        raise ValueError(f"{p}: not an SAE file this builder reads (params.npz, ae.pt)")
    has = lambda name: (p / name).exists()
    for fmt, files in (("saelens", ["cfg.json", "sae_weights.safetensors"]), ("sparsify", ["cfg.json", "sae.safetensors"]),
                       ("gemma-scope-2", ["config.json", "params.safetensors"]), ("gemma-scope", ["params.npz"]),
                       ("llama-scope", ["hyperparams.json", "checkpoints/final.safetensors"]), ("dictionary-learning", ["ae.pt"])):
        if all(has(f) for f in files):
            return fmt
    raise ValueError(f"{p}: no SAE layout found (looked for: SAELens cfg.json + sae_weights.safetensors, sparsify cfg.json + "
                     "sae.safetensors, Gemma Scope params.npz, Gemma Scope 2 config.json + params.safetensors, Llama Scope "
                     "hyperparams.json + checkpoints/final.safetensors, dictionary_learning ae.pt)")


def read(path, fmt=None):
    """(cfg, tensors) of a public SAE; fmt defaults to detect(path)."""
    fmt = fmt or detect(path)
    p = Path(path)
    reader = {"saelens": saelens, "gemma-scope": gemma_scope, "gemma-scope-2": gemma_scope_2, "sparsify": sparsify,
              "llama-scope": llama_scope, "dictionary-learning": dictionary_learning}[fmt]
    cfg, t = reader(p)
    return _checked(cfg, t, f"{p} ({fmt})")


def saelens(p):
    cfg = json.loads((p / "cfg.json").read_text())
    t = _safetensors(p / "sae_weights.safetensors")
    if "log_threshold" in t and "threshold" not in t:
        t["threshold"] = np.exp(t.pop("log_threshold"))
    arch = cfg.get("architecture", "standard")
    if arch == "standard" and cfg.get("activation_fn", cfg.get("activation_fn_str")) == "topk":
        arch = "topk"  # SAELens before 6.0
    k = cfg.get("k", (cfg.get("activation_fn_kwargs") or {}).get("k"))
    norm = cfg.get("normalize_activations")
    norm = {True: "expected_average_only_in", False: "none", None: "none"}.get(norm, norm)
    return _cfg(arch, t, cfg.get("apply_b_dec_to_input", True), k=k, norm=norm, factor=cfg.get("norm_scaling_factor"),
                hook=cfg.get("hook_name", cfg.get("hook_point"))), t


def gemma_scope(p):
    f = p / "params.npz" if p.is_dir() else p
    with np.load(f) as z:
        t = {k.replace("w_", "W_", 1) if k.startswith("w_") else k: np.asarray(z[k], dtype=np.float32) for k in z.files}
    return _cfg("jumprelu", t, False), t


def gemma_scope_2(p):
    conf = json.loads((p / "config.json").read_text())
    t = {k.replace("w_", "W_", 1) if k.startswith("w_") else k: v for k, v in _safetensors(p / "params.safetensors").items()}
    extra = set(t) - {"W_enc", "W_dec", "b_enc", "b_dec", "threshold"}
    if extra or t["W_dec"].shape[1] != t["W_enc"].shape[0]:
        raise ValueError(f"{p}: a transcoder or crosscoder ({sorted(extra) or 'W_dec does not map back to d_in'}), not an SAE")
    width = conf.get("width", conf.get("d_sae"))
    if width is not None and int(width) != t["W_enc"].shape[1]:
        raise ValueError(f"{p}: config.json says width {width}, W_enc has {t['W_enc'].shape[1]} latents")
    return _cfg("jumprelu", t, False, hook=conf.get("hook_name")), t


def sparsify(p):
    conf = json.loads((p / "cfg.json").read_text())
    if conf.get("activation", "topk") != "topk" or conf.get("transcode") or conf.get("signed"):
        raise ValueError(f"{p}: only TopK SAEs (not transcoders, not signed) are supported")
    s = _safetensors(p / "sae.safetensors")
    t = {"W_enc": s["encoder.weight"].T.copy(), "b_enc": s["encoder.bias"], "W_dec": s["W_dec"], "b_dec": s["b_dec"]}
    return _cfg("topk", t, True, k=conf["k"]), t


def llama_scope(p):
    hyper = json.loads((p / "hyperparams.json").read_text())
    s = _safetensors(p / "checkpoints" / "final.safetensors")
    d_in = hyper["d_model"]
    factor = d_in ** 0.5 / hyper["dataset_average_activation_norm"]["in"]
    t = {"W_enc": s["encoder.weight"].T.copy(), "b_enc": s["encoder.bias"], "W_dec": s["decoder.weight"].T.copy(),
         "b_dec": s["decoder.bias"]}
    t["threshold"] = np.full(t["b_enc"].shape, hyper["jump_relu_threshold"] * factor, dtype=np.float32)
    return _cfg("jumprelu", t, False, norm="expected_average_only_in", factor=factor, hook=hyper.get("hook_point_in")), t


def dictionary_learning(p):
    import torch

    f = p / "ae.pt" if p.is_dir() else p
    sd = {k: v.float().numpy() for k, v in torch.load(f, map_location="cpu", weights_only=True).items()}
    conf_file = f.parent / "config.json"
    trainer = json.loads(conf_file.read_text()).get("trainer", {}) if conf_file.exists() else {}
    if "r_mag" in sd:
        raise ValueError(f"{f}: a GatedAutoEncoder; gated SAEs are not supported")
    if "encoder.weight" in sd:
        t = {"W_enc": sd["encoder.weight"].T.copy(), "W_dec": sd["decoder.weight"].T.copy(),
             "b_enc": sd.get("encoder.bias", np.zeros(sd["encoder.weight"].shape[0], np.float32)),
             "b_dec": sd["b_dec"] if "b_dec" in sd else sd["bias"]}
    else:
        t = {k: sd[k] for k in ("W_enc", "b_enc", "W_dec", "b_dec")}
    if "k" in sd:  # (Matryoshka) BatchTopK or TopK: a threshold learnt in training makes them JumpReLU
        theta = float(sd.get("threshold", -1.0))
        batch = "encoder.weight" not in sd or trainer.get("dict_class", "BatchTopKSAE") != "AutoEncoderTopK"
        if batch and theta >= 0:
            t["threshold"] = np.full(t["b_enc"].shape, theta, dtype=np.float32)
            return _cfg("jumprelu", t, True, hook=_dl_hook(trainer)), t
        return _cfg("topk", t, True, k=int(sd["k"]), hook=_dl_hook(trainer)), t
    if "threshold" in sd:  # JumpReluAutoEncoder
        t["threshold"] = sd["threshold"]
        return _cfg("jumprelu", t, bool(trainer.get("apply_b_dec_to_input", False)), hook=_dl_hook(trainer)), t
    return _cfg("standard", t, True, hook=_dl_hook(trainer)), t


def _dl_hook(trainer):
    return f"blocks.{trainer['layer']}.hook_resid_post" if "layer" in trainer else None


def _cfg(arch, t, apply_b_dec, k=None, norm="none", factor=None, hook=None):
    d_in, d_sae = t["W_enc"].shape
    cfg = {"architecture": arch, "d_in": int(d_in), "d_sae": int(d_sae), "dtype": "float32",
           "apply_b_dec_to_input": bool(apply_b_dec), "normalize_activations": norm or "none"}
    if arch == "topk":
        cfg["k"] = int(k)
        cfg["activation_fn_kwargs"] = {"k": int(k)}
    if factor is not None:
        cfg["norm_scaling_factor"] = float(factor)
    if hook:
        cfg["hook_name"] = hook
    return cfg


def _checked(cfg, t, where):
    d_in, d_sae = cfg["d_in"], cfg["d_sae"]
    shapes = {"W_enc": (d_in, d_sae), "b_enc": (d_sae,), "W_dec": (d_sae, d_in), "b_dec": (d_in,)}
    if cfg["architecture"] == "jumprelu":
        shapes["threshold"] = (d_sae,)
    if cfg["architecture"] not in ("standard", "topk", "jumprelu"):
        raise ValueError(f"{where}: architecture {cfg['architecture']!r} is not supported (standard, topk, jumprelu)")
    out = {}
    for name, shape in shapes.items():
        if name not in t or tuple(t[name].shape) != shape:
            raise ValueError(f"{where}: {name} must have shape {list(shape)}, has {list(t[name].shape) if name in t else 'none'}")
        out[name] = np.ascontiguousarray(t[name], dtype=np.float32)
    return cfg, out


def _safetensors(path):
    from safetensors.numpy import load_file

    try:
        return {k: v.astype(np.float32) for k, v in load_file(str(path)).items()}
    except TypeError:  # bfloat16, which numpy lacks
        from safetensors.torch import load_file as load_torch

        return {k: v.float().numpy() for k, v in load_torch(str(path)).items()}

