"""BatchTopK SAE (Bussmann et al. 2024), exported as JumpReLU.

Trained with a batch-level top-k (k * batch activations kept per batch); for inference
BatchTopK replaces that with one threshold theta, the running mean of the smallest
kept activation. relu(pre) * (pre > theta) is exactly SAELens' JumpReLU with every
threshold = theta, so the scanner reads a latent with one dot product per token
instead of a full encode (which TopK would need).
"""

import torch
import torch.nn as nn


class BatchTopKSAE(nn.Module):
    def __init__(self, d_in, d_sae, k):
        super().__init__()
        self.k = k
        w = torch.randn(d_in, d_sae)
        w = w / w.norm(dim=0, keepdim=True)
        self.W_enc = nn.Parameter(w.clone())
        self.W_dec = nn.Parameter(w.T.clone())
        self.b_enc = nn.Parameter(torch.zeros(d_sae))
        self.b_dec = nn.Parameter(torch.zeros(d_in))
        self.register_buffer("theta", torch.tensor(0.0))

    def pre(self, x):
        return (x - self.b_dec) @ self.W_enc + self.b_enc

    def encode_train(self, x):
        acts = self.pre(x).relu()
        flat = acts.flatten()
        top = flat.topk(self.k * x.shape[0])
        kept = torch.zeros_like(flat).scatter_(0, top.indices, top.values).view_as(acts)
        with torch.no_grad():
            smallest = top.values[top.values > 0].min() if (top.values > 0).any() else self.theta
            self.theta.mul_(0.99).add_(0.01 * smallest)  # running mean of the cut-off
        return kept

    def encode(self, x):
        """The inference encode, as the scanner computes it (JumpReLU at theta)."""
        pre = self.pre(x)
        return pre * (pre > self.theta) * (pre > 0)

    def decode(self, z):
        return z @ self.W_dec + self.b_dec

    @torch.no_grad()
    def normalize_decoder(self):
        self.W_dec.div_(self.W_dec.norm(dim=1, keepdim=True).clamp(min=1e-8))


class PublicSAE(nn.Module):
    """A pack's sae/ (cfg and tensors as sae_formats.read gives them) as the scanner encodes it
    (src/core/sae/input.ts and encode.ts): SAELens' input processing, then standard, TopK or
    JumpReLU. A public SAE (--sae) is used this way in every stage."""

    def __init__(self, cfg, tensors):
        super().__init__()
        self.cfg = cfg
        for name, value in tensors.items():
            self.register_parameter(name, nn.Parameter(torch.as_tensor(value, dtype=torch.float32), requires_grad=False))

    def process_in(self, h):
        norm, h = self.cfg["normalize_activations"], h.float()
        if norm == "constant_norm_rescale":
            h = h * (h.shape[-1] ** 0.5 / h.norm(dim=-1, keepdim=True))
        elif norm == "layer_norm":
            h = h - h.mean(-1, keepdim=True)
            h = h / (h.std(-1, keepdim=True) + 1e-5)  # torch's std is unbiased, as SAELens'
        elif norm == "expected_average_only_in" and self.cfg.get("norm_scaling_factor") is not None:
            h = h * self.cfg["norm_scaling_factor"]
        return h - self.b_dec if self.cfg["apply_b_dec_to_input"] else h

    def activate(self, pre, cols=None):
        arch = self.cfg["architecture"]
        if arch == "jumprelu":
            theta = self.threshold if cols is None else self.threshold[cols]
            return pre * (pre > theta) * (pre > 0)
        acts = pre.relu()
        if arch == "topk":
            top = acts.topk(self.cfg["k"], dim=-1)
            acts = torch.zeros_like(acts).scatter_(-1, top.indices, top.values)
        return acts

    def pre(self, h):
        return self.process_in(h) @ self.W_enc + self.b_enc

    def encode(self, h):
        return self.activate(self.pre(h))

    def jump_thresholds(self):
        """Each latent's JumpReLU threshold; None for other architectures."""
        return self.threshold if self.cfg["architecture"] == "jumprelu" else None

    def encode_columns(self, h, cols):
        """Only the given latents' activations; a TopK SAE needs the full encode to know them."""
        if self.cfg["architecture"] == "topk":
            return self.encode(h)[:, cols]
        return self.activate(self.process_in(h) @ self.W_enc[:, cols] + self.b_enc[cols], cols)
