"""Python twin of the scanner's scoring path: render, tokenise, windows of `ctx` tokens,
hidden state at the hook of the scored (assistant) tokens and of the prompt ends, SAE latents."""

import numpy as np
import torch

from .common import DEVICE
from .data import render, scored_spans


def prepare(encoder, messages, ctx):
    """(ids, scored positions, [(window start, end)]) as the scanner plans them."""
    text = render(messages, encoder.fmt)
    ids, offsets = encoder.encode_offsets(text)
    spans = scored_spans(messages, encoder.fmt)
    # The scanner assigns a token to the segment holding its middle character.
    mid = [(s + max(s, e - 1)) >> 1 for s, e in offsets]
    scored = [i for i, m in enumerate(mid) if any(a <= m < b for a, b in spans)]
    return ids, scored, plan_windows(len(ids), ctx)


def plan_windows(n, ctx):
    """[(start, end)] windows of at most ctx tokens overlapping by half (src/core/score/batching.ts planWindows)."""
    if n <= ctx:
        return [(0, n)]
    stride, windows, start = max(1, ctx // 2), [], 0
    while True:
        windows.append((start, min(n, start + ctx)))
        if windows[-1][1] == n:
            return windows
        start += stride


def prompt_ends(scored):
    """The token before each run of consecutive scored positions, where there is one (src/core/score/calibrate.ts promptEnds)."""
    return [p - 1 for k, p in enumerate(scored) if p > 0 and (k == 0 or scored[k - 1] != p - 1)]


def window_of(pos, windows):
    if len(windows) == 1:
        return 0
    size, stride = windows[0][1] - windows[0][0], windows[1][0]
    return min(max(0, -(-(pos - size + 1) // stride)), len(windows) - 1)


def scored_hidden(hidden_fn, encoder, examples, ctx, pad_id, batch_tokens=4096):
    """Per example, the hidden states [n_scored, ...] of its scored tokens; hidden_fn(ids, mask)
    gives [batch, seq, ...] (the hook's residual stream, or several layers')."""
    return [tokens for tokens, _ in example_states(hidden_fn, encoder, examples, ctx, pad_id, batch_tokens)]


@torch.no_grad()
def example_states(hidden_fn, encoder, examples, ctx, pad_id, batch_tokens=4096):
    """Per example, (hidden states [n_scored, ...] of its scored tokens, those [n_ends, ...] of its
    prompt ends), each read from the window that gives it the most left context, as the scanner does."""
    preps = [prepare(encoder, m, ctx) for m in examples]
    jobs = []  # (length, example, window index)
    for e, (_, _, windows) in enumerate(preps):
        jobs += [(w[1] - w[0], e, wi) for wi, w in enumerate(windows)]
    jobs.sort(key=lambda j: -j[0])
    out = {}
    i = 0
    while i < len(jobs):
        seq = jobs[i][0]
        rows = jobs[i : i + max(1, batch_tokens // max(seq, 1))]
        i += len(rows)
        ids = torch.full((len(rows), seq), pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), seq), dtype=torch.long)
        for r, (length, e, wi) in enumerate(rows):
            s, t = preps[e][2][wi]
            ids[r, :length] = torch.tensor(preps[e][0][s:t])
            mask[r, :length] = 1
        h = hidden_fn(ids.to(DEVICE), mask.to(DEVICE))
        for r, (_, e, wi) in enumerate(rows):
            out[(e, wi)] = h[r]
    def states(e, positions):
        windows = preps[e][2]
        picks = [out[(e, window_of(p, windows))][p - windows[window_of(p, windows)][0]] for p in positions]
        return torch.stack(picks) if picks else torch.zeros((0, *h.shape[2:]), device=DEVICE)

    return [(states(e, scored), states(e, prompt_ends(scored))) for e, (_, scored, _) in enumerate(preps)]


@torch.no_grad()
def latent_stats_of(sae, hidden):
    """Per example and latent, the mean and max SAE activation over its scored tokens
    (hidden states from scored_hidden): two [n, d_sae] arrays."""
    means, maxes = [], []
    for h in hidden:
        z = sae.encode(h) if len(h) else torch.zeros(1, sae.b_enc.shape[0], device=DEVICE)
        means.append(z.mean(0).cpu().numpy())
        maxes.append(z.max(0).values.cpu().numpy())
    return np.stack(means), np.stack(maxes)
