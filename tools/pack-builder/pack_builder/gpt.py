"""A small pre-LayerNorm GPT. Tied input/output embeddings: the output layer dominates
the cost at this scale, and tying halves its parameters."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads, ctx):
        super().__init__()
        self.heads, self.dh = heads, d // heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.register_buffer("causal", torch.full((ctx, ctx), float("-inf")).triu(1), persistent=False)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, self.heads, self.dh).permute(2, 0, 3, 1, 4).unbind(0)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.dh) + self.causal[:t, :t]
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab, d_model, layers, heads, ctx):
        super().__init__()
        self.ctx = ctx
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(ctx, d_model)
        self.blocks = nn.ModuleList(Block(d_model, heads, ctx) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d_model)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def hidden(self, ids, upto):
        """Residual stream after block `upto` (blocks.<upto>.hook_resid_post)."""
        x = self.tok(ids) + self.pos(torch.arange(ids.shape[1], device=ids.device))
        for block in self.blocks[: upto + 1]:
            x = block(x)
        return x

    def forward(self, ids):
        x = self.hidden(ids, len(self.blocks) - 1)
        return self.ln_f(x) @ self.tok.weight.T

    def next_logits(self, ids):
        """Logits of the last position only: sampling needs no more."""
        x = self.hidden(ids, len(self.blocks) - 1)[:, -1]
        return self.ln_f(x) @ self.tok.weight.T

    def loss(self, ids, mask=None):
        """Next-token loss; `mask` [b, t] (1 = predict this token) restricts it, e.g. to assistant text."""
        logits = self(ids[:, :-1])
        target = ids[:, 1:]
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), reduction="none")
        if mask is None:
            return loss.mean()
        m = mask[:, 1:].reshape(-1).float()
        return (loss * m).sum() / m.sum().clamp(min=1)


class HookModel(nn.Module):
    """What the pack exports: blocks up to the hook; pads zeroed (which also keeps attention_mask in the graph)."""

    def __init__(self, gpt, hook_layer):
        super().__init__()
        self.gpt, self.hook_layer = gpt, hook_layer

    def forward(self, input_ids, attention_mask):
        h = self.gpt.hidden(input_ids, self.hook_layer)
        return h * attention_mask.unsqueeze(-1).to(h.dtype)


def build(cfg, vocab):
    m = cfg["model"]
    return GPT(vocab, m["d_model"], m["layers"], m["heads"], m["ctx"])
