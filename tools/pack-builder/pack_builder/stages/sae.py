"""Stage sae: BatchTopK SAE on the activations stage's shards (the base model's residual
stream at the hook), exported as JumpReLU with one threshold. The last shard is held out
for FVE, L0 and dead latents. Checkpoints every shard, so it resumes.

With --sae (the config's sae.source) a public SAE is read instead (pack_builder/sae_formats.py)
into public/cfg.json + public/sae_weights.safetensors (the pack's layout, float32) and measured
on the same held-out shard."""

import json
import re

import numpy as np
import torch

from .. import sae_formats
from ..common import load_tensors, read_json, seed_everything, write_json
from ..lm import hook_layer
from ..sae import BatchTopKSAE, PublicSAE


def shards(st):
    names = json.loads(st.path("activations", "shards.json").read_text())
    return [st.path("activations", n) for n in names]


def run(st):
    if st.conf.get("source"):
        return public(st)
    cfg, conf = st.cfg, st.conf
    seed_everything(cfg["seed"] + 2)
    files = shards(st)
    held = torch.from_numpy(np.load(files[-1]).astype(np.float32))
    train_files = files[:-1] or files
    first = torch.from_numpy(np.load(train_files[0]).astype(np.float32))
    # Activations are scaled to mean squared norm d_in (SAELens' expected_average_only_in),
    # so the learning rate does not depend on the layer's scale.
    scale = float(np.sqrt(first.shape[1] / first.pow(2).sum(1).mean()))
    sae = BatchTopKSAE(first.shape[1], conf["d_sae"], conf["k"])
    with torch.no_grad():
        sae.b_dec.copy_(first.mean(0) * scale)
    opt = torch.optim.Adam(sae.parameters(), lr=conf["lr"])
    ckpt, done_steps = st.dir / "ckpt.pt", 0
    order = [(e, i) for e in range(conf["epochs"]) for i in range(len(train_files))]
    if ckpt.exists():
        state = load_tensors(ckpt)
        sae.load_state_dict(state["sae"])
        opt.load_state_dict(state["opt"])
        done_steps, scale = state["done"], state["scale"]
        st.log.info("resumed after %d shard passes", done_steps)
    for n, (epoch, i) in enumerate(order):
        if n < done_steps:
            continue
        acts = torch.from_numpy(np.load(train_files[i]).astype(np.float32)) * scale
        perm = torch.randperm(len(acts), generator=torch.Generator().manual_seed(cfg["seed"] * 1000 + n))
        for b in range(0, len(acts) - conf["batch"] + 1, conf["batch"]):
            x = acts[perm[b : b + conf["batch"]]]
            loss = (sae.decode(sae.encode_train(x)) - x).pow(2).sum(-1).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sae.normalize_decoder()
        torch.save({"sae": sae.state_dict(), "opt": opt.state_dict(), "done": n + 1, "scale": scale}, ckpt)
        st.log.info("epoch %d shard %d/%d: mse %.4f theta %.4f", epoch, i + 1, len(train_files), loss.item(), sae.theta.item())
    with torch.no_grad():
        x = held * scale
        z = sae.encode(x)
        fve = 1 - (sae.decode(z) - x).pow(2).sum() / (x - x.mean(0)).pow(2).sum()
        l0 = (z > 0).float().sum(1).mean()
        fired = (z > 0).any(0)
        for f in train_files[-3:]:
            fired |= (sae.encode(torch.from_numpy(np.load(f).astype(np.float32)) * scale) > 0).any(0)
    torch.save({"sae": {k: v.cpu() for k, v in sae.state_dict().items()}, "scale": scale}, st.dir / "sae.pt")
    summary = {"d_sae": conf["d_sae"], "k": conf["k"], "theta": round(sae.theta.item(), 5), "input_scale": scale,
               "train_tokens": int(sum(len(np.load(f, mmap_mode="r")) for f in train_files)) * conf["epochs"],
               "heldout_tokens": len(held), "heldout_fve": round(fve.item(), 4), "heldout_l0": round(l0.item(), 2),
               "dead_latents": int((~fired).sum()), "dead_note": "never fired on the held-out shard and the last 3 training shards"}
    st.log.info("%s", summary)
    return summary


