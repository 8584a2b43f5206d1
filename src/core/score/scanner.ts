// Scores examples with a loaded pack: render, tokenise, run the model in
// length-bucketed batches, read out the scored tokens (their SAE latents and
// directions), aggregate and calibrate. Results are cached per (pack, rendered example).

import { exampleHash } from '../cache/resultCache';
import type { ResultCache } from '../cache/resultCache';
import { nothingToScoreDiagnostic, tooLongDiagnostic } from '../dataset/codes';
import { renderExample, segmentAt, sourceSpan, type Rendered } from '../dataset/render';
import type { Diagnostic, Example } from '../dataset/types';
import type { Keep, PrefixCache } from '../model/prefixCache';
import type { HiddenStates } from '../model/session';
import { SharedHead, type Opening } from '../model/sharedHead';
import type { LoadedPack } from '../pack/load';
import { dot } from '../sae/encode';
import { planBatches, planWindows, packBatch, windowOf, type Batch, type TokenWindow } from './batching';
import { exampleScore, levelOf, promptEndScore, promptEnds, toRisk } from './calibrate';
import { namedBy, namingTerms, type NamingTerm } from './naming';
import { contributingSpans } from './topSpans';
import type { ExampleScore, LatentHit, TokenScore } from './types';

/**
 * Which latents each score reports besides the read-out: none; 'all', every example's strongest
 * latents of the whole SAE (a full encode) and every named one that fired; 'named', every named
 * one, and the whole SAE's strongest as well for 1 in FULL_ENCODE_EVERY examples, picked by their
 * content (the diff estimates unnamed latents from them). Named latents are read exactly from
 * their encoder columns (cheap), not from each token's strongest.
 */
export type LatentReport = 'none' | 'all' | 'named';

/** In 'named' mode, the share of examples that also get a full encode: a sixteenth (about 3% more time, not 43%, with the embedded pack). */
export const FULL_ENCODE_EVERY = 16;

export interface ScannerOptions {
  latents?: LatentReport;
  /** Upper bound on padded tokens per model run. */
  maxBatchTokens?: number;
  maxBatchRows?: number;
  cache?: ResultCache<ExampleScore> | null;
  /**
   * Keys and values of recent runs (a model of pack format 9): a model run of one sequence
   * starts from the longest prefix it shares with one of them. The editor's scorer of the lines
   * in focus has one, so an edited line re-scores from the edit on.
   */
  prefixes?: PrefixCache;
  /**
   * Whether the tokens the examples begin with alike (a system prompt they share) run once and
   * each example runs from there (a model of pack format 9; SharedHead). Default true; off, the
   * model runs every token (for comparing the two).
   */
  sharedHead?: boolean;
}

/** What scores examples: a Scanner, or one in another thread (the scan host's bulk thread). */
export interface Scores {
  score(examples: Example[]): Promise<Scored[]>;
}

export interface Scored {
  /** Null when the example has no scored token (PL071 says why). */
  score: ExampleScore | null;
  cached: boolean;
  diagnostics: Diagnostic[];
}

/**
 * Hidden-state values (padded tokens x d_model) per model run. Small batches:
 * onnxruntime's arena grows to the largest run (fresh pages, about as slow
 * again as the run), and lengths group more tightly. For persona-mini 8192 ->
 * 2048 tokens took it from 14.7k to 19.2k tokens/s on one thread. For
 * SmolLM2-135M (d_model 576) 2048 -> 1024 tokens cut peak RSS over 300
 * insecure-code rows from 420 to 343 MiB at the same speed, and 1024 -> 768
 * over 60 rows from 306 to 277 MiB (512: 266 MiB, 15% slower); tiny bench
 * models keep about 1700 tokens a run, where per-run overhead counts.
 */
const BATCH_HIDDEN_VALUES = 768 * 576;
const TOP_TOKENS = 5;
/**
 * What one example may cost. Past MAX_EXAMPLE_TOKENS its tokens are not scored, and past
 * MAX_EXAMPLE_CHARS of model text it is not even tokenised: a single 45 MiB line took
 * gigabytes and minutes, and aborted the whole scan. Either cut is said in PL070.
 */
