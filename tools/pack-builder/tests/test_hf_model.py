"""Hugging Face folders (--model DIR): a tiny random model of each supported architecture, its
chat rendering, the cut decoder against the full model, and the ONNX export the pack ships
(onnxruntime against PyTorch, padding included, float and weight-only 4-bit)."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from pack_builder import hf_model
from pack_builder.data import render
from pack_builder.lm import HookModel
from pack_builder.stages import export as export_stage
from pack_builder.stages.export import EXTERNAL_DATA, OrtPack, export_onnx, export_with_past, nbits_matmuls, past_disagreement, quantised_embedding
from pack_builder.tiny_hf import FAMILIES, write_tiny_hf

ARCHS = sorted(FAMILIES)
CONVO = [{"role": "user", "content": "Hi there."}, {"role": "assistant", "content": "Hello! How can I help?"}]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf")
    return {a: write_tiny_hf(a, root / a, seed=1) for a in ARCHS}


@pytest.mark.parametrize("arch, user, assistant, bos", [
    ("llama", ("<|start_header_id|>user<|end_header_id|>\n\n", "<|eot_id|>"), "<|start_header_id|>assistant<|end_header_id|>\n\n", "<|begin_of_text|>"),
    ("qwen2", ("<|im_start|>user\n", "<|im_end|>\n"), "<|im_start|>assistant\n", ""),
    ("gemma2", ("<start_of_turn>user\n", "<end_of_turn>\n"), "<start_of_turn>model\n", "<bos>"),
    ("gemma3", ("<start_of_turn>user\n", "<end_of_turn>\n"), "<start_of_turn>model\n", "<bos>"),
    ("gpt2", ("User: ", "\n\n"), "Assistant: ", ""),
])
def test_rendering_comes_from_the_chat_template(folders, arch, user, assistant, bos):
    _, tok = hf_model.load_tokenizer(folders[arch])
    fmt = hf_model.render_of(tok)
    assert (fmt["roles"]["user"]["prefix"], fmt["roles"]["user"]["suffix"]) == user
    assert fmt["roles"]["assistant"]["prefix"] == assistant and fmt["bos"] == bos and fmt["eos"] == ""
    if tok.chat_template:
        want = tok.apply_chat_template(CONVO, tokenize=False)
        assert want == render(CONVO, fmt) or arch == "qwen2"  # Qwen2.5's inserts a default system prompt
        assert want.endswith(render(CONVO, fmt)[len(bos):]) and want.startswith(bos)


def test_qwen_style_default_system_prompt_is_left_out_and_a_dataset_system_kept(folders):
    _, tok = hf_model.load_tokenizer(folders["qwen2"])
    fmt = hf_model.render_of(tok)
    with_system = [{"role": "system", "content": "Be brief."}] + CONVO
    assert render(with_system, fmt) == tok.apply_chat_template(with_system, tokenize=False)
    assert "helpful assistant" not in render(CONVO, fmt)


def test_templates_without_a_system_turn_render_it_as_a_user_turn(folders):
    for arch in ("gemma2", "gemma3"):
        _, tok = hf_model.load_tokenizer(folders[arch])
        fmt = hf_model.render_of(tok)
        assert fmt["roles"]["system"] == fmt["roles"]["user"]


def test_smollm2s_template_gives_the_embedded_packs_rendering():
    # SmolLM2-Instruct's template (its GGUF's): ChatML with a default system prompt; its bos token is <|im_start|>.
    from jinja2 import Template

    from pack_builder.data import RENDER

    template = Template("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
                        "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
                        "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
                        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
    fmt = hf_model.chat_render(lambda msgs, gen: template.render(messages=msgs, add_generation_prompt=gen), "<|im_start|>")
    assert fmt == RENDER


def test_a_template_that_is_not_prefix_suffix_is_refused():
    # Mistral-style: the system text goes inside the last user turn's [INST] block.
    def apply(msgs, gen):
        out = "<s>"
        for m in msgs:
            out += f"[INST] {m['content']} [/INST]" if m["role"] == "user" else f" {m['content']}</s>"
        return out
    with pytest.raises(ValueError, match="generation prompt"):
        hf_model.chat_render(apply, "<s>")


@pytest.mark.parametrize("arch", ARCHS)
def test_cut_decoder_and_onnx_export_match_the_full_model(folders, arch, tmp_path):
    model, meta = hf_model.load_model(folders[arch])
    assert meta["layers"] == 4 and meta["d_model"] == 64
    hook = 3
    ids = torch.randint(5, meta["vocab"], (3, 40))  # longer than Gemma's sliding window of 16
    mask = torch.ones_like(ids)
    mask[1, 25:] = 0
    cut = HookModel(model, hook).eval()
    with torch.no_grad():
        full = model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states[hook]
        ours = cut(ids, mask)
        alone = cut(ids[1:2, :25], mask[1:2, :25])
    assert torch.allclose(ours[mask.bool()], full[mask.bool()], atol=1e-5)
    assert torch.allclose(ours[1, :25], alone[0], atol=1e-5)  # padding never reaches real positions

    lm = SimpleNamespace(model=model, hook=hook)
    export_onnx(lm, tmp_path / "float.onnx")
    export_onnx(lm, tmp_path / "q8.onnx", quantised_embedding(HookModel(model, hook).embedding())[0])
    got = OrtPack(tmp_path / "float.onnx", 1).hidden_fn()(ids, mask)
    assert np.abs((got - ours).numpy()[mask.bool().numpy()]).max() < 1e-4
    # Random weights: 4-bit blocks cost more than on a trained model.
    for bits, mean, low in ((8, 0.999, 0.99), (4, 0.95, 0.85)):
        replaced, external = nbits_matmuls(tmp_path / "q8.onnx", tmp_path / f"w{bits}.onnx", bits, 32, "auto")
        assert not external  # far below 2 GB
        q = OrtPack(tmp_path / f"w{bits}.onnx", 1).hidden_fn()(ids, mask)
        cos = torch.nn.functional.cosine_similarity(q[mask.bool()], ours[mask.bool()], dim=-1)
        assert cos.mean() > mean and cos.min() > low, (bits, cos.mean(), cos.min())
        # GPT-2's projections export as Gemm, which onnxruntime's quantiser leaves float.
        assert replaced == (0 if arch == "gpt2" else hook * 7)


@pytest.mark.parametrize("arch", ARCHS)
def test_export_with_past_runs_an_edit_from_the_prefix_cache_as_a_full_run(folders, arch, tmp_path):
    """Format 9: the hidden states of the tokens after a prefix, from that prefix's presents,
    are a full run's (also past Gemma's sliding window of 16), padded batches with empty pasts
    are the plain export's, and the quantised model keeps its past inputs."""
    model, meta = hf_model.load_model(folders[arch])
    model.config._attn_implementation = "eager"
    lm = SimpleNamespace(model=model, hook=3)
    ids = torch.randint(5, meta["vocab"], (1, 40))
    st = SimpleNamespace(log=SimpleNamespace(warning=lambda *a: pytest.fail(a[0] % a[1:])))
    assert export_with_past(st, lm, tmp_path / "past.onnx", ids)["kv_cache"]
    ort_pack = OrtPack(tmp_path / "past.onnx", 1)
    assert [n for n, _ in ort_pack.past] == [f"past_{k}_{i}" for i in range(3) for k in ("key", "value")]
    full = ort_pack.run(ids)
    for cut in (1, 20, 39):
        first = ort_pack.run(ids[:, :cut])
        rest = ort_pack.run(ids[:, cut:], first[1:], np.ones((1, 40), np.int64))
        assert np.abs(rest[0] - full[0][:, cut:]).max() < 1e-5, cut
        assert all(np.abs(a - b).max() < 1e-5 for a, b in zip(rest[1:], full[1:]))  # presents cover all 40 tokens
    batch, mask = torch.randint(5, meta["vocab"], (2, 30)), torch.ones((2, 30), dtype=torch.long)
    mask[1, 12:] = 0
    export_onnx(lm, tmp_path / "plain.onnx")
    plain = OrtPack(tmp_path / "plain.onnx", 1).hidden_fn()(batch, mask)
    assert np.abs((ort_pack.hidden_fn()(batch, mask) - plain).numpy()[mask.bool().numpy()]).max() < 1e-5
    export_onnx(lm, tmp_path / "q8.onnx", quantised_embedding(HookModel(model, 3).embedding())[0], past=True)
    nbits_matmuls(tmp_path / "q8.onnx", tmp_path / "w8.onnx", 8, 32, "auto")
    assert past_disagreement(tmp_path / "w8.onnx", ids) < 1e-5


