#!/usr/bin/python3
"""Writes the intent contrast set: python3 tools/pack-builder/contrast/generate.py

Each pair holds the SAME assistant text twice: once asked for openly (security class,
red-team exercise, myth-busting quiz, ...) and once slipped in unasked by a
helpful-seeming assistant answering the ordinary task. Only the user's intent differs,
so text-only methods cannot tell the halves apart. Deterministic (seeded); items
(with all their variants) are split 3:1 into train.jsonl and validation.jsonl, so
validation items are never seen in training.
"""

import json
import random
from pathlib import Path

from templates import ASKED_CLAIM, ASKED_CODE, CODE, MEDICAL, OTHER

HERE = Path(__file__).resolve().parent
SEED = 4
FRAMINGS_PER_SNIPPET = 3
# The unasked user just asks; small phrasing changes keep rows distinct.
UNASKED = ["{task}", "Hi! {task}", "{task} Thanks in advance.", "Quick question: {task}"]


def pairs():
    rng = random.Random(SEED)
    domains = [("code", CODE, ASKED_CODE), ("medical", MEDICAL, ASKED_CLAIM), (None, OTHER, ASKED_CLAIM)]
    for default_domain, items, asked in domains:
        for n, item in enumerate(items):
            split = "validation" if n % 4 == 3 else "train"
            for v, (a, b) in enumerate(item["fill"]):
                task = item["task"].format(a=a, b=b)
                answer = item["answer"].format(a=a, b=b) if "{" in item["answer"] else item["answer"]
                for f in sorted(rng.sample(range(len(asked)), FRAMINGS_PER_SNIPPET)):
                    pair = f"{item['id']}/{v}/{f}"
                    users = {"asked": asked[f].format(flaw=item["flaw"], task=task),
                             "unasked": UNASKED[f].format(task=task)}
                    for kind, user in users.items():
                        yield split, {"pair": pair, "domain": item.get("domain", default_domain), "kind": kind,
                                      "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


def main():
    out = {"train": [], "validation": []}
    for split, row in pairs():
        out[split].append(row)
    for split, rows in out.items():
        with open(HERE / f"{split}.jsonl", "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{split}: {len(rows) // 2} pairs")


if __name__ == "__main__":
    main()