export const MAX_EXAMPLE_TOKENS = 16_384;
/** Eight characters per token: ordinary text reaches MAX_EXAMPLE_TOKENS first. */
export const MAX_EXAMPLE_CHARS = 131_072;
const TOP_LATENTS = 8;
/** Keys scores with latents apart in the cache; renamed when what they hold changes ('all': named latents beyond the top 8 were added). */
const LATENTS_KEY: Record<LatentReport, string> = { none: '', all: 'all-latents+named-exact', named: `named-latents+full-1-in-${FULL_ENCODE_EVERY}` };

/** An example's model text and cache key. */
interface Keyed {
  example: Example;
  rendered: Rendered;
  key: string;
}

interface Prepared extends Keyed {
  ids: number[];
  offsets: Array<[number, number]>;
  windows: TokenWindow[];
  /** Positions (into ids) of the tokens that are scored. */
  scored: number[];
  truncated: boolean;
  /** Only the first MAX_EXAMPLE_CHARS of the model text were tokenised. */
  textCut: boolean;
}

/** Where time went, for the benchmark's overhead figure. */
export interface ScanTiming {
  /** Inside score(): everything below plus batching, aggregation and cache look-ups. */
  totalMs: number;
  /** Rendering and tokenising. */
  prepareMs: number;
  /** Inside the model's session.run. */
  modelMs: number;
  /** The read-out of the scored tokens (SAE encode, directions), and the --all-latents encode. */
  saeMs: number;
  /** Tokens the model ran. */
  tokens: number;
  /**
   * Tokens of the examples it did not run (their keys and values came from the shared head or a
   * kept line), less the head's own runs: `tokens + sharedTokens` are the examples' tokens.
   */
  sharedTokens: number;
  /** Scored tokens the SAE read out; an edit of a kept line reads only those from the edit on. */
  readTokens: number;
  examples: number;
}

export class Scanner {
  readonly timing: ScanTiming = { totalMs: 0, prepareMs: 0, modelMs: 0, saeMs: 0, tokens: 0, sharedTokens: 0, readTokens: 0, examples: 0 };
  /** The tokens the examples begin with alike, run once; null for a model that takes no past keys and values. */
  private readonly head: SharedHead | null;
  /** The read-out's latent terms: indices and their weights. */
  private readonly latents: number[];
  /** The latents latents.json names. */
  private readonly named: number[];
  private readonly weights: Float64Array;
  /** The read-out's direction terms as one vector (directionSum); null when it has none. */
  private readonly direction: Float64Array | null;
  /** Its `prompt-end` terms (format 5) as one vector; null when it has none. */
  private readonly promptDirection: Float64Array | null;
  private readonly labels: Map<number, string>;
  /** The terms that may name an example (naming.ts); the latents among them; each direction's vector. */
  private readonly naming: NamingTerm[];
  private readonly namingLatents: number[];
  private readonly namingVectors: Array<Float64Array | null>;
  private buffer = new Float32Array(0);

  constructor(
    private readonly pack: LoadedPack,
    private readonly opts: ScannerOptions = {},
  ) {
    const latentTerms = readoutLatents(pack);
    this.latents = latentTerms.map((r) => r.latent);
    this.weights = Float64Array.from(latentTerms.map((r) => r.weight));
    this.direction = directionSum(pack, false);
    this.promptDirection = directionSum(pack, true);
    this.labels = new Map(pack.latents.latents.map((l) => [l.index, l.label]));
    this.named = [...this.labels.keys()];
    this.naming = namingTerms(pack.calibration, pack.latents);
    this.namingLatents = this.naming.flatMap((t) => (t.latent === undefined ? [] : [t.latent]));
    this.namingVectors = this.naming.map((t) => (t.direction === undefined ? null : Float64Array.from(pack.directions.get(t.direction)!)));
    this.head = pack.model.cache && opts.sharedHead !== false ? new SharedHead() : null;
  }

  /** Which latents each score reports. */
  get latentReport(): LatentReport {
    return this.opts.latents ?? 'none';
  }

