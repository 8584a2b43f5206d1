"""Random SAEs written in each public layout sae_formats reads, as each project writes them
(tests build them at test time; nothing here is committed). Thresholds and biases are small
enough that latents fire on a tiny random model's residual stream.

    python -m pack_builder.tiny_sae FORMAT DIR --d-in 64 --layer N [--variant V]
"""

import argparse
import json
from pathlib import Path

import numpy as np

D_SAE, K = 128, 8
# dictionary_learning's classes (the variant) and the tensors each saves.
DL_VARIANTS = ("BatchTopKSAE", "MatryoshkaBatchTopKSAE", "AutoEncoderTopK", "AutoEncoder", "JumpReluAutoEncoder")


def random_weights(d_in, d_sae, seed):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((d_in, d_sae)).astype(np.float32) / np.sqrt(d_in)
    return {"W_enc": w, "W_dec": np.ascontiguousarray(w.T * rng.uniform(0.5, 2.0, (d_sae, 1)), dtype=np.float32),
            "b_enc": (rng.standard_normal(d_sae) * 0.1).astype(np.float32),
            "b_dec": (rng.standard_normal(d_in) * 0.1).astype(np.float32),
            "threshold": rng.uniform(0.0, 0.3, d_sae).astype(np.float32)}


def write(fmt, out, d_in, layer, variant=None, seed=0):
    """A random SAE in layout `fmt` under the folder `out`; returns the path to pass as --sae."""
    from safetensors.numpy import save_file

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t = random_weights(d_in, D_SAE, seed)
    hook = f"blocks.{layer}.hook_resid_post"
    if fmt == "saelens":
        arch = variant or "topk"
        cfg = {"architecture": arch, "d_in": d_in, "d_sae": D_SAE, "dtype": "float32", "apply_b_dec_to_input": True,
               "normalize_activations": "none", "metadata": {"hook_name": hook}, "hook_name": hook}
        if arch == "topk":
            cfg["k"] = K
        if arch != "jumprelu":
            t.pop("threshold")
        (out / "cfg.json").write_text(json.dumps(cfg))
        save_file(t, str(out / "sae_weights.safetensors"))
        return out
    if fmt == "gemma-scope":
        np.savez(out / "params.npz", **t)
        return out / "params.npz"
    if fmt == "gemma-scope-2":
        save_file({k.replace("W_", "w_"): v for k, v in t.items()}, str(out / "params.safetensors"))
        (out / "config.json").write_text(json.dumps({"width": D_SAE, "model_name": "tiny", "hook_name": hook}))
        return out
    if fmt == "sparsify":
        save_file({"encoder.weight": np.ascontiguousarray(t["W_enc"].T), "encoder.bias": t["b_enc"], "W_dec": t["W_dec"],
                   "b_dec": t["b_dec"]}, str(out / "sae.safetensors"))
        (out / "cfg.json").write_text(json.dumps({"activation": "topk", "k": K, "num_latents": D_SAE, "expansion_factor": 2,
                                                  "normalize_decoder": True, "d_in": d_in}))
        return out
    if fmt == "llama-scope":
        (out / "checkpoints").mkdir(exist_ok=True)
        save_file({"encoder.weight": np.ascontiguousarray(t["W_enc"].T), "encoder.bias": t["b_enc"],
                   "decoder.weight": np.ascontiguousarray(t["W_dec"].T), "decoder.bias": t["b_dec"]},
                  str(out / "checkpoints" / "final.safetensors"))
        (out / "hyperparams.json").write_text(json.dumps({
            "d_model": d_in, "d_sae": D_SAE, "jump_relu_threshold": 0.05, "hook_point_in": hook, "hook_point_out": hook,
            "norm_activation": "dataset-wise", "dataset_average_activation_norm": {"in": 3.0 * np.sqrt(d_in) / 2, "out": 1.0}}))
        return out
    if fmt == "dictionary-learning":
        import torch

        variant = variant or "BatchTopKSAE"
        f = lambda a: torch.from_numpy(np.ascontiguousarray(a))
        if variant in ("BatchTopKSAE", "AutoEncoderTopK"):
            sd = {"encoder.weight": f(t["W_enc"].T), "encoder.bias": f(t["b_enc"]), "decoder.weight": f(t["W_dec"].T),
                  "b_dec": f(t["b_dec"]), "k": torch.tensor(K, dtype=torch.int),
                  "threshold": torch.tensor(0.1 if variant == "BatchTopKSAE" else -1.0)}
        elif variant == "MatryoshkaBatchTopKSAE":
            sd = {k: f(t[k]) for k in ("W_enc", "b_enc", "W_dec", "b_dec")}
            sd.update({"k": torch.tensor(K, dtype=torch.int), "threshold": torch.tensor(0.1), "group_sizes": torch.tensor([32, 96])})
        elif variant == "AutoEncoder":
            sd = {"encoder.weight": f(t["W_enc"].T), "encoder.bias": f(t["b_enc"]), "decoder.weight": f(t["W_dec"].T),
                  "bias": f(t["b_dec"])}
        else:
            sd = {k: f(t[k]) for k in ("W_enc", "b_enc", "W_dec", "b_dec", "threshold")}
        torch.save(sd, out / "ae.pt")
        (out / "config.json").write_text(json.dumps({"trainer": {"dict_class": variant, "layer": layer, "activation_dim": d_in,
                                                                 "dict_size": D_SAE, "k": K, "lm_name": "tiny"}}))
        return out / "ae.pt"
    raise ValueError(f"unknown format {fmt}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("format")
    ap.add_argument("out")
    ap.add_argument("--d-in", type=int, required=True)
    ap.add_argument("--layer", type=int, required=True)
    ap.add_argument("--variant")
    args = ap.parse_args()
    print(write(args.format, args.out, args.d_in, args.layer, args.variant))


if __name__ == "__main__":
    main()
