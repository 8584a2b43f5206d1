"""Export pieces that need no trained pack: the int8 embedding and the safetensors writer."""

import json
import struct

import numpy as np
import torch

from pack_builder.lm import QuantisedEmbedding
from pack_builder.stages.export import write_safetensors


def test_int8_embedding_rows_are_within_half_a_step_of_the_float_rows():
    w = torch.randn(50, 16) * torch.linspace(0.01, 3, 50)[:, None]  # rows of very different scales
    q = QuantisedEmbedding.per_row(w)
    ids = torch.arange(50)[None]
    out = q(ids)[0]
    step = w.abs().amax(1, keepdim=True) / 127
    assert q.q.dtype == torch.int8
    assert torch.all((out - w).abs() <= step / 2 + 1e-6)


def test_safetensors_header_and_f16_data(tmp_path):
    path = tmp_path / "x.safetensors"
    t = torch.tensor([[1.0, -2.5], [0.25, 3.0]])
    write_safetensors(path, {"W": t, "b": torch.tensor([1.0])}, "F16")
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    assert header["W"] == {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]}
    assert (8 + n) % 8 == 0
    data = np.frombuffer(raw[8 + n :][:8], dtype=np.float16).reshape(2, 2)
    assert np.array_equal(data, t.numpy().astype(np.float16))


def test_the_f16_sae_rounds_the_trained_threshold_as_the_pack_stores_it():
    import torch

    from pack_builder.sae import BatchTopKSAE
    from pack_builder.stages.export import f16_sae
    from pack_builder.stages.sae import ScaledSAE

    inner = BatchTopKSAE(2, 3, 1)
    with torch.no_grad():
        inner.theta.fill_(0.9171)  # not an F16 value
    rounded = f16_sae(ScaledSAE(inner, 1.0))
    assert float(rounded.jump_thresholds()[0]) == float(torch.tensor(0.9171).half().float()) != 0.9171
    assert torch.equal(rounded.sae.W_enc, inner.W_enc.half().float())
    assert float(inner.theta) == float(torch.tensor(0.9171)), "the SAE given stays as it was"