  /**
   * Scores a batch of examples; the result at i belongs to examples[i]. `near`: the examples are
   * lines on screen, each this many lines from the cursor (the prefix cache keeps the nearest).
   */
  async score(examples: Example[], near?: (line: number) => number): Promise<Scored[]> {
    const t0 = performance.now();
    const keyed = examples.map((e) => this.keyed(e));
    const hits = keyed.map((k) => this.opts.cache?.get(k.key));
    // A cached score that was not cut short says all tokenising would: its token count is the
    // example's. Only the others are tokenised (a third of a cached scan's time, before).
    const out: Array<Scored | undefined> = keyed.map((k, i) => {
      const hit = hits[i];
      return hit && !hit.truncated ? { score: remap(hit, k), cached: true, diagnostics: this.tooLong(k.example.line, hit.tokens) } : undefined;
    });
    const prepared = keyed.map((k, i) => (out[i] ? null : this.prepare(k)));
    this.timing.prepareMs += performance.now() - t0;
    prepared.forEach((p, i) => {
      if (!p) return;
      const hit = hits[i];
      // No token to read out: a risk would only be the calibration's intercept, a made-up number.
      if (p.scored.length === 0) out[i] = { score: null, cached: false, diagnostics: [...this.lengthDiagnostics(p), nothingToScoreDiagnostic(p.example)] };
      else if (hit) out[i] = { score: remap(hit, p), cached: true, diagnostics: this.lengthDiagnostics(p) };
    });
    const todo = prepared.flatMap((p, i) => (p && !out[i] ? [i] : []));
    if (todo.length > 0) {
      const fresh = await this.run(todo.map((i) => prepared[i]!), near && ((line) => ({ near: near(line) })));
      todo.forEach((i, j) => {
        this.opts.cache?.set(prepared[i]!.key, fresh[j]);
        out[i] = { score: fresh[j], cached: false, diagnostics: this.lengthDiagnostics(prepared[i]!) };
      });
    }
    this.timing.totalMs += performance.now() - t0;
    this.timing.examples += examples.length;
    return out as Scored[];
  }

  /** The example's model text and its cache key: all a cache hit needs. */
  private keyed(example: Example): Keyed {
    const rendered = renderExample(example, this.pack.manifest.render, MAX_EXAMPLE_CHARS);
    const layout = rendered.segments.filter((s) => s.scored).map((s) => `${s.start}:${s.end}`).join(',');
    return { example, rendered, key: exampleHash([rendered.text, layout, LATENTS_KEY[this.latentReport]]) };
  }

  private prepare({ example, rendered, key }: Keyed): Prepared {
    const { render } = this.pack.manifest;
    const enc = this.pack.tokenizer.encode(rendered.text);
    const windows = planWindows(Math.min(enc.ids.length, MAX_EXAMPLE_TOKENS), render.maxTokens, render.overflow);
    const seen = windows[windows.length - 1].end;
    const scored: number[] = [];
    for (let t = 0; t < seen; t++) {
      const [s, e] = enc.offsets[t];
      const seg = segmentAt(rendered, (s + Math.max(s, e - 1)) >> 1);
      if (seg?.scored) scored.push(t);
    }
    return {
      example,
      rendered,
      key,
      ids: enc.ids,
      offsets: enc.offsets,
      windows,
      scored,
      truncated: seen < enc.ids.length || rendered.cut,
      textCut: rendered.cut,
    };
  }

  private lengthDiagnostics(p: Prepared): Diagnostic[] {
    const max = this.pack.manifest.render.maxTokens;
    const seen = p.windows[p.windows.length - 1].end;
    // Cut past the windows: by the per-example limits (MAX_EXAMPLE_*), not by the context.
    const cap = p.truncated && seen > max ? { scored: seen, textCut: p.textCut } : undefined;
    return p.ids.length > max ? [tooLongDiagnostic(p.example.line, p.ids.length, max, p.truncated, cap)] : [];
  }

  /** PL070 of an example of `tokens` tokens that nothing cut short (read through windows). */
  private tooLong(line: number, tokens: number): Diagnostic[] {
    const max = this.pack.manifest.render.maxTokens;
    return tokens > max ? [tooLongDiagnostic(line, tokens, max, false)] : [];
  }

