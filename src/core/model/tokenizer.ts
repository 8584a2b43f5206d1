// A pack's Hugging Face tokenizer, with character offsets.
//
// @huggingface/tokenizers gives ids and token strings but no offsets, and the
// editor must underline the exact characters behind each token. So offsets are
// recovered by aligning each token's surface bytes with the text's UTF-8 bytes.
// This is exact for lossless tokenizers (byte-level BPE, Metaspace/SentencePiece
// without normalisers); with lossy normalisers a token that cannot be aligned
// gets an empty span at the current position rather than a wrong one.
//
// Plain GPT-2-style byte-level BPE (no normaliser, regex pre-tokenizer, optionally
// after a Digits split as in SmolLM2, added tokens without strip flags) also gets a
// fast path: the text is split exactly as the library splits it (added tokens, digits,
// then GPT-2's pre-token regex), and each pre-token is encoded once and cached, since
// BPE never merges across pre-tokens. Tokenising is most of the scanner's own work;
// this makes it ~3x cheaper. Long pre-tokens go through LongWordBpe.

import { Tokenizer } from '@huggingface/tokenizers';
import { LONG_WORD, LongWordBpe } from './longWordBpe';

export interface Encoded {
  ids: number[];
  /** [start, end) of each token in the input string, in UTF-16 code units. */
  offsets: Array<[number, number]>;
  tokens: string[];
}

/** GPT-2's byte -> printable-character table: BYTE_CHARS[byte] is the character standing for it. */
const BYTE_CHARS: string[] = (() => {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = bytes.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(256 + n++);
    }
  }
  const table: string[] = [];
  bytes.forEach((b, i) => (table[b] = String.fromCharCode(chars[i])));
  return table;
})();

/** The same table inverted: char code -> byte. */
const BYTE_LEVEL = new Map(BYTE_CHARS.map((c, b) => [c.charCodeAt(0), b]));
const BYTE_FALLBACK = /^<0x([0-9A-Fa-f]{2})>$/;

function usesByteLevel(json: Record<string, unknown>): boolean {
  const hasType = (node: unknown): boolean => {
    if (!node || typeof node !== 'object') return false;
    const o = node as Record<string, unknown>;
    if (o.type === 'ByteLevel') return true;
    const children = (o.pretokenizers ?? o.decoders) as unknown[] | undefined;
    return Array.isArray(children) && children.some(hasType);
  };
  return hasType(json.pre_tokenizer) || hasType(json.decoder);
}

/** GPT-2's pre-token pattern, as the ByteLevel pre-tokenizer applies it. */
const GPT2_PRE_TOKENS = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
/** Pre-tokens remembered by the fast path; cleared when full to keep memory bounded. */
const CACHE_LIMIT = 200_000;

interface AddedToken {
  content: string;
  lstrip?: boolean;
  rstrip?: boolean;
  single_word?: boolean;
}

type PreTokenizer = Record<string, unknown> | null | undefined;

const isPlainByteLevel = (pre: PreTokenizer) => pre?.type === 'ByteLevel' && pre.use_regex !== false && pre.add_prefix_space !== true;

/**
 * The pre-token patterns the fast path applies in turn, when they reproduce the library's ids
 * for this tokenizer.json exactly: GPT-2's, after the library's Digits pattern if the
 * pre-tokenizer is Digits then ByteLevel. Null otherwise.
 */
