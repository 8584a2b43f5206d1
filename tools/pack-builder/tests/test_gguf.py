"""GGUF reading: a tiny Llama written the way llama.cpp writes SmolLM2, read back into
PyTorch, agrees with the numpy reference forward in llama.cpp's convention."""

import numpy as np
import pytest
import torch

from pack_builder.gguf_model import load_model, load_tokenizer, read_gguf, reference_logits, unpermute
from pack_builder.lm import HookModel
from pack_builder.tiny_gguf import permute, write_tiny_gguf

DIMS = {"d_model": 64, "d_ff": 128, "layers": 3, "heads": 4, "kv_heads": 2}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = write_tiny_gguf(tmp_path_factory.mktemp("gguf") / "tiny.gguf", DIMS, seed=3)
    model, meta, tok = load_model(path)
    return path, model, meta, tok


def test_unpermute_inverts_llama_cpp_permute():
    w = np.arange(8 * 3 * 5, dtype=np.float32).reshape(24, 5)
    assert np.array_equal(unpermute(permute(w, 3), 3), w)


def test_metadata_and_quantisation_are_read(tiny):
    _, _, meta, tok = tiny
    assert (meta["layers"], meta["d_model"], meta["heads"], meta["kv_heads"]) == (3, 64, 4, 2)
    assert meta["quantisation"] == ["F32", "Q4_1", "Q8_0"]
    assert tok["model"] == "gpt2" and tok["eos_token_id"] == 2


def test_pytorch_model_matches_the_reference_forward(tiny):
    path, model, meta, tok = tiny
    enc = load_tokenizer(tok)
    ids = enc.encode("<|im_start|>user\nreturn the answer<|im_end|>\n", add_special_tokens=False).ids
    _, tensors, _ = read_gguf(path)
    with torch.no_grad():
        ours = model(torch.tensor([ids])).logits[0].double().numpy()
        hidden = HookModel(model, 2)(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long))[0].double().numpy()
    assert np.abs(ours - reference_logits(meta, tensors, ids)).max() < 1e-3
    assert np.abs(hidden - reference_logits(meta, tensors, ids, layers=2)).max() < 1e-3


def test_padding_does_not_change_real_positions(tiny):
    _, model, _, _ = tiny
    hook = HookModel(model, 2)
    ids = torch.tensor([[5, 6, 7, 8], [5, 6, 2, 2]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    with torch.no_grad():
        both = hook(ids, mask)
        alone = hook(ids[1:, :2], mask[1:, :2])
    assert torch.allclose(both[1, :2], alone[0], atol=1e-5)


def test_tokenizer_round_trips_bytes_and_keeps_chat_markers_whole(tiny):
    _, _, _, tok = tiny
    enc = load_tokenizer(tok)
    text = "<|im_start|>user\nnaïve 🙂 12\tx<|im_end|>\n"
    e = enc.encode(text, add_special_tokens=False)
    assert e.ids[0] == 1 and 2 in e.ids
    assert enc.decode(e.ids, skip_special_tokens=False) == text


@pytest.mark.parametrize("accuracy", [0, 4])
def test_export_keeps_the_gguf_blocks_whatever_the_run_size(tiny, tmp_path, accuracy):
    """The exported projections hold the GGUF's Q4_1 blocks (stages/export.py gguf_matmuls) as
    MatMulNBits plus the block midpoints, and the embedding its Q8_0 blocks: they run the
    weights PyTorch ran, and a row gets the same hidden states alone and in a batch, also from
    the ORT-format copy the pack ships. With int8 activations (accuracy_level 4, the embedded
    pack's) the same bits: each row's inputs are quantised on their own."""
    import onnx
    from types import SimpleNamespace

    from pack_builder.stages.export import OrtPack, export_onnx, gguf_matmuls, quantised_embedding, to_ort_format

    path, model, meta, _ = tiny
    embedding, kind = quantised_embedding(HookModel(model, 2).embedding(), path)
    assert kind == "the GGUF's Q8_0 blocks" and embedding.q.dtype == torch.int8 and embedding.scale.dtype == torch.float16
    export_onnx(SimpleNamespace(model=model, hook=2), tmp_path / "plain.onnx", embedding)
    replaced, external = gguf_matmuls(tmp_path / "plain.onnx", tmp_path / "q.onnx", path, meta, "auto", accuracy)
    assert replaced == 2 * 7 and not external
    graph = onnx.load(str(tmp_path / "q.onnx")).graph
    levels = [a.i for n in graph.node if n.op_type == "MatMulNBits" for a in n.attribute if a.name == "accuracy_level"]
    assert levels == [accuracy] * replaced
    assert not any(n.op_type == "MatMul" and "proj" in n.name and not n.name.endswith("Mins") for n in graph.node)
    to_ort_format(tmp_path / "q.onnx", tmp_path / "q.ort")
    ids = torch.randint(5, meta["vocab"], (4, 100))
    mask = torch.ones_like(ids)
    with torch.no_grad():
        ref = HookModel(model, 2)(ids, mask)
    for file in ("q.onnx", "q.ort"):
        run = OrtPack(tmp_path / file, 1).hidden_fn()
        batch, alone, few = run(ids, mask), run(ids[:1], mask[:1]), run(ids[:1, :3], mask[:1, :3])
        assert (batch - ref).abs().max() < (1e-3 if accuracy == 0 else 2e-2) * ref.abs().max(), file
        if accuracy == 4:
            assert torch.equal(alone, batch[:1]) and torch.equal(few, batch[:1, :3]), file
        else:
            assert torch.allclose(alone, batch[:1], rtol=1e-4, atol=1e-4 * float(ref.abs().max())), file