  /** `keeping`: how the prefix cache keeps a line run whole and alone (else only a reuse). */
  private async run(items: Prepared[], keeping?: (line: number) => Keep): Promise<ExampleScore[]> {
    const d = this.pack.manifest.model.dModel;
    // One row per scored token, examples back to back: row rowStart[i] + k is token p.scored[k] of item i.
    const rowStart = slotStarts(items.map((p) => p.scored));
    const readouts = new Float64Array(rowStart[items.length]);
    const mode = this.latentReport;
    // Which items get a full encode; every item's named latents are read in 'named' mode.
    const full = items.map((p) => mode === 'all' || (mode === 'named' && sampledForFullEncode(p.key)));
    const latentMax = mode === 'none' ? null : items.map(() => new Map<number, number>());
    const rowItem = new Int32Array(rowStart[items.length]);
    items.forEach((_, i) => rowItem.fill(i, rowStart[i], rowStart[i + 1]));
    // Each naming term's part of each item's score, summed over its scored tokens: [item][term].
    const parts = new Float64Array(items.length * this.naming.length);

    // One sequence per window; an item's windows are consecutive, from firstSeq[item].
    const seqIds: number[][] = [];
    const firstSeq = items.map((p) => {
      const first = seqIds.length;
      for (const w of p.windows) seqIds.push(p.ids.slice(w.start, w.end));
      return first;
    });
    // Which scored rows each sequence supplies, as (position in sequence, row) pairs.
    const supplies = suppliesBySequence(items, items.map((p) => p.scored), rowStart, firstSeq, seqIds.length);
    // The prompt ends' read-outs likewise, slots per item from endStart.
    const ends = items.map((p) => (this.promptDirection ? promptEnds(p.scored) : []));
    const endStart = slotStarts(ends);
    const endValues = new Float64Array(endStart[items.length]);
    const endSupplies = suppliesBySequence(items, ends, endStart, firstSeq, seqIds.length);

    await this.prepareHead(items.map((p, i) => ({ ids: seqIds[firstSeq[i]], line: p.example.line })));
    const batches = planBatches(
      seqIds.map((s) => s.length),
      this.opts.maxBatchTokens ?? Math.max(256, Math.floor(BATCH_HIDDEN_VALUES / d)),
      this.opts.maxBatchRows ?? 64,
    );
    for (const batch of batches) {
      const m = batch.items.reduce((n, i) => n + supplies[i].length / 2, 0);
      if (m === 0 && batch.items.every((i) => endSupplies[i].length === 0)) continue;
      const t0 = performance.now();
      // A line on screen is kept only whole (as the cursor's: warm).
      const only = keeping && batch.items.length === 1 ? items.findIndex((p, i) => firstSeq[i] === batch.items[0] && p.windows.length === 1) : -1;
      const keep: Keep = keeping && only >= 0 ? keeping(items[only].example.line) : 'reused';
      const out = await this.runBatch(seqIds, batch, keep);
      this.timing.modelMs += performance.now() - t0;
      batch.items.forEach((seqI, r) => {
        const pairs = endSupplies[seqI];
        for (let j = 0; j < pairs.length; j += 2) endValues[pairs[j + 1]] = dot(out.hidden, (r * batch.seq + pairs[j]) * d, this.promptDirection!, 0, d);
      });
      if (m === 0) continue;

      // The SAE reads only the scored tokens of this batch, gathered into x [m, d]: first those
      // whose SAE read-out a kept prefix does not hold (a run from one: up to the edit), `read` of them.
      const known = out.saeReadouts;
      const isKnown = (pos: number) => known !== undefined && !Number.isNaN(known[pos]);
      const x = this.scratch(m * d);
      const rows = new Int32Array(m);
      const positions = new Int32Array(m);
      let at = 0;
      let read = 0;
      for (const pass of [false, true]) {
        batch.items.forEach((seqI, r) => {
          const pairs = supplies[seqI];
          for (let j = 0; j < pairs.length; ) {
            if (isKnown(pairs[j]) !== pass) {
              j += 2;
              continue;
            }
            // Copy each run of consecutive positions in one go (scored text is contiguous).
            let run = 1;
            while (j + 2 * run < pairs.length && pairs[j + 2 * run] === pairs[j] + run && isKnown(pairs[j + 2 * run]) === pass) run++;
            const src = (r * batch.seq + pairs[j]) * d;
            x.set(out.hidden.subarray(src, src + run * d), at * d);
            for (let q = 0; q < run; q++) [rows[at + q], positions[at + q]] = [pairs[j + 2 * q + 1], pairs[j + 2 * q]];
            at += run;
            j += 2 * run;
          }
        });
        if (!pass) read = at;
      }
      const t1 = performance.now();
      // A read-out of directions only needs no SAE encode.
      let latentPart: Float64Array | null = null;
      if (this.latents.length > 0) {
        latentPart = new Float64Array(m);
        if (read > 0) latentPart.set(await this.pack.sae.readout(x.subarray(0, read * d), read, this.latents, this.weights));
        for (let r = read; r < m; r++) latentPart[r] = known![positions[r]];
        if (known) for (let r = 0; r < read; r++) known[positions[r]] = latentPart[r];
      }
      this.readOut(x, latentPart, rows, readouts);
      if (this.naming.length > 0) await this.addNamingParts(x, m, rows, rowItem, parts);
      if (latentMax) await this.noteLatents(x, m, rows, rowItem, full, latentMax);
      this.timing.saeMs += performance.now() - t1;
      this.timing.readTokens += read;
    }

    const cal = this.pack.calibration;
    return items.map((p, i) => {
      const values = readouts.subarray(rowStart[i], rowStart[i + 1]);
      const endsOf = endValues.subarray(endStart[i], endStart[i + 1]);
      const score = exampleScore(values, cal.aggregation, endsOf);
      const risk = toRisk(score, cal.mapping);
      const t = this.naming.length;
      const named = namedBy(parts.subarray(i * t, (i + 1) * t).map((v) => v / p.scored.length), this.naming);
      return {
        score,
        risk,
        level: levelOf(risk, cal.thresholds),
        tokens: p.windows[p.windows.length - 1].end,
        scoredTokens: p.scored.length,
        truncated: p.truncated,
        ...(this.promptDirection ? { promptEnd: promptEndScore(endsOf) } : {}),
        ...(named >= 0 ? { persona: this.naming[named].label } : {}),
        topTokens: topTokens(p, values),
        ...(latentMax ? { latents: this.topLatents(latentMax[i]), fullEncode: full[i] } : {}),
      };
    });
  }

