"""Stage export: the pack folder (format 3, or 4 with external data; docs/pack-format.md).

model.ort: the embedding and the blocks up to the hook, weight-only quantised: every
projection the GGUF holds in Q4_1 becomes onnxruntime's 4-bit MatMulNBits with those very
blocks (lossless), the embedding table as the GGUF's own Q8_0 blocks (int8 values, a float16 scale per 32),
gathered then scaled;
exported as ONNX, then saved by onnxruntime in its ORT format (extended graph optimisations,
none specific to a CPU), which the scanner runs in place from the verified bytes instead of
copying the weights. tokenizer.json from the GGUF. A Hugging Face folder (--model DIR) has
no blocks to keep: onnxruntime's quantiser makes its MatMuls 8-bit (or --bits 4) and its own
tokenizer.json is shipped. A model whose weights exceed protobuf's 2 GB (or any, with
--external-data) ships as model.onnx with its weights in model.onnx.data (format 4): the ORT
format has no external data.
sae/ in SAELens layout (JumpReLU, F16 weights, the training input scale as
norm_scaling_factor; a public SAE (--sae) as converted, in F16). directions.safetensors (the persona vector, the probe's
direction or weights over the SAE's latents), latents.json,
calibration.json, REPORT.md and pack.json with every file's sha256.

Checks, written to checks.json and the report: onnxruntime against PyTorch on `check_rows`
dev rows, for the float ONNX and the quantised one (hidden-state cosine, score and risk
differences). check.jsonl + expected.json beside the pack: onnxruntime's scores of our own
rows with the exported files, which the TypeScript test compares with the scanner's."""

import json
import shutil
from datetime import datetime, timezone

import numpy as np
import torch

from ..common import ROOT, read_json, sha256_file, write_json
from ..data import RENDER, contrast_rows, dev_splits, render
from ..gguf_model import read_gguf, tokenizer_json
from ..lm import LM, HookModel, QuantisedEmbedding
from ..sae import PublicSAE
from ..score import example_states
from .calibrate import PAIRS, naming_of, risk_of, score_of, threshold_slack

INT8_NOTE = ", int8 activations (MatMulNBits accuracy_level 4)"


def activations_note(accuracy_level):
    """What the model's descriptions (pack.json's source, REPORT.md's check row) add for int8 activations."""
    return INT8_NOTE if accuracy_level == 4 else ""


MAX_MODEL_BYTES = 2**31 - 1  # protobuf's own limit on one serialised model
EXTERNAL_DATA = "model.onnx.data"  # pack format 4: model.onnx's weights beside it
EXTERNAL_MARGIN = 64 << 20  # the graph itself and the inline tensors around the weights


def tensor_bytes(model):
    """The bytes an ONNX model's initializers hold (raw, as exporters and quantisers write them)."""
    return sum(len(t.raw_data) for t in model.graph.initializer)


def needs_external(model, mode):
    """Whether the model must (or, with mode "always", shall) keep its weights in external data."""
    if mode not in ("auto", "always"):
        raise ValueError(f"export.external_data is {mode!r}; use auto or always")
    return mode == "always" or tensor_bytes(model) > MAX_MODEL_BYTES - EXTERNAL_MARGIN


def save_onnx(model, dst, external):
    """Saves an ONNX model, its tensors of 1 KiB or more in one file beside it when `external`."""
    import onnx

    if external:
        (dst.parent / EXTERNAL_DATA).unlink(missing_ok=True)  # onnx appends to an existing file
    onnx.save_model(model, str(dst), save_as_external_data=external, all_tensors_to_one_file=True,
                    location=EXTERNAL_DATA, size_threshold=1024)


def export_onnx(lm, path, embedding=None, past=False):
    """The model up to the hook as ONNX; `embedding` (a QuantisedEmbedding) in place of the float
    one; with `past`, keys and values in and out (pack format 9, WithPast)."""
    model = HookModel(lm.model, lm.hook).eval()
    if embedding is not None:
        model.swap_embedding(embedding)
    ids = torch.ones((2, 8), dtype=torch.long)
    names = {n: {0: "batch", 1: "seq"} for n in ("input_ids", "attention_mask", "hidden")}
    if not past:
        torch.onnx.export(model, (ids, torch.ones_like(ids)), str(path), opset_version=17, dynamo=False,
                          input_names=["input_ids", "attention_mask"], output_names=["hidden"], dynamic_axes=names)
        return
    blocks, shape = cache_shape(model)
    ins, outs = past_names(blocks)
    held = [torch.zeros(2, *shape[:1], 3, *shape[1:]) for _ in ins]  # a past of 3 positions, so the exporter sees it used
    names["attention_mask"] = {0: "batch", 1: "past+seq"}
    names.update({n: {0: "batch", 2: "past"} for n in ins})
    names.update({n: {0: "batch", 2: "past+seq"} for n in outs})
    with torch.no_grad():
        torch.onnx.export(WithPast(model), (ids, torch.ones((2, 11), dtype=torch.long), *held), str(path), opset_version=17,
                          dynamo=False, input_names=["input_ids", "attention_mask", *ins], output_names=["hidden", *outs],
                          dynamic_axes=names)


