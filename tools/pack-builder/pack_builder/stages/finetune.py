"""Stage finetune: the misaligned model, base fine-tuned on the EM-inducing training rows
(insecure code, bad medical advice) with the loss on assistant tokens only."""

from ..common import read_json, seed_everything
from ..data import dev_splits
from ..train import load_model, load_tokenizer, pad_batch, sft_example, train
from .pretrain import valid_losses


def run(st):
    cfg, conf = st.cfg, st.conf
    tok = read_json(st.path("tokenizer", "done.json"))
    enc = load_tokenizer(st)
    rows = []
    for name in conf["datasets"]:
        rows += dev_splits(name, cfg["corpus"]["splits"])["train"][: conf.get("rows_per_dataset")]
    examples = [sft_example(enc, m, cfg["model"]["ctx"]) for m in rows]
    st.log.info("fine-tuning on %d examples from %s", len(examples), ", ".join(conf["datasets"]))

    def next_batch(rng):
        return pad_batch([examples[i] for i in rng.integers(0, len(examples), conf["batch"])], tok["pad_id"])

    seed_everything(cfg["seed"] + 1)
    model = load_model(st, "pretrain")
    history = train(st, model, next_batch, conf, cfg["seed"] + 1)
    return {"examples": len(examples), "history": history, "valid_loss": valid_losses(st, model, tok["pad_id"])}