  /**
   * The hidden states of a batch's sequences: from the head they share where they share one, and
   * one alone from the prefix cache where there is one (which may start from the head too),
   * with its SAE read-outs (PrefixRun).
   */
  private async runBatch(seqIds: number[][], batch: Batch, keep: Keep): Promise<HiddenStates & { saeReadouts?: Float64Array }> {
    const prefixes = this.opts.prefixes;
    if (prefixes && this.pack.model.cache && batch.items.length === 1) {
      const out = await prefixes.run(this.pack.model, seqIds[batch.items[0]], keep, this.head?.entry ?? null);
      this.timing.tokens += out.ran;
      this.timing.sharedTokens += seqIds[batch.items[0]].length - out.ran;
      return out;
    }
    const model = this.pack.model;
    const padId = this.pack.manifest.model.padTokenId;
    const tokens = batch.items.reduce((n, i) => n + seqIds[i].length, 0);
    const fromHead = await this.head?.runBatch(model, seqIds, batch, padId);
    this.timing.tokens += tokens - (fromHead?.skipped ?? 0);
    this.timing.sharedTokens += fromHead?.skipped ?? 0;
    if (fromHead) return fromHead;
    const { ids, mask } = packBatch(seqIds, batch, padId);
    return model.run(ids, mask, batch.items.length, batch.seq);
  }

  /**
   * Runs an example's model text ahead of an edit and keeps its keys and values (the prefix
   * cache's 'always'), so that the edit's re-score runs only the tokens after it: the editor's
   * line with the cursor. Only an example read in one window (an edit of a longer one moves
   * every window after it); without a prefix cache or a model that takes one, nothing.
   * Returns how many tokens are kept (0: none).
   */
  async warm(example: Example): Promise<number> {
    if (!this.opts.prefixes || !this.pack.model.cache) return 0;
    const p = this.prepare(this.keyed(example));
    if (p.windows.length !== 1 || p.scored.length === 0) return 0;
    // Scored, not only run: the kept line holds its SAE read-outs too (its results may have come
    // from the result cache), so that the edit's re-score reads only the tokens from the edit on.
    await this.run([p], () => 'always');
    return p.windows[0].end;
  }