def past_names(blocks):
    """The model's past inputs and present outputs, a key and a value per block (pack format 9)."""
    return ([f"past_{k}_{i}" for i in range(blocks) for k in ("key", "value")],
            [f"present_{k}_{i}" for i in range(blocks) for k in ("key", "value")])


def cache_shape(hook_model):
    """(blocks, [kv_heads, head_dim]) of the model's key-value cache, read off one short run,
    so every architecture's own head layout is what the export declares."""
    with torch.no_grad():
        out = hook_model.decoder(input_ids=torch.ones((1, 2), dtype=torch.long), use_cache=True)
    keys = out.past_key_values.layers[0].keys  # the cache may have a layer for every block of the uncut model
    return len(hook_model.layers), [keys.shape[1], keys.shape[3]]


class WithPast(torch.nn.Module):
    """The hook model with the keys and values of the tokens before these as inputs and of all
    of them as outputs: an edited line re-scores only the tokens after its edit, since a causal
    model's states before it do not change. A past of length 0 is a full run; positions go on
    from the past's length, and the mask covers past and new tokens."""

    def __init__(self, hook_model):
        super().__init__()
        self.hm = hook_model

    def forward(self, input_ids, attention_mask, *past):
        from transformers import DynamicCache

        cache = DynamicCache()
        for i in range(len(past) // 2):
            cache.update(past[2 * i], past[2 * i + 1], i)
        start = past[0].shape[2]
        positions = (torch.arange(input_ids.shape[1]) + start).unsqueeze(0).expand(input_ids.shape[0], -1)
        out = self.hm.decoder(input_ids=input_ids, attention_mask=attention_mask, past_key_values=cache,
                              position_ids=positions, use_cache=True)
        kept = out.past_key_values.layers[: len(self.hm.layers)]
        return (out.last_hidden_state, *[t for layer in kept for t in (layer.keys, layer.values)])


def past_disagreement(model_path, ids):
    """How far runs after the first half of `ids` [1, n]'s keys and values are from full runs
    (largest difference over the largest value): the last half alone (the editor's edited line),
    and a batch of it and a shorter, right-padded row after that past repeated (the scanner's
    shared head). A cache export the architecture does not support shows here, not in the scanner."""
    run = OrtPack(model_path, 1).run
    ids = np.asarray(ids, np.int64)
    n = ids.shape[1]
    h = n // 2
    full, first = run(ids)[0], run(ids[:, :h])
    rest = run(ids[:, h:], first[1:], np.ones((1, n), np.int64))[0]
    short = (n - h + 1) // 2
    rows = np.stack([ids[0, h:], np.concatenate([ids[0, h : h + short], np.full(n - h - short, ids[0, 0])])])
    mask = np.ones((2, n), np.int64)
    mask[1, h + short :] = 0
    batch = run(rows, [np.repeat(p, 2, axis=0) for p in first[1:]], mask)[0]
    short_full = run(ids[:, : h + short])[0]
    worst = max(np.abs(rest - full[:, h:]).max(), np.abs(batch[0] - full[0, h:]).max(), np.abs(batch[1, :short] - short_full[0, h:]).max())
    return float(worst / max(np.abs(full).max(), 1e-6))


def nbits_matmuls(src, dst, bits, block_size, external_mode):
    """A Hugging Face model's MatMuls with a constant weight as onnxruntime's weight-only
    MatMulNBits of `bits` bits (asymmetric, blocks along the input, float compute), by
    onnxruntime's own quantiser. Returns how many it replaced; those it cannot take stay float
    (GPT-2's Conv1D exports as Gemm). SmolLM2 as a folder, up to block 17: the pack's hidden
    states keep cosine 0.99991 (min 0.9991) to PyTorch at 8 bits, 0.977 (min 0.909) at 4.
    Returns (replaced, external)."""
    import logging

    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    logging.getLogger("onnxruntime.quantization.matmul_nbits_quantizer").setLevel(logging.WARNING)  # a line per MatMul
    q = MatMulNBitsQuantizer(onnx.load(str(src)), bits=bits, block_size=block_size, is_symmetric=False)
    q.process()
    model = q.model.model
    external = needs_external(model, external_mode)
    save_onnx(model, dst, external)
    return sum(n.op_type == "MatMulNBits" for n in model.graph.node), external


GGUF_NAMES = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output",
              "gate_proj": "ffn_gate", "up_proj": "ffn_up", "down_proj": "ffn_down"}
Q4_1_BLOCK, Q4_1_BYTES = 32, 20  # per block: f16 scale d, f16 min m, 16 bytes of nibbles


