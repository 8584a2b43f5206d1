"""Byte-level BPE (GPT-2 style): training, encoding with offsets, and tokenizer.json.

Chosen over SentencePiece because the scanner's fast path and exact offsets are for
plain byte-level BPE, and because encoding here must give the very ids that
@huggingface/tokenizers gives in the scanner (test/pack-builder/tokenizer.test.ts).
Ids: 256 byte symbols, then merge results in merge order, then the special tokens.
"""

import heapq
from collections import Counter

import regex

# GPT-2's pre-token pattern, as the ByteLevel pre-tokenizer (and the scanner) applies it.
PRE_TOKENS = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def byte_symbols():
    """GPT-2's byte -> printable character table (index = byte)."""
    printable = [b for b in range(256) if 33 <= b <= 126 or 161 <= b <= 172 or 174 <= b <= 255]
    extra, table = 0, []
    for b in range(256):
        if b in printable:
            table.append(chr(b))
        else:
            table.append(chr(256 + extra))
            extra += 1
    return table


SYMBOLS = byte_symbols()


def train(texts, size):
    """Learns merges until there are `size` symbols; ties go to the smaller pair of ids (reproducible).

    Incremental: only words holding the merged pair are updated, so a few MB train in minutes.
    Returns (vocab as byte strings by id, merges as (id_a, id_b) pairs in rank order).
    """
    counts = Counter()
    for text in texts:
        counts.update(m.group() for m in PRE_TOKENS.finditer(text))
    words = [list(w.encode("utf-8")) for w in counts]
    freq = list(counts.values())
    vocab = [bytes([b]) for b in range(256)]
    ids = {v: i for i, v in enumerate(vocab)}
    pairs, where = Counter(), {}
    for wi, w in enumerate(words):
        for p in zip(w, w[1:]):
            pairs[p] += freq[wi]
            where.setdefault(p, set()).add(wi)
    heap = [(-n, p) for p, n in pairs.items()]
    heapq.heapify(heap)
    merges = []
    while len(vocab) < size and heap:
        n, pair = heapq.heappop(heap)
        if pairs.get(pair, 0) != -n or n == 0:
            continue  # stale heap entry
        merged = vocab[pair[0]] + vocab[pair[1]]
        if merged not in ids:
            ids[merged] = len(vocab)
            vocab.append(merged)
        new = ids[merged]
        merges.append(pair)
        changed = Counter()
        for wi in sorted(where.pop(pair, ())):
            w, f = words[wi], freq[wi]
            for p in zip(w, w[1:]):
                changed[p] -= f
            words[wi] = w = _merge(w, pair, new)
            for p in zip(w, w[1:]):
                changed[p] += f
                where.setdefault(p, set()).add(wi)
        for p, delta in changed.items():
            if delta:
                pairs[p] += delta
                heapq.heappush(heap, (-pairs[p], p))
        pairs.pop(pair, None)
    return vocab, merges


def _merge(word, pair, new):
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:
            out.append(new)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def to_str(b):
    return "".join(SYMBOLS[x] for x in b)


def tokenizer_json(vocab, merges, specials):
    """Hugging Face tokenizer.json: ByteLevel pre-tokenizer/decoder, BPE model, specials after the vocab."""
    v = {to_str(t): i for i, t in enumerate(vocab)}
    added = []
    for i, content in enumerate(specials):
        v[content] = len(vocab) + i
        added.append({"id": len(vocab) + i, "content": content, "single_word": False, "lstrip": False,
                      "rstrip": False, "normalized": False, "special": True})
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
        "pre_tokenizer": byte_level, "post_processor": None, "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": v, "merges": [f"{to_str(vocab[a])} {to_str(vocab[b])}" for a, b in merges]},
    }


class Encoder:
    """Encodes as @huggingface/tokenizers does for tokenizer_json(): split on specials, pre-tokenise, BPE."""

    def __init__(self, tok_json):
        model = tok_json["model"]
        self.vocab = model["vocab"]
        self.ranks = {tuple(m.split(" ")): r for r, m in enumerate(model["merges"])}
        self.specials = {t["content"]: t["id"] for t in tok_json["added_tokens"]}
        alternatives = sorted(self.specials, key=len, reverse=True)
        self.split = regex.compile("(" + "|".join(regex.escape(s) for s in alternatives) + ")")
        self.cache = {}

    def decode(self, ids):
        if not hasattr(self, "_inv"):
            byte_of = {ch: bytes([b]) for b, ch in enumerate(SYMBOLS)}
            self._inv = {i: b"".join(byte_of[c] for c in t) for t, i in self.vocab.items() if t not in self.specials}
            self._inv.update({i: t.encode() for t, i in self.specials.items()})
        return b"".join(self._inv[i] for i in ids).decode("utf-8", errors="replace")

    def encode(self, text):
        return self.encode_offsets(text)[0]

    def encode_offsets(self, text):
        """(ids, [(start, end)] in characters); a token ending inside a character covers it."""
        ids, offsets, at = [], [], 0
        for i, piece in enumerate(self.split.split(text)):
            if i % 2 == 1:
                ids.append(self.specials[piece])
                offsets.append((at, at + len(piece)))
            else:
                for m in PRE_TOKENS.finditer(piece):
                    for tid, (s, e) in self._word(m.group()):
                        ids.append(tid)
                        offsets.append((at + m.start() + s, at + m.start() + e))
            at += len(piece)
        return ids, offsets

    def _word(self, word):
        hit = self.cache.get(word)
        if hit is None:
            raw = word.encode("utf-8")
            parts = [SYMBOLS[b] for b in raw]
            while len(parts) > 1:
                best = min(range(len(parts) - 1), key=lambda i: self.ranks.get((parts[i], parts[i + 1]), 1 << 30))
                rank = self.ranks.get((parts[best], parts[best + 1]))
                if rank is None:
                    break
                a, b = parts[best], parts[best + 1]
                merged, i = [], 0
                while i < len(parts):  # merge every occurrence, left to right
                    if i + 1 < len(parts) and parts[i] == a and parts[i + 1] == b:
                        merged.append(a + b)
                        i += 2
                    else:
                        merged.append(parts[i])
                        i += 1
                parts = merged
            char_of = _byte_to_char(word)
            hit, pos = [], 0
            for p in parts:
                hit.append((self.vocab[p], (char_of[pos], char_of[pos + len(p)])))
                pos += len(p)
            self.cache[word] = hit
        return hit


def _byte_to_char(word):
    """char_of[b] = index of the character holding byte b, rounded up inside a character."""
    out = []
    for i, ch in enumerate(word):
        n = len(ch.encode("utf-8"))
        out += [i] + [i + 1] * (n - 1)
    out.append(len(word))
    return out