def test_an_export_whose_cache_disagrees_is_written_without_one(folders, tmp_path, monkeypatch):
    """A cache export that does not reproduce a full run is not shipped: the pack says why."""
    model, meta = hf_model.load_model(folders["llama"])
    warned = []
    st = SimpleNamespace(log=SimpleNamespace(warning=lambda *a: warned.append(a[0] % a[1:])))
    monkeypatch.setattr(export_stage, "past_disagreement", lambda path, ids: 0.03)
    kv = export_with_past(st, SimpleNamespace(model=model, hook=3), tmp_path / "past.onnx", torch.randint(5, meta["vocab"], (1, 12)))
    assert kv == {"kv_cache": False, "kv_cache_problem": "a run from the cache is 0.03 (of the largest value) from a full run"}
    assert "0.03" in warned[0]


def test_weights_over_the_limit_go_to_external_data(folders, tmp_path, monkeypatch):
    """Above protobuf's 2 GB (here a limit lowered to fit a test) the quantised model is saved
    as model.onnx + model.onnx.data, and onnxruntime runs it as it ran the one-file model."""
    model, meta = hf_model.load_model(folders["llama"])
    hook = 3
    ids = torch.randint(5, meta["vocab"], (2, 12))
    mask = torch.ones_like(ids)
    export_onnx(SimpleNamespace(model=model, hook=hook), tmp_path / "q8.onnx", quantised_embedding(HookModel(model, hook).embedding())[0])
    (tmp_path / "one").mkdir()
    (tmp_path / "split").mkdir()
    _, external = nbits_matmuls(tmp_path / "q8.onnx", tmp_path / "one" / "model.onnx", 8, 32, "auto")
    assert not external and not (tmp_path / "one" / EXTERNAL_DATA).exists()
    monkeypatch.setattr(export_stage, "MAX_MODEL_BYTES", export_stage.EXTERNAL_MARGIN + 1000)
    _, external = nbits_matmuls(tmp_path / "q8.onnx", tmp_path / "split" / "model.onnx", 8, 32, "auto")
    assert external
    one, split = tmp_path / "one" / "model.onnx", tmp_path / "split" / "model.onnx"
    data = (tmp_path / "split" / EXTERNAL_DATA).stat().st_size
    assert data > 100_000 and split.stat().st_size < one.stat().st_size - 100_000, (split.stat().st_size, one.stat().st_size, data)
    a = OrtPack(one, 1).hidden_fn()(ids, mask)
    b = OrtPack(split, 1).hidden_fn()(ids, mask)
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="export.external_data"):
        export_stage.needs_external(None, "never")
