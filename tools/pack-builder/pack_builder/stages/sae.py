"""Stage sae: BatchTopK SAE on the base model's residual stream at the hook, trained on
activations of the pretraining mix; reports L0, variance explained and dead latents on
held-out activations."""

import numpy as np
import torch

from ..common import DEVICE, load_tensors, seed_everything
from ..sae import BatchTopKSAE
from ..train import load_model


@torch.no_grad()
def collect(st, model, hook, n_tokens, rng):
    ctx, conf = st.cfg["model"]["ctx"], st.cfg["pretrain"]
    bins = {name: np.fromfile(st.path("tokenizer", f"{name}.bin"), dtype=np.uint16) for name in ("general", "chat")}
    out, have = [], 0
    while have < n_tokens:
        rows = []
        for _ in range(16):
            data = bins["chat" if rng.random() < conf["chat_fraction"] else "general"]
            start = rng.integers(0, len(data) - ctx)
            rows.append(torch.from_numpy(data[start : start + ctx].astype(np.int64)))
        h = model.hidden(torch.stack(rows).to(DEVICE), hook)[:, 1:]  # position 0 has no context: skip it
        out.append(h.reshape(-1, h.shape[-1]))
        have += out[-1].shape[0]
    return torch.cat(out)[:n_tokens]


def run(st):
    cfg, conf = st.cfg, st.conf
    hook = cfg["model"]["hook_layer"]
    seed_everything(cfg["seed"] + 2)
    model = load_model(st, "pretrain")
    acts = collect(st, model, hook, conf["tokens"], np.random.default_rng(cfg["seed"] + 2))
    held = acts[: conf["tokens"] // 20]
    train_acts = acts[conf["tokens"] // 20 :]
    st.log.info("activations: %d train, %d held out, mean norm %.2f", len(train_acts), len(held), acts.norm(dim=1).mean())

    sae = BatchTopKSAE(acts.shape[1], conf["d_sae"], conf["k"]).to(DEVICE)
    with torch.no_grad():
        sae.b_dec.copy_(train_acts.mean(0))  # start the decoder bias at the data mean
    opt = torch.optim.Adam(sae.parameters(), lr=conf["lr"])
    steps = conf["epochs"] * len(train_acts) // conf["batch"]
    gen = torch.Generator().manual_seed(cfg["seed"] + 2)
    for step in range(steps):
        x = train_acts[torch.randint(0, len(train_acts), (conf["batch"],), generator=gen).to(DEVICE)]
        loss = (sae.decode(sae.encode_train(x)) - x).pow(2).sum(-1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sae.normalize_decoder()
        if (step + 1) % max(1, steps // 10) == 0:
            st.log.info("step %d/%d mse %.4f theta %.4f", step + 1, steps, loss.item(), sae.theta.item())

    with torch.no_grad():
        z = sae.encode(held)
        fve = 1 - (sae.decode(z) - held).pow(2).sum() / (held - held.mean(0)).pow(2).sum()
        l0 = (z > 0).float().sum(1).mean()
        fired = (sae.encode(train_acts[:200_000]) > 0).any(0) | (z > 0).any(0)
    torch.save({k: v.cpu() for k, v in sae.state_dict().items()}, st.dir / "sae.pt")
    summary = {"d_sae": conf["d_sae"], "k": conf["k"], "theta": round(sae.theta.item(), 5), "steps": steps,
               "train_tokens": len(train_acts), "heldout_fve": round(fve.item(), 4), "heldout_l0": round(l0.item(), 2),
               "dead_latents": int((~fired).sum())}
    st.log.info("%s", summary)
    return summary


def load_sae(st):
    done = st.cfg["sae"]
    sae = BatchTopKSAE(st.cfg["model"]["d_model"], done["d_sae"], done["k"]).to(DEVICE)
    sae.load_state_dict(load_tensors(st.path("sae", "sae.pt")))
    return sae.eval()