  /** SharedHead.prepare, timed as a model run. */
  private async prepareHead(examples: Opening[]): Promise<void> {
    if (!this.head) return;
    const t0 = performance.now();
    const ran = await this.head.prepare(this.pack.model, examples);
    this.timing.tokens += ran;
    this.timing.sharedTokens -= ran;
    this.timing.modelMs += performance.now() - t0;
  }

  /**
   * readouts[rows[r]] = the read-out of gathered row r of x [m, d]: its latent terms' sum
   * (latentPart [m], SaeEncoder.readout; null without any) plus x's row · the direction sum.
   */
  private readOut(x: Float32Array, latentPart: Float64Array | null, rows: Int32Array, readouts: Float64Array): void {
    const d = this.pack.manifest.model.dModel;
    for (let r = 0; r < rows.length; r++) {
      let v = latentPart ? latentPart[r] : 0;
      if (this.direction) v += dot(x, r * d, this.direction, 0, d);
      readouts[rows[r]] = v;
    }
  }

  /** Adds each naming term's value at gathered row r of x [m, d] to its item's sum in parts [item][term]. */
  private async addNamingParts(x: Float32Array, m: number, rows: Int32Array, rowItem: Int32Array, parts: Float64Array): Promise<void> {
    const d = this.pack.manifest.model.dModel;
    const t = this.naming.length;
    const acts = this.namingLatents.length > 0 ? await this.pack.sae.encodeColumns(x, m, this.namingLatents) : null;
    for (let r = 0; r < m; r++) {
      const at = rowItem[rows[r]] * t;
      let latent = 0;
      this.naming.forEach((term, j) => {
        const v = this.namingVectors[j];
        parts[at + j] += term.weight * (v ? dot(x, r * d, v, 0, d) : acts![r * this.namingLatents.length + latent++]);
      });
    }
  }

  /**
   * Keeps, per example, each latent's largest activation over its scored tokens (rows of x
   * [m, d]): of every latent for the items marked `full` (the full encode of their rows only:
   * each token's strongest), and of the named latents for all of them, read exactly from their columns.
   */
  private async noteLatents(x: Float32Array, m: number, rows: Int32Array, rowItem: Int32Array, full: boolean[], best: Array<Map<number, number>>): Promise<void> {
    const d = this.pack.manifest.model.dModel;
    const fullRows = Int32Array.from({ length: m }, (_, r) => r).filter((r) => full[rowItem[rows[r]]]);
    if (fullRows.length > 0) {
      const sub = fullRows.length === m ? x : new Float32Array(fullRows.length * d);
      if (sub !== x) fullRows.forEach((r, j) => sub.set(x.subarray(r * d, (r + 1) * d), j * d));
      const top = await this.pack.sae.encodeTopK(sub, fullRows.length);
      fullRows.forEach((r, j) => {
        const seen = best[rowItem[rows[r]]];
        for (let q = 0; q < top.k; q++) {
          const v = top.values[j * top.k + q];
          const idx = top.indices[j * top.k + q];
          if (v > 0 && v > (seen.get(idx) ?? 0)) seen.set(idx, v);
        }
      });
    }
    if (this.named.length === 0) return;
    const acts = await this.pack.sae.encodeColumns(x, m, this.named);
    const n = this.named.length;
    for (let r = 0; r < m; r++) {
      const seen = best[rowItem[rows[r]]];
      for (let j = 0; j < n; j++) {
        const v = acts[r * n + j];
        if (v > 0 && v > (seen.get(this.named[j]) ?? 0)) seen.set(this.named[j], v);
      }
    }
  }

  /** A reused buffer of at least n floats: fresh large arrays cost page faults and zeroing on every batch. */
  private scratch(n: number): Float32Array {
    if (this.buffer.length < n) this.buffer = new Float32Array(n);
    return this.buffer.subarray(0, n);
  }