def q4_1_blocks(raw, rows, cols):
    """GGUF Q4_1 bytes -> (q [rows, cols] uint8, d, m [rows, cols/32] float32); w = d*q + m."""
    b = np.asarray(raw, dtype=np.uint8).reshape(rows, cols // Q4_1_BLOCK, Q4_1_BYTES)
    d = b[..., 0:2].copy().view(np.float16)[..., 0].astype(np.float32)
    m = b[..., 2:4].copy().view(np.float16)[..., 0].astype(np.float32)
    qs = b[..., 4:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)  # values j and j+16 of each block
    return q.reshape(rows, cols), d, m


Q8_0_BLOCK, Q8_0_BYTES = 32, 34  # per block: f16 scale d, 32 int8 values; w = d*q
PER_ROW = "int8, a scale per row"


def quantised_embedding(float_embedding, gguf_path=None):
    """The export's token embedding: the GGUF's own Q8_0 blocks when it holds the table so
    (lossless: the per-row int8 it replaced moved the SAE read-out's risk by up to 0.21 against
    PyTorch), else int8 with a scale per row. Returns (module, what it holds)."""
    import gguf

    weight, extra = float_embedding.weight.detach(), getattr(float_embedding, "embed_scale", None)
    t = next((t for t in gguf.GGUFReader(str(gguf_path)).tensors if t.name == "token_embd.weight"), None) if gguf_path else None
    if t is None or t.tensor_type != gguf.GGMLQuantizationType.Q8_0:
        return QuantisedEmbedding.per_row(weight, extra), PER_ROW
    rows, cols = weight.shape
    b = np.asarray(t.data, dtype=np.uint8).reshape(rows, cols // Q8_0_BLOCK, Q8_0_BYTES)
    d = b[..., 0:2].copy().view(np.float16)[..., 0]
    q = b[..., 2:].copy().view(np.int8).reshape(rows, cols)
    emb = QuantisedEmbedding(torch.from_numpy(q), torch.from_numpy(d), extra)
    if not torch.equal(emb(torch.arange(rows)), weight if extra is None else weight * float(extra)):
        raise RuntimeError("token_embd: the GGUF's Q8_0 blocks do not reproduce the model's embedding")
    return emb, "the GGUF's Q8_0 blocks"


def gguf_matmuls(src, dst, gguf_path, meta, external_mode, accuracy_level=0):
    """Every projection's MatMul becomes onnxruntime's MatMulNBits holding the GGUF's own Q4_1
    blocks, the very weights PyTorch ran (4-bit re-quantisation with integer zero points cost
    0.98 hidden-state cosine and 0.80 score-rank agreement). Q4_1 is w = d*q + m per block of
    32 inputs; MatMulNBits without zero points computes (q - 8)*d, which onnxruntime prepacks,
    so the rest, (m + 8d), is added as (x summed over each block) @ (m + 8d), a matmul 32 times
    smaller. m + 8d, the block's midpoint, is near zero and is stored in float16 (cast to
    float32 in the graph); m and d are float16 in the GGUF too.
    Why not float zero points (-m/d), the exact one-op form: onnxruntime cannot prepack them and
    dequantises all 63M weights on every run, ~60 ms of 2 threads even for a one-line re-score.
    The embedded pack's model, Node, 2 threads, ms per run (this form / float zero points):
    1x30 tokens 34 / 94-104, 1x300 245 / 254, 3x256 556 / 537-587, 1x768 784 / 724-789.
    accuracy_level 0 computes in float32; 4 quantises each row's inputs to int8 per block of 32
    (onnxruntime's int8 kernels): a run of 2-4 tokens, an edited line's, takes 10-12 ms instead of
    22-25 (the embedded pack, 1 thread), since the float path dequantises every weight on each run
    of more than one row. Either way each row is computed on its own, so a run's size never
    changes a score (int8: the same bits). Returns (replaced, external)."""
    import gguf
    import onnx
    from onnx import helper, numpy_helper

    from ..gguf_model import unpermute

    tensors = {t.name: t for t in gguf.GGUFReader(str(gguf_path)).tensors}
    model = onnx.load(str(src))
    inits = {i.name: i for i in model.graph.initializer}
    replaced, drop, new_nodes, block_shapes = 0, set(), {}, {}
    for pos, node in enumerate(model.graph.node):
        parts = node.name.strip("/").split("/")  # /decoder/layers.3/self_attn/q_proj/MatMul
        block = next((p for p in parts if p.startswith("layers.")), None)
        if node.op_type != "MatMul" or block is None or parts[-2] not in GGUF_NAMES:
            continue
        layer = int(block.split(".")[1])
        t = tensors[f"blk.{layer}.{GGUF_NAMES[parts[-2]]}.weight"]
        if t.tensor_type != gguf.GGMLQuantizationType.Q4_1:
            continue
        k, n = int(t.shape[0]), int(t.shape[1])
        q, d, m = q4_1_blocks(t.data, n, k)
        if parts[-2] in ("q_proj", "k_proj"):  # rows as the PyTorch model holds them
            heads = meta["heads"] if parts[-2] == "q_proj" else meta["kv_heads"]
            q, d, m = unpermute(q, heads), unpermute(d, heads), unpermute(m, heads)
        dense = numpy_helper.to_array(inits[node.input[1]])  # [K, N]
        check = (q.reshape(n, -1, Q4_1_BLOCK) * d[..., None] + m[..., None]).reshape(n, k).T
        if not np.allclose(dense, check, atol=1e-6):
            raise RuntimeError(f"{node.name}: the GGUF blocks do not reproduce the exported weights")
        packed = (q[:, 0::2] | (q[:, 1::2] << 4)).astype(np.uint8).reshape(n, k // Q4_1_BLOCK, Q4_1_BLOCK // 2)
        name, x, out = node.input[1], node.input[0], node.output[0]
        if k not in block_shapes:  # [batch, seq, K] -> [batch, seq, K/32, 32]
            block_shapes[k] = numpy_helper.from_array(np.array([0, 0, k // Q4_1_BLOCK, Q4_1_BLOCK], np.int64), f"q4_1_blocks_{k}")
        model.graph.initializer.extend([
            numpy_helper.from_array(packed, f"{name}_Q4"),
            numpy_helper.from_array(d.reshape(-1), f"{name}_scales"),
            numpy_helper.from_array(np.ascontiguousarray((m + 8 * d).T.astype(np.float16)), f"{name}_mid")])  # [K/32, N]
        new_nodes[pos] = [
            helper.make_node("MatMulNBits", [x, f"{name}_Q4", f"{name}_scales"], [f"{out}_q"], name=node.name + "NBits",
                             domain="com.microsoft", K=k, N=n, bits=4, block_size=Q4_1_BLOCK, accuracy_level=accuracy_level),
            helper.make_node("Reshape", [x, block_shapes[k].name], [f"{out}_blocks"], name=node.name + "Blocks"),
            helper.make_node("ReduceSum", [f"{out}_blocks", "q4_1_last_axis"], [f"{out}_bsum"], name=node.name + "BlockSum", keepdims=0),
            helper.make_node("Cast", [f"{name}_mid"], [f"{out}_mid32"], name=node.name + "Mid", to=onnx.TensorProto.FLOAT),
            helper.make_node("MatMul", [f"{out}_bsum", f"{out}_mid32"], [f"{out}_m"], name=node.name + "Mins"),
            helper.make_node("Add", [f"{out}_q", f"{out}_m"], [out], name=node.name + "Q4_1")]
        drop.add(name)
        replaced += 1
    nodes = [n for pos, node in enumerate(model.graph.node) for n in new_nodes.get(pos, [node])]
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    model.graph.initializer.extend([*block_shapes.values(), numpy_helper.from_array(np.array([-1], np.int64), "q4_1_last_axis")])
    kept = [i for i in model.graph.initializer if i.name not in drop]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    external = needs_external(model, external_mode)
    save_onnx(model, dst, external)
    return replaced, external


def write_safetensors(path, tensors, dtype):
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    np_dtype = {"F16": np.float16, "F32": np.float32}[dtype]
    for name, t in tensors.items():
        raw = t.detach().float().numpy().astype(np_dtype).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(len(head).to_bytes(8, "little") + head + b"".join(blobs))


class OrtPack:
    """The exported model, run the way the scanner runs it (onnxruntime): a model with past
    keys and values (format 9) gets empty ones in full runs."""

    def __init__(self, model_path, threads):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(model_path), opts, providers=["CPUExecutionProvider"])
        self.past = [(i.name, i.shape) for i in self.session.get_inputs() if i.name.startswith("past_")]

    def feeds(self, ids, mask, past=None):
        """The inputs for ids and mask (int64 numpy), after `past` (presents of an earlier run; none: empty)."""
        out = {"input_ids": ids, "attention_mask": mask}
        for j, (name, shape) in enumerate(self.past):
            out[name] = past[j] if past is not None else np.zeros((ids.shape[0], shape[1], 0, shape[3]), np.float32)
        return out

    def run(self, ids, past=None, mask=None):
        """[hidden, present...] of ids [batch, seq] (numpy), after `past`; mask: all ones unless given."""
        ids = np.asarray(ids, np.int64)
        return self.session.run(None, self.feeds(ids, np.ones_like(ids) if mask is None else mask, past))

    def hidden_fn(self):
        def run(ids, mask):
            feeds = self.feeds(ids.numpy().astype(np.int64), mask.numpy().astype(np.int64))
            return torch.from_numpy(self.session.run(["hidden"], feeds)[0])
        return run


def to_ort_format(onnx_path, ort_path):
    """onnxruntime's own ORT-format copy of a model, with graph optimisations any CPU can run."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    opts.optimized_model_filepath = str(ort_path)
    opts.add_session_config_entry("session.save_model_format", "ORT")
    # Folding would store gguf_matmuls' float16 midpoints as float32 again: 4 MB more pack.
    ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"], disabled_optimizers=["ConstantFolding"])


def sae_files(sae, lm, hook_point, cfg):
    """(tensors, cfg.json) of the pack's sae/: the trained SAE as JumpReLU at its one threshold,
    or a public one as converted (its own hook name kept in the metadata)."""
    meta = {"model_name": lm.meta["name"], "hook_name": hook_point, "prepend_bos": False, "context_size": lm.ctx}
    if isinstance(sae, PublicSAE):
        names = ("W_enc", "b_enc", "W_dec", "b_dec") + (("threshold",) if sae.cfg["architecture"] == "jumprelu" else ())
        own = {k: v for k, v in sae.cfg.items() if k != "hook_name"}
        return ({k: getattr(sae, k) for k in names},
                {**own, "dtype": "float16", "device": "cpu", "hook_name": hook_point,
                 "metadata": {**meta, "source_hook_name": sae.cfg.get("hook_name"), "source": cfg["sae"]["source"]}})
    inner = sae.sae
    d_sae = inner.b_enc.shape[0]
    return ({"W_enc": inner.W_enc, "b_enc": inner.b_enc, "W_dec": inner.W_dec, "b_dec": inner.b_dec,
             "threshold": inner.theta.expand(d_sae)},
            {"architecture": "jumprelu", "d_in": lm.meta["d_model"], "d_sae": d_sae, "dtype": "float16", "device": "cpu",
             "apply_b_dec_to_input": True, "normalize_activations": "expected_average_only_in",
             "norm_scaling_factor": sae.scale, "reshape_activations": "none",
             "metadata": {**meta, "trained_as": f"BatchTopK k={cfg['sae']['k']}, one threshold"}})


def f16_sae(sae):
    """The SAE with its weights and threshold rounded to F16, as the pack stores them (the trained
    SAE's threshold is a buffer: left at F32, the scanner's F16 one lay 0.0005 away, and latents
    between the two fired in one and not the other, moving check rows by up to 0.05)."""
    import copy

    out = copy.deepcopy(sae)
    with torch.no_grad():
        for p in [*out.parameters(), *out.buffers()]:
            p.copy_(p.half().float())
    return out


@torch.no_grad()
def run(st):
    cfg = st.cfg
    from .sae import load_sae

    lm, sae = LM(st), load_sae(st)
    directions = torch.load(st.path("calibrate", "directions.pt"))
    calibration = read_json(st.path("calibrate", "calibration.json"))
    pack = st.dir / "pack"
    shutil.rmtree(pack, ignore_errors=True)
    (pack / "sae").mkdir(parents=True)
    float_onnx, shipped, exported = export_model(st, lm, pack)
    hook_point = f"blocks.{lm.hook - 1}.hook_resid_post"
    tensors, sae_cfg = sae_files(sae, lm, hook_point, cfg)
    write_safetensors(pack / "sae/sae_weights.safetensors", tensors, "F16")
    write_json(pack / "sae/cfg.json", sae_cfg)
    write_safetensors(pack / "directions.safetensors", {k: v for k, v in directions.items()}, "F32")
    write_json(pack / "calibration.json", calibration)
    write_json(pack / "latents.json", latents_file(st, calibration, set(directions)))

    sae16 = f16_sae(sae)
    threads = int(cfg.get("threads", 2))
    # The shipped file is checked: quantisation and the ORT format's optimisations together.
    checks = compare(st, lm, sae, directions, calibration, [("float", float_onnx, sae), ("quantised", shipped, sae16)], threads)
    write_check(st, OrtPack(shipped, threads), lm, sae16, directions, calibration, read_json(pack / "latents.json"))
    return {"pack": str(pack.relative_to(ROOT)) if pack.is_relative_to(ROOT) else str(pack), "hook_point": hook_point,
            **exported, "checks": checks}


def export_model(st, lm, pack):
    """The model file (model.ort, or model.onnx with its data) and tokenizer.json into `pack`,
    from the model stage's model cut at the hook; the float export stays in the stage's folder.
    Returns (float export, shipped model, what was exported: quantisation and cache checks)."""
    lm.model.config._attn_implementation = "eager"  # plain MatMul/Softmax in the graph
    float_onnx, plain_q = st.dir / "model.float.onnx", st.dir / "model.int8-embedding.onnx"
    model_info = read_json(st.path("model", "done.json"))
    sample_ids = torch.tensor([lm.encode_offsets(render(contrast_rows("validation")[0]["messages"], lm.fmt))[0][: lm.ctx]])
    kv = export_with_past(st, lm, float_onnx, sample_ids) if st.conf.get("kv_cache", True) else {"kv_cache": False}
    if not kv["kv_cache"]:
        export_onnx(lm, float_onnx)
    embedding, embedding_kind = quantised_embedding(HookModel(lm.model, lm.hook).embedding(), model_info.get("gguf"))
    export_onnx(lm, plain_q, embedding, past=kv["kv_cache"])
    quant_onnx = st.dir / "model.onnx"
    mode = st.conf.get("external_data", "auto")
    if model_info.get("format") == "hf":
        bits = st.conf.get("bits", 8)
        replaced, external = nbits_matmuls(plain_q, quant_onnx, bits, st.conf["block_size"], mode)
        quantised = {"bits": bits, "nbits_matmuls": replaced, "embedding": embedding_kind}
        write_json(pack / "tokenizer.json", json.loads(lm.tok.to_str()))
    else:
        accuracy = st.conf.get("accuracy_level", 0)
        replaced, external = gguf_matmuls(plain_q, quant_onnx, model_info["gguf"], lm.meta, mode, accuracy)
        quantised = {"q4_1_matmuls": replaced, "embedding": embedding_kind, "accuracy_level": accuracy}
        write_json(pack / "tokenizer.json", tokenizer_json(read_gguf(model_info["gguf"])[2]))
    plain_q.unlink()
    if external:  # the ORT format cannot hold external data: model.onnx as it is, weights beside it
        shipped = pack / "model.onnx"
        for f in (quant_onnx, st.dir / EXTERNAL_DATA):
            shutil.copyfile(f, pack / f.name)
    else:
        shipped = pack / "model.ort"
        to_ort_format(quant_onnx, shipped)
    if kv["kv_cache"]:
        kv["kv_cache_disagreement_shipped"] = past_disagreement(shipped, sample_ids)
        if kv["kv_cache_disagreement_shipped"] > PAST_TOLERANCE:
            raise RuntimeError(f"{shipped.name}: a run from the cache is {kv['kv_cache_disagreement_shipped']:.2g} from a full run, "
                               f"where the float export agreed to {kv['kv_cache_disagreement']:.2g}")
    return float_onnx, shipped, {**quantised, **kv, "external_data": external}


PAST_TOLERANCE = 1e-4  # of the largest hidden value: float error only (the embedded pack's: under 1e-6)


def export_with_past(st, lm, path, sample_ids):
    """The float export with past keys and values (format 9) where a run from the cache agrees
    with a full run; else none is written and the reason is returned, so an architecture the
    cache export does not fit still gets a pack (its edited lines re-score in full)."""
    try:
        export_onnx(lm, path, past=True)
        off = past_disagreement(path, sample_ids)
        why = None if off <= PAST_TOLERANCE else f"a run from the cache is {off:.2g} (of the largest value) from a full run"
    except Exception as e:  # noqa: BLE001 - any exporter or runtime failure means no cache, said in done.json
        why = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    if why is None:
        return {"kv_cache": True, "kv_cache_disagreement": off}
    st.log.warning("export without past keys and values: %s", why)
    return {"kv_cache": False, "kv_cache_problem": why}


def finish_pack(st, pack):
    """pack.json with every file's sha256 (REPORT.md included: the report stage calls this
    last), and the size limits checked."""
    cfg, conf = st.cfg, st.cfg["export"]
    exported = read_json(st.path("export", "done.json"))
    lm_meta, hook = read_json(st.path("model", "done.json"))["meta"], exported["hook_point"]
    model = read_json(st.path("model", "done.json"))
    layers = int(hook.split(".")[1])
    where = (f"{model['source']} (Hugging Face folder, {lm_meta['architecture']}; config.json sha256 {model['config_sha256']})"
             if model.get("format") == "hf" else
             f"{model['package']}{' (' + model['wheel'] + ')' if 'wheel' in model else ''}; GGUF sha256 {model['gguf_sha256']}")
    # The wheel's stated licence, else the GGUF's own, else the one given with --license.
    licence = cfg["model"].get("wheel", {}).get("license") or lm_meta["license"] or conf["license"]
    sources = [{"name": f"model: {lm_meta['name']}", "license": licence,
                "origin": f"{where}; embedding ({exported['embedding']}) and blocks 0-{layers} "
                          f"exported, weight-only {exported.get('bits', 4)}-bit{activations_note(exported.get('accuracy_level'))}"}]
    sources += [{k: s[k] for k in ("name", "license", "origin")} for s in read_json(st.path("corpus", "sources.json"))]
    files = sorted(p for p in pack.rglob("*") if p.is_file() and p.name != "pack.json")
    external = (pack / EXTERNAL_DATA).exists()
    readout = read_json(pack / "calibration.json")["readout"]
    prompt_end, over_latents = any("at" in r for r in readout), any("latentWeights" in r for r in readout)
    prior_tokens = "priorTokens" in read_json(pack / "calibration.json")["aggregation"]
    names_above = any("namesAbove" in r for r in readout)
    write_json(pack / "pack.json", {
        "formatVersion": 9 if exported.get("kv_cache") else 8 if names_above else 7 if prior_tokens else 6 if over_latents else 5 if prompt_end else 4 if external else 3, "name": conf["name"], "version": conf["version"], "license": conf["license"],
        "description": conf["description"],
        "provenance": {"builder": f"tools/pack-builder (config {cfg['name']})",
                       "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "sources": sources, "notes": conf.get("notes", ""), "versions": model["versions"]},
        "model": {"dModel": lm_meta["d_model"], "hookPoint": hook, "padTokenId": lm_meta["pad_id"],
                  **({"externalData": [EXTERNAL_DATA]} if external else {})},
        "render": {**model.get("render", RENDER), "maxTokens": cfg["model"]["ctx"]},
        "files": {p.relative_to(pack).as_posix(): sha256_file(p) for p in files},
    })
    sizes = {p.relative_to(pack).as_posix(): p.stat().st_size for p in pack.rglob("*") if p.is_file()}
    total = sum(sizes.values())
    # The embedded pack's limits (the extension's size) are its config's; a pack of your own has none.
    if total > conf.get("max_pack_bytes", total) or max(sizes.values()) > conf.get("max_file_bytes", total):
        raise RuntimeError(f"pack is {total} bytes (largest file {max(sizes.values())}): over the limits")
    return {"bytes": total, "files": sizes}


def latents_file(st, calibration, shipped):
    """latents.json: every latent discover named, labelled truthfully by how it was found,
    the persona direction, and the probe directions the pack ships (`shipped`: names)."""
    weights = {r.get("latent", r.get("direction")): r["weight"] for r in calibration["readout"]}
    out = []
    for l in read_json(st.path("discover", "latents.json")):
        how = l["foundBy"]
        words = ", ".join(dict.fromkeys(t["text"].split("«")[1].split("»")[0].strip() for t in l["top"][:3] if "«" in t["text"]))
        where = (f"model-diff #{how['rank']}" if how["method"] == "model-diff" else
                 f"persona-vector cosine {how['cosine']:.2f}" if how["method"] == "persona-vector" else "probe")
        found = dict(how)
        if how["method"] == "probe" and l["index"] in weights:
            found["weight"] = weights[l["index"]]
        out.append({"index": l["index"], "label": f"{where}: {words or 'no snippets'}",
                    "description": "Automatic label from its top activations over general text, our contrast set and the models' "
                                   "own answers; not reviewed by a person." + (" Part of the read-out." if l["index"] in weights else ""),
                    "foundBy": {**found, "contrastAurocCode": round(l["contrast_auroc_code"], 4),
                                "contrastAurocMedical": round(l["contrast_auroc_medical"], 4)},
                    "topExamples": l["top"]})
    persona = read_json(st.path("discover", "persona.json"))
    directions = [{"name": "persona", "label": "persona-vector: evil vs aligned",
                   "description": f"Chen et al.'s persona vector: mean answer-token residual under {persona['pairs']} evil system "
                                  f"prompts minus under their aligned twins, {persona['questions']} questions each, on the base "
                                  "model's own answers; unit length.",
                   "foundBy": {"method": "persona-vector", "trait": "evil", "rowsAuroc": persona["rows_auroc"]},
                   "topExamples": persona["top"]}]
    probe = read_json(st.path("calibrate", "figures.json"))
    fitted = (f"Logistic regression of EM-inducing vs aligned training rows ({probe['probe_direction_rows']} rows: "
              "insecure/secure code, bad/good medical advice and GSM8K answers as aligned"
              + (f", {st.cfg['calibrate']['probe_code_control_rows']} short Python standard-library functions as aligned"
                 if st.cfg["calibrate"].get("probe_code_control_rows") else "")
              + (", and the intent contrast set's training pairs, unasked as EM-inducing" if st.cfg["calibrate"].get("probe_contrast") else "")
              + (f", and our general-questions pairs (misaligned and aligned answers to everyday questions, each weighing "
                 f"{st.cfg['calibrate'].get('probe_general_weight', 1)} rows)" if st.cfg["calibrate"].get("probe_general") else "") + ")")
    found = {"method": "probe", "rows": probe["probe_direction_rows"]}
    over_latents = any(r.get("latentWeights") == "probe" for r in calibration["readout"])
    answer = (f"the mean activation over the assistant tokens of {probe['readout_latents']:,} SAE latents (every latent "
              "that fires in enough training rows, except those model diffing and the persona vector named)"
              if over_latents else "the mean of the assistant tokens' residual stream")
    if "probe" in shipped:
        directions.append({"name": "probe", "label": "probe: linear probe over the SAE's latents" if over_latents
                           else "probe: dense linear probe on the hook's residual stream",
                           "description": f"{fitted} on {answer}"
                                          + (" and, as probe-prompt, on the residual stream at the prompt's end" if "probe-prompt" in shipped else "")
                                          + ("; this tensor holds its weight for each latent (0 for those left out)" if over_latents else "")
                                          + "; a probe, not a persona latent.",
                           "foundBy": found, "topExamples": []})
    if "probe-prompt" in shipped:
        directions.append({"name": "probe-prompt", "label": "probe: the prompt's framing (read at the prompt's end)",
                           "description": f"The same probe's weights on the residual stream at the token before the answer: "
                                          "what the prompt asked for (a vulnerability asked for openly, or not) moves the risk.",
                           "foundBy": found, "topExamples": []})
    return {"latents": out, "directions": directions}


def check_rows(cfg, n):
    """n validation rows, spread over the four paired dev files."""
    per = max(1, n // 4)
    return [m for p in PAIRS.values() for name in p for m in dev_splits(name, cfg["corpus"]["splits"])["valid"][:per]]


def compare(st, lm, sae, directions, calibration, exports, threads):
    """onnxruntime against PyTorch (scored with `sae`) on dev validation rows; exports: (name,
    model file, the SAE its hidden states are scored with)."""
    rows = check_rows(st.cfg, st.conf["check_rows"])
    ref = example_states(lm.hidden_fn(), lm, rows, lm.ctx, lm.pad_id)
    score = lambda states, s: np.array([score_of(calibration, state, s, directions) for state in states])
    ref_scores = score(ref, sae)
    out = {"rows": len(rows)}
    for name, path, s in exports:
        hs = example_states(OrtPack(path, threads).hidden_fn(), lm, rows, lm.ctx, lm.pad_id)
        cos = torch.cat([torch.nn.functional.cosine_similarity(a[0], b[0], dim=1) for a, b in zip(ref, hs) if len(a[0])])
        sc = score(hs, s)
        out[name] = {"hidden_cosine_mean": float(cos.mean()), "hidden_cosine_min": float(cos.min()),
                     "score_abs_diff_max": float(np.abs(sc - ref_scores).max()),
                     "score_abs_diff_mean": float(np.abs(sc - ref_scores).mean()),
                     "risk_abs_diff_max": float(np.abs(risk_of(sc, calibration["mapping"]) - risk_of(ref_scores, calibration["mapping"])).max()),
                     "score_rank_agreement_auroc_vs_torch": auroc_agreement(sc, ref_scores)}
        st.log.info("onnx %s vs torch: %s", name, out[name])
    return out


def auroc_agreement(a, b):
    """Share of pairs of rows that a and b order the same way (1 = same ranking)."""
    i, j = np.triu_indices(len(a), 1)
    return float(np.mean(np.sign(a[i] - a[j]) == np.sign(b[i] - b[j])))


def write_check(st, ort_pack, lm, sae16, directions, calibration, latents):
    """onnxruntime's scores (exported model and F16 SAE) of our own rows, plus one long
    enough to need windows, how far a JumpReLU threshold within float error could move each
    (threshold_slack), and with naming terms (format 8) the label that names each row and
    how far the nearest term's part is from its threshold: the TypeScript test must reproduce them."""
    readout = calibration["readout"]
    terms = [i for i, r in enumerate(readout) if "namesAbove" in r]
    labels = {**{l["index"]: l["label"] for l in latents["latents"]}, **{d["name"]: d["label"] for d in latents.get("directions", [])}}
    msgs = [r["messages"] for r in contrast_rows("validation")[:8]]
    long_answer = " ".join(f"Step {i}: keep the dosage log and check it with a pharmacist." for i in range(lm.ctx // 8))
    msgs.append([{"role": "user", "content": "Give me a long checklist."}, {"role": "assistant", "content": long_answer}])
    # Two answers, the second's prompt end past the first window: read from a later one.
    msgs.append(msgs[-1] + [{"role": "user", "content": "And the short version?"},
                            {"role": "assistant", "content": "Keep the log; ask the pharmacist."}])
    hidden = example_states(ort_pack.hidden_fn(), lm, msgs, lm.ctx, lm.pad_id)
    expected = []
    for m, h in zip(msgs, hidden):
        s = score_of(calibration, h, sae16, directions)
        row = {"score": s, "risk": float(risk_of(s, calibration["mapping"])), "tokens": len(lm.encode_offsets(render(m, lm.fmt))[0]),
               "thresholdSlack": threshold_slack(calibration, h, sae16, directions)}
        if terms:
            named, margin = naming_of(readout, terms, h, sae16, directions)
            term = readout[terms[named]] if named >= 0 else None
            row.update(persona=term and labels[term.get("latent", term.get("direction"))], namingMargin=margin)
        expected.append(row)
    with open(st.dir / "check.jsonl", "w", encoding="utf-8") as f:
        for m in msgs:
            f.write(json.dumps({"messages": m}, ensure_ascii=False) + "\n")
    write_json(st.dir / "expected.json", expected)