function fastSplits(json: Record<string, unknown>, added: AddedToken[]): RegExp[] | null {
  const model = json.model as Record<string, unknown> | undefined;
  if (model?.type !== 'BPE' || json.normalizer || !added.every((t) => !t.lstrip && !t.rstrip && !t.single_word)) return null;
  const pre = json.pre_tokenizer as PreTokenizer;
  if (isPlainByteLevel(pre)) return [GPT2_PRE_TOKENS];
  const steps = pre?.type === 'Sequence' && Array.isArray(pre.pretokenizers) ? (pre.pretokenizers as PreTokenizer[]) : [];
  if (steps.length === 2 && steps[0]?.type === 'Digits' && isPlainByteLevel(steps[1])) {
    return [steps[0].individual_digits ? /[^\d]+|\d/gu : /[^\d]+|\d+/gu, GPT2_PRE_TOKENS];
  }
  return null;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class PackTokenizer {
  private readonly special = new Set<string>();
  /** Splits text around added tokens (capturing them), or null when the fast path is off. */
  private readonly addedSplit: RegExp | null;
  private readonly cache = new Map<string, Encoded>();
  private readonly longWords: LongWordBpe | null;

  private constructor(
    private readonly hf: Tokenizer,
    private readonly byteLevel: boolean,
    addedTokens: AddedToken[],
    /** The fast path's pre-token patterns, or null when it is off. */
    private readonly splits: RegExp[] | null,
  ) {
    for (const t of addedTokens) this.special.add(t.content);
    const alternatives = [...this.special].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.addedSplit = !splits ? null : alternatives.length > 0 ? new RegExp(`(${alternatives.join('|')})`) : /(?!)/;
    this.longWords = splits ? LongWordBpe.of(hf) : null;
  }

  /** Whether ids come from the fast path (the benchmark and tests say which tokenizers get it). */
  get fast(): boolean {
    return this.addedSplit !== null;
  }

  /** Builds from a parsed tokenizer.json; throws with a plain message on a malformed file. */
  static fromJSON(json: unknown): PackTokenizer {
    if (!json || typeof json !== 'object' || !('model' in json)) {
      throw new Error('no "model" section; expected the Hugging Face tokenizers format');
    }
    const obj = json as Record<string, unknown>;
    const hf = new Tokenizer(obj, {});
    const added = Array.isArray(obj.added_tokens) ? (obj.added_tokens as AddedToken[]) : [];
    return new PackTokenizer(hf, usesByteLevel(obj), added, fastSplits(obj, added));
  }

  tokenId(token: string): number | undefined {
    return this.hf.token_to_id(token);
  }

  encode(text: string): Encoded {
    return this.addedSplit ? this.encodeFast(text) : this.encodeSlow(text);
  }

  private encodeSlow(text: string): Encoded {
    const { ids, tokens } = this.hf.encode(text, { add_special_tokens: false });
    return { ids, tokens, offsets: this.align(text, tokens) };
  }

  private encodeFast(text: string): Encoded {
    const out: Encoded = { ids: [], tokens: [], offsets: [] };
    let at = 0;
    // split() with a capturing group alternates plain text and added tokens.
    text.split(this.addedSplit!).forEach((piece, i) => {
      if (i % 2 === 1) {
        out.ids.push(this.hf.token_to_id(piece)!);
        out.tokens.push(piece);
        out.offsets.push([at, at + piece.length]);
      } else {
        this.preTokens(out, piece, at, 0);
      }
      at += piece.length;
    });
    return out;
  }

  /** Splits `text` (at `shift` in the whole) by the fast path's patterns from `step` on, and appends each pre-token's tokens. */
  private preTokens(out: Encoded, text: string, shift: number, step: number): void {
    const splits = this.splits!;
    for (const m of text.matchAll(splits[step])) {
      if (step + 1 < splits.length) this.preTokens(out, m[0], shift + m.index!, step + 1);
      else this.append(out, this.preToken(m[0]), shift + m.index!);
    }
  }

  private preToken(word: string): Encoded {
    if (word.length >= LONG_WORD) return this.longWord(word);
    let hit = this.cache.get(word);
    if (!hit) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      hit = this.encodeSlow(word);
      this.cache.set(word, hit);
    }
    return hit;
  }

  /** A long pre-token, not cached: each is seen about once, and one can hold 16,384 tokens. */
  private longWord(word: string): Encoded {
    const symbols = Array.from(Buffer.from(word, 'utf8'), (b) => BYTE_CHARS[b]);
    const tokens = this.longWords?.encode(symbols);
    if (!tokens) return this.encodeSlow(word);
    return { ids: tokens.map((t) => this.hf.token_to_id(t)!), tokens, offsets: this.align(word, tokens) };
  }

  private append(out: Encoded, part: Encoded, shift: number): void {
    for (let i = 0; i < part.ids.length; i++) {
      out.ids.push(part.ids[i]);
      out.tokens.push(part.tokens[i]);
      out.offsets.push([part.offsets[i][0] + shift, part.offsets[i][1] + shift]);
    }
  }

  /** The bytes a token stands for in the original text. */
  private surface(token: string): Buffer {
    if (this.special.has(token)) return Buffer.from(token, 'utf8');
    if (this.byteLevel) {
      const out = Buffer.allocUnsafe(token.length);
      let n = 0;
      for (const ch of token) {
        const b = BYTE_LEVEL.get(ch.codePointAt(0)!);
        if (b === undefined) return Buffer.from(token, 'utf8');
        out[n++] = b;
      }
      return out.subarray(0, n);
    }
    const fallback = BYTE_FALLBACK.exec(token);
    if (fallback) return Buffer.from([parseInt(fallback[1], 16)]);
    return Buffer.from(token.replace(/\u2581/g, ' ').replace(/^##/, ''), 'utf8');
  }

  private align(text: string, tokens: string[]): Array<[number, number]> {
    const bytes = Buffer.from(text, 'utf8');
    const charAt = byteToCharIndex(text, bytes.length);
    const offsets: Array<[number, number]> = [];
    let cursor = 0;
    for (const token of tokens) {
      let s = this.surface(token);
      let at = matchAt(bytes, s, cursor);
      if (at < 0 && s.length > 0 && s[0] === 0x20) {
        // SentencePiece adds a prefix space the text may not have.
        s = s.subarray(1);
        at = matchAt(bytes, s, cursor);
      }
      if (at < 0) {
        offsets.push([charAt[cursor], charAt[cursor]]);
        continue;
      }
      cursor = at + s.length;
      offsets.push([charAt[at], charAt[cursor]]);
    }
    return offsets;
  }
}

/** Where `needle` starts at or shortly after `from` (skipping dropped whitespace), or -1. */
function matchAt(hay: Buffer, needle: Buffer, from: number): number {
  if (needle.length === 0) return from;
  for (let at = from; at < hay.length && at <= from + 8; at++) {
    if (hay.compare(needle, 0, needle.length, at, at + needle.length) === 0) return at;
    if (hay[at] !== 0x20 && hay[at] !== 0x0a && hay[at] !== 0x09 && hay[at] !== 0x0d) break;
  }
  return -1;
}

/**
 * charAt[b] = UTF-16 index of the character holding byte b (rounded up for
 * bytes inside a character, so a token ending mid-character still covers it).
 */
function byteToCharIndex(text: string, nBytes: number): Int32Array {
  const map = new Int32Array(nBytes + 1);
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let len: number;
    let units = 1;
    if (c < 0x80) len = 1;
    else if (c < 0x800) len = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      len = 4;
      units = 2;
    } else len = 3;
    map[b] = i;
    for (let k = 1; k < len; k++) map[b + k] = i + units;
    b += len;
    i += units - 1;
  }
  map[nBytes] = text.length;
  return map;
}