  /** The TOP_LATENTS strongest latents, then every other named one that fired (the diff's latent movement reads them). */
  private topLatents(best: Map<number, number>): LatentHit[] {
    const sorted = [...best.entries()].sort((a, b) => b[1] - a[1]);
    return sorted
      .filter(([index], rank) => rank < TOP_LATENTS || this.labels.has(index))
      .map(([index, max]) => ({ index, max, ...(this.labels.has(index) ? { label: this.labels.get(index) } : {}) }));
  }
}

/** Whether an example (its cache key: a sha256 of its model text) is among the 1 in FULL_ENCODE_EVERY that get a full encode in 'named' mode. */
export function sampledForFullEncode(key: string): boolean {
  return parseInt(key.slice(0, 8), 16) % FULL_ENCODE_EVERY === 0;
}

/** The read-out's latent terms, a latentWeights term (format 6) spread into one per latent it weighs (0s left out). */
function readoutLatents(pack: LoadedPack): Array<{ latent: number; weight: number }> {
  return pack.calibration.readout.flatMap((r) => {
    if ('latent' in r) return [r];
    if (!('latentWeights' in r)) return [];
    const v = pack.directions.get(r.latentWeights)!;
    const terms: Array<{ latent: number; weight: number }> = [];
    v.forEach((w, latent) => w !== 0 && terms.push({ latent, weight: r.weight * w }));
    return terms;
  });
}

/**
 * The read-out's direction terms read at every scored token (promptEnd false) or at the prompt
 * ends (true), folded into one vector, sum of weight × direction: dot products are linear, so
 * each token costs one however many terms there are.
 */
function directionSum(pack: LoadedPack, promptEnd: boolean): Float64Array | null {
  const terms = pack.calibration.readout.flatMap((r) => ('direction' in r && (r.at === 'prompt-end') === promptEnd ? [r] : []));
  if (terms.length === 0) return null;
  const sum = new Float64Array(pack.manifest.model.dModel);
  for (const { direction, weight } of terms) {
    const v = pack.directions.get(direction)!;
    for (let i = 0; i < sum.length; i++) sum[i] += weight * v[i];
  }
  return sum;
}

/** Where each item's slots begin when items lie back to back: start[i + 1] - start[i] = lists[i].length. */
function slotStarts(lists: number[][]): Int32Array {
  const start = new Int32Array(lists.length + 1);
  lists.forEach((l, i) => (start[i + 1] = start[i] + l.length));
  return start;
}

/**
 * For each sequence (one per window, item i's from firstSeq[i]), the (position in sequence,
 * slot) pairs it supplies: positions[i][k] fills slot start[i] + k, read from the window that
 * gives it the most left context.
 */
function suppliesBySequence(items: Prepared[], positions: number[][], start: Int32Array, firstSeq: number[], sequences: number): number[][] {
  const supplies: number[][] = Array.from({ length: sequences }, () => []);
  positions.forEach((list, item) =>
    list.forEach((pos, k) => {
      const w = windowOf(pos, items[item].windows);
      supplies[firstSeq[item] + w].push(pos - items[item].windows[w].start, start[item] + k);
    }),
  );
  return supplies;
}

/** The strongest contributing words (sub-word pieces merged, bare punctuation last): see topSpans.ts. */
function topTokens(p: Prepared, values: Float64Array): TokenScore[] {
  const pieces = p.scored.map((position, k) => ({ start: p.offsets[position][0], end: p.offsets[position][1], value: values[k], position }));
  return contributingSpans(p.rendered.text, pieces, TOP_TOKENS).map(({ start: s, end: e, value }) => ({
    text: p.rendered.text.slice(s, e),
    role: segmentAt(p.rendered, s)?.role ?? 'assistant',
    score: value,
    span: sourceSpan(p.example, p.rendered, s, e),
    at: [s, e],
  }));
}

/** A cached score, its token spans re-mapped to this example's line. */
function remap(score: ExampleScore, p: Keyed): ExampleScore {
  return {
    ...score,
    topTokens: score.topTokens.map((t) => ({
      ...t,
      span: t.at ? sourceSpan(p.example, p.rendered, t.at[0], t.at[1]) : null,
    })),
  };
}

