"""The fine-tune's checkpoints: a run cut after a checkpoint and started again in a new model
goes on from it and ends with the same weights and losses as a run never cut."""

import copy
import logging

import torch
from transformers import LlamaConfig, LlamaForCausalLM

from pack_builder.stages.finetune import train


def _model():
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=50, hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
                      num_key_value_heads=1, max_position_embeddings=64, tie_word_embeddings=True)
    return LlamaForCausalLM(cfg).eval()


def _examples():
    g = torch.Generator().manual_seed(1)
    out = []
    for n in range(14):
        length = 6 + n % 5
        ids = torch.randint(1, 50, (length,), generator=g).tolist()
        out.append((ids, [0] * 3 + [1] * (length - 3)))
    return out


CONF = {"lr": 3e-3, "epochs": 2, "batch": 4, "checkpoint_steps": 3}  # 28 rows in batches of 4: 7 steps


def test_a_cut_run_resumes_from_its_checkpoint_and_ends_as_an_uncut_run(tmp_path, caplog):
    log = logging.getLogger("finetune-test")
    start = _model()
    whole = copy.deepcopy(start)
    steps, history = train(whole, _examples(), CONF, 5, 0, tmp_path / "whole.pt", log)
    assert steps == 7

    cut = copy.deepcopy(start)
    train(cut, _examples(), CONF, 5, 0, tmp_path / "cut.pt", log, stop_after=5)
    assert torch.load(tmp_path / "cut.pt")["step"] == 3, "the checkpoint of step 3 (the next is due at 6)"
    assert not all(torch.equal(a, b) for a, b in zip(cut.parameters(), whole.parameters())), "cut short, it differs"

    again = copy.deepcopy(start)  # a new process: the weights it loads, not the cut run's
    with caplog.at_level(logging.INFO, logger="finetune-test"):
        _, resumed = train(again, _examples(), CONF, 5, 0, tmp_path / "cut.pt", log)
    assert "goes on from its checkpoint at step 3/7" in caplog.text
    for (name, a), b in zip(again.named_parameters(), whole.parameters()):
        assert torch.allclose(a, b, atol=1e-6), name
    assert [(h["step"], h["loss"]) for h in resumed] == [(h["step"], h["loss"]) for h in history]
    assert torch.equal(again.get_input_embeddings().weight, start.get_input_embeddings().weight), "the embedding is not trained"