def public(st):
    """A public SAE converted to the pack's layout and measured on the held-out shard."""
    from safetensors.numpy import save_file

    src = st.conf["source"]
    fmt = sae_formats.detect(src)
    cfg, tensors = sae_formats.read(src, fmt)
    (st.dir / "public").mkdir(exist_ok=True)
    write_json(st.dir / "public" / "cfg.json", cfg)
    save_file(tensors, str(st.dir / "public" / "sae_weights.safetensors"))
    named = re.fullmatch(r"blocks\.(\d+)\.hook_resid_post", cfg.get("hook_name") or "")
    if named and int(named.group(1)) != hook_layer(st) - 1:
        raise SystemExit(f"--sae {src} was trained on {cfg['hook_name']}; the pack's hook is --layer {hook_layer(st) - 1}")
    sae = PublicSAE(cfg, tensors)
    held = torch.from_numpy(np.load(shards(st)[-1]).astype(np.float32))
    if held.shape[1] != cfg["d_in"]:
        raise SystemExit(f"--sae {src}: d_in {cfg['d_in']}, but the model's residual stream has {held.shape[1]} dimensions")
    with torch.no_grad():
        z = sae.encode(held)
        x_hat = z @ sae.W_dec + sae.b_dec
        # Reconstruction of the raw residual stream (SAELens' decode undoes no input scaling we apply; Llama Scope's scales).
        scale = cfg.get("norm_scaling_factor") or 1.0
        fve = 1 - (x_hat / scale - held).pow(2).sum() / (held - held.mean(0)).pow(2).sum()
    summary = {"source": src, "format": fmt, **{k: cfg[k] for k in ("architecture", "d_in", "d_sae")}, "k": cfg.get("k"),
               "hook_name": cfg.get("hook_name"), "heldout_tokens": len(held), "heldout_fve": round(fve.item(), 4),
               "heldout_l0": round((z > 0).float().sum(1).mean().item(), 2), "dead_latents": int((~(z > 0).any(0)).sum()),
               "dead_note": "never fired on the held-out shard", "d_sae_note": "a public SAE: not trained here"}
    st.log.info("%s", summary)
    return summary


class ScaledSAE(torch.nn.Module):
    """The SAE on the model's raw residual stream: inputs scaled as in training."""

    def __init__(self, sae, scale):
        super().__init__()
        self.sae, self.scale = sae, scale
        self.b_enc, self.W_dec = sae.b_enc, sae.W_dec

    def pre(self, h):
        return self.sae.pre(h * self.scale)

    def encode(self, h):
        return self.sae.encode(h * self.scale)

    def jump_thresholds(self):
        """Exported as JumpReLU: one threshold, theta, for every latent."""
        return self.sae.theta.expand(self.b_enc.shape[0])

    def encode_columns(self, h, cols):
        """Only the given latents' activations (as the scanner reads a JumpReLU read-out)."""
        sae = self.sae
        pre = (h * self.scale - sae.b_dec) @ sae.W_enc[:, cols] + sae.b_enc[cols]
        return pre * (pre > sae.theta) * (pre > 0)


def load_sae(st):
    """The pipeline's SAE: the trained one (ScaledSAE) or the public one (PublicSAE)."""
    public_dir = st.path("sae", "public")
    if public_dir.exists():
        return PublicSAE(read_json(public_dir / "cfg.json"), sae_formats.saelens(public_dir)[1])
    state = load_tensors(st.path("sae", "sae.pt"))
    w = state["sae"]["W_enc"]
    sae = BatchTopKSAE(w.shape[0], w.shape[1], st.cfg["sae"]["k"])
    sae.load_state_dict(state["sae"])
    return ScaledSAE(sae.eval(), state["scale"])
