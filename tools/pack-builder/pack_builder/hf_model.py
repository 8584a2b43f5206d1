"""A local Hugging Face causal-LM folder (`--model DIR`): the model, its tokenizer and the pack's
chat rendering derived from its chat template.

Any architecture whose decoder keeps its blocks in a ModuleList (`layers`, GPT-2's `h`) and a
final norm beside them loads here: Llama and SmolLM, Qwen2, Gemma 2 and 3, GPT-2 among them
(tests/test_hf_model.py builds a random one of each). The model runs in float32 with eager
attention (plain MatMul/Softmax in the exported graph; Gemma 2's soft-capping needs it anyway).

The pack renders an example as bos, then prefix + content + suffix per message, then eos
(docs/pack-format.md). `chat_render` recovers those strings from the tokenizer's Jinja chat
template by rendering conversations of sentinel words and cutting around them, then checks that
they reproduce the template on other conversations. Choices where a template does something a
prefix/suffix rendering cannot: a default system prompt the template inserts when a
conversation has none (Qwen2.5's) is left out, as the embedded pack leaves SmolLM2's out, so a
dataset's own system message is rendered as written; a template without a system turn (Gemma's
fold the system text into the first user turn, or refuse it) renders a system message as a user
turn of its own, and so does a tool message where the template has no turn for it. A tokenizer
without a chat template (GPT-2) gets PLAIN_RENDER.
"""

import os
from pathlib import Path

from .data import render as data_render

ROLES = ("system", "user", "assistant", "tool")
COMMON = {"scoredRoles": ["assistant"], "overflow": "window"}
# For base models without a chat template: "User: ...\n\n", a plain transcript.
PLAIN_RENDER = {"bos": "", "eos": "",
                "roles": {r: {"prefix": f"{r.capitalize()}: ", "suffix": "\n\n"} for r in ROLES}, **COMMON}
# Sentinel contents: plain words no template trims or escapes.
SYS, U1, A1, U2, A2 = "SENTINELsys", "SENTINELuserone", "SENTINELassistantone", "SENTINELusertwo", "SENTINELassistanttwo"


def chat_render(apply, bos_token=None):
    """The pack's render block from a chat template. apply(messages, add_generation_prompt) is the
    template (tokenizer.apply_chat_template with tokenize=False); bos_token the tokenizer's."""
    msg = lambda role, content: {"role": role, "content": content}
    turns = [msg("user", U1), msg("assistant", A1), msg("user", U2), msg("assistant", A2)]
    full = apply(turns, False)
    plain, gen = apply(turns[:1], False), apply(turns[:1], True)
    if not gen.startswith(plain) or len(gen) == len(plain):
        raise ValueError("the chat template has no generation prompt to read the assistant's prefix from")
    a_prefix = gen[len(plain):]
    u_suffix = _cut_end(_between(full, U1, A1), a_prefix, "user suffix")
    # One end-of-turn string for every role (ChatML, Llama 3, Gemma): the assistant's suffix is the user's.
    u_prefix = _cut_start(_between(full, A1, U2), u_suffix, "user prefix")
    head = full[: full.index(U1)]
    # A bos token that opens every role marker (SmolLM2's is <|im_start|>) is the marker's, not a bos of its own.
    marker = os.path.commonprefix([u_prefix, a_prefix])
    bos = bos_token if bos_token and head.startswith(bos_token) and not marker.startswith(bos_token) else ""
    eos = _cut_start(full[full.index(A2) + len(A2):], u_suffix, "eos")
    roles = {"user": {"prefix": u_prefix, "suffix": u_suffix}, "assistant": {"prefix": a_prefix, "suffix": u_suffix}}
    for role in ("system", "tool"):
        roles[role] = _own_turn(apply, role, bos, roles["user"]) or dict(roles["user"])
    render = {"bos": bos, "eos": eos, "roles": roles, **COMMON}
    _check(apply, render)
    return render


def _own_turn(apply, role, bos, user):
    """A system or tool message's prefix and suffix, or None where the template gives it no turn
    of its own (then it renders as a user turn). The system message comes first, as templates
    want it; the tool message between user turns, so no default system prompt lands in its prefix."""
    msg = lambda r, content: {"role": r, "content": content}
    convo = [msg("system", SYS), msg("user", U1)] if role == "system" else [msg("user", U2), msg(role, SYS), msg("user", U1)]
    try:
        text = apply(convo, False)
    except Exception:  # Gemma 2's template raises on a system message; many on a tool message without a call
        return None
    if SYS not in text or not text.startswith(bos) or not _between(text, SYS, U1).endswith(user["prefix"]):
        return None  # folded into the user's turn (Gemma 3)
    before = text[len(bos): text.index(SYS)] if role == "system" else _between(text, U2, SYS)
    if role != "system":
        if not before.startswith(user["suffix"]):
            return None
        before = before[len(user["suffix"]):]
    return {"prefix": before, "suffix": _between(text, SYS, U1)[: len(_between(text, SYS, U1)) - len(user["prefix"])]}


