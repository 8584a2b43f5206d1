"""Stage export: the pack folder (format 1, see DESIGN.md and src/core/pack/types.ts).

model.onnx (blocks up to the hook), tokenizer.json, sae/ in SAELens layout (JumpReLU),
latents.json, calibration.json, REPORT.md and pack.json with every file's sha256.
Also writes check.jsonl + expected.json beside the pack: Python-side scores of a few
contrast rows, which the TypeScript test compares with the scanner's."""

import json
import shutil
import struct
from datetime import datetime, timezone

import numpy as np
import torch

from .. import gpt
from ..common import DEVICE, ROOT, read_json, sha256_file, write_json
from ..data import RENDER, contrast_rows
from ..score import scored_hidden
from ..train import load_model, load_tokenizer
from .calibrate import aggregate
from .sae import load_sae

MAX_PACK_BYTES = 40_000_000


def write_safetensors(path, tensors):
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name, t in tensors.items():
        raw = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))


def run(st):
    if DEVICE != "cpu":
        raise SystemExit("export runs on the CPU: rerun without PACK_BUILDER_DEVICE (the trained stages are kept)")
    cfg, conf = st.cfg, st.conf
    m, hook = cfg["model"], cfg["model"]["hook_layer"]
    pad = read_json(st.path("tokenizer", "done.json"))["pad_id"]
    pack = st.dir / "pack"
    shutil.rmtree(pack, ignore_errors=True)
    (pack / "sae").mkdir(parents=True)
    base, sae, enc = load_model(st, "pretrain"), load_sae(st), load_tokenizer(st)
    hook_point = f"blocks.{hook}.hook_resid_post"

    ids = torch.ones((2, 8), dtype=torch.long)
    torch.onnx.export(gpt.HookModel(base, hook), (ids, torch.ones_like(ids)), str(pack / "model.onnx"), opset_version=14,
                      input_names=["input_ids", "attention_mask"], output_names=["hidden"],
                      dynamic_axes={n: {0: "batch", 1: "seq"} for n in ("input_ids", "attention_mask", "hidden")})
    shutil.copy(st.path("tokenizer", "tokenizer.json"), pack / "tokenizer.json")
    d_sae = sae.b_enc.shape[0]
    write_safetensors(pack / "sae/sae_weights.safetensors", {
        "W_enc": sae.W_enc, "b_enc": sae.b_enc, "W_dec": sae.W_dec, "b_dec": sae.b_dec,
        "threshold": sae.theta.expand(d_sae)})
    write_json(pack / "sae/cfg.json", {
        "architecture": "jumprelu", "d_in": m["d_model"], "d_sae": d_sae, "dtype": "float32", "device": "cpu",
        "apply_b_dec_to_input": True, "normalize_activations": "none", "reshape_activations": "none",
        "metadata": {"model_name": f"persona-lens-{cfg['name']}", "hook_name": hook_point, "prepend_bos": False,
                     "context_size": m["ctx"], "trained_as": f"BatchTopK k={cfg['sae']['k']}, one threshold"}})
    calibration = read_json(st.path("calibrate", "calibration.json"))
    write_json(pack / "calibration.json", calibration)
    write_json(pack / "latents.json", latents_file(st, calibration))
    shutil.copy(st.path("report", "REPORT.md"), pack / "REPORT.md")

    files = sorted(p for p in pack.rglob("*") if p.is_file())
    manifest = {
        "formatVersion": 1, "name": conf["name"], "version": conf["version"], "license": conf["license"],
        "description": conf["description"],
        "provenance": {"builder": f"tools/pack-builder (config {cfg['name']})",
                       "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "sources": [{k: s[k] for k in ("name", "license", "origin")} for s in read_json(st.path("corpus", "sources.json"))],
                       "notes": conf.get("notes", "")},
        "model": {"dModel": m["d_model"], "hookPoint": hook_point, "padTokenId": pad},
        "render": {**RENDER, "maxTokens": m["ctx"]},
        "files": {p.relative_to(pack).as_posix(): sha256_file(p) for p in files},
    }
    write_json(pack / "pack.json", manifest)
    size = sum(p.stat().st_size for p in pack.rglob("*") if p.is_file())
    if size > MAX_PACK_BYTES:
        raise RuntimeError(f"pack is {size} bytes, over the {MAX_PACK_BYTES} limit")
    write_check(st, base, sae, enc, calibration, pad)
    return {"pack": str(pack.relative_to(ROOT)) if pack.is_relative_to(ROOT) else str(pack), "bytes": size}


def latents_file(st, calibration):
    readout = {r["latent"] for r in calibration["readout"]}
    latents = read_json(st.path("discover", "latents.json"))
    keep = [l for l in latents if l["index"] in readout or l["diff_rank"] <= 10]
    out = []
    for l in sorted(keep, key=lambda l: l["diff_rank"]):
        words = ", ".join(dict.fromkeys(t["text"].split("«")[1].split("»")[0].strip() for t in l["top"][:3]))
        out.append({
            "index": l["index"],
            "label": f"persona candidate (diff rank {l['diff_rank']}): {words or 'no snippets'}",
            "description": "Automatic label from top-activating snippets; not yet reviewed by a person."
                           + (" Part of the read-out." if l["index"] in readout else ""),
            "foundBy": {"method": "model diff (misaligned - base) on EM evaluation answers", "rank": l["diff_rank"],
                        "auroc": round(min(1.0, max(0.0, l["contrast_auroc_code"])), 4), "diff": round(l["diff"], 5),
                        "contrastAurocMedical": round(l["contrast_auroc_medical"], 4)},
            "topExamples": l["top"],
        })
    return {"latents": out}


@torch.no_grad()
def write_check(st, base, sae, enc, calibration, pad):
    """Python-side score and risk of a few contrast rows (ours, so they may be written anywhere)."""
    rows = contrast_rows("validation")[:8]
    msgs = [r["messages"] for r in rows]
    hidden = scored_hidden(base, st.cfg["model"]["hook_layer"], enc, msgs, st.cfg["model"]["ctx"], pad)
    latents = [r["latent"] for r in calibration["readout"]]
    w = torch.tensor([r["weight"] for r in calibration["readout"]])
    mp = calibration["mapping"]
    expected = []
    for h in hidden:
        s = aggregate(sae.encode(h)[:, latents] @ w if len(h) else h, calibration["aggregation"])
        expected.append({"score": s, "risk": float(1 / (1 + np.exp(-(mp["slope"] * s + mp["intercept"]))))})
    with open(st.dir / "check.jsonl", "w", encoding="utf-8") as f:
        for m in msgs:
            f.write(json.dumps({"messages": m}, ensure_ascii=False) + "\n")
    write_json(st.dir / "expected.json", expected)