def _check(apply, render):
    """The derived strings must reproduce the template on conversations not used to derive them."""
    msg = lambda role, content: {"role": role, "content": content}
    convos = [[msg("user", "Hi there."), msg("assistant", "Hello! How can I help?")],
              [msg("user", "a"), msg("assistant", "b"), msg("user", "c"), msg("assistant", "d"), msg("user", "e"), msg("assistant", "f")]]
    if render["roles"]["system"] != render["roles"]["user"]:
        convos.append([msg("system", "Be brief."), msg("user", "Why?"), msg("assistant", "Because.")])
    for c in convos:
        want, got = apply(c, False), data_render(c, render)
        # A template that inserts a default system prompt differs by that block, after bos.
        if not (want.startswith(render["bos"]) and want.endswith(got[len(render["bos"]):])):
            raise ValueError(f"the chat template is not a prefix/suffix rendering: {want!r} vs ours {got!r}")


def _between(text, a, b):
    i = text.index(a) + len(a)
    return text[i: text.index(b, i)]


def _cut_end(text, end, what):
    if not text.endswith(end):
        raise ValueError(f"cannot split the chat template's {what}: {text!r} does not end with {end!r}")
    return text[: len(text) - len(end)]


def _cut_start(text, start, what):
    if not text.startswith(start):
        raise ValueError(f"cannot split the chat template's {what}: {text!r} does not start with {start!r}")
    return text[len(start):]


def decoder_parts(model):
    """(decoder module, key of its block list, key of its final norm, key of its token embedding)."""
    m = model.base_model
    m = getattr(m, "language_model", m)  # multimodal checkpoints keep the text decoder inside
    layers = next((k for k in ("layers", "h") if k in m._modules), None)
    norm = next((k for k in ("norm", "ln_f", "final_layernorm") if k in m._modules), None)
    embed = next((k for k, v in m._modules.items() if v is model.get_input_embeddings()), None)
    if layers is None or norm is None or embed is None:
        raise ValueError(f"{type(model).__name__}: no block list, final norm or token embedding found in its decoder")
    return m, layers, norm, embed


def load_model(path):
    """(model in float32, eager attention, eval mode; meta) from a Hugging Face folder."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(path), dtype=torch.float32, attn_implementation="eager").eval()
    cfg = model.config
    text = cfg.get_text_config() if hasattr(cfg, "get_text_config") else cfg
    meta = {"name": getattr(cfg, "_name_or_path", "") or Path(path).name, "license": "",
            "architecture": (cfg.architectures or [type(model).__name__])[0], "model_type": cfg.model_type,
            "layers": text.num_hidden_layers, "d_model": text.hidden_size,
            "vocab": model.get_input_embeddings().weight.shape[0],
            "context": getattr(text, "max_position_embeddings", None) or getattr(text, "n_positions", None),
            "quantisation": ["F32"]}
    return model, meta


def load_tokenizer(path):
    """(tokenizers.Tokenizer, transformers tokenizer) of a Hugging Face folder. The fast tokenizer's
    own tokenizer.json is what the pack ships (transformers converts a slow one)."""
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(str(path))
    if not getattr(hf, "is_fast", False):
        raise ValueError(f"{path}: no fast tokenizer (tokenizer.json), which the scanner needs")
    return hf.backend_tokenizer, hf


def render_of(hf_tok):
    """The pack's render block for a transformers tokenizer."""
    if not hf_tok.chat_template:
        return PLAIN_RENDER
    return chat_render(lambda msgs, gen: hf_tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=gen),
                       hf_tok.bos_token)


def special_ids(hf_tok, model):
    """(eos id, pad id): the tokenizer's, else the model config's; padding falls back to eos."""
    eos = hf_tok.eos_token_id if hf_tok.eos_token_id is not None else model.config.eos_token_id
    eos = eos[0] if isinstance(eos, list) else eos
    pad = hf_tok.pad_token_id if hf_tok.pad_token_id is not None else eos
    return eos, pad
