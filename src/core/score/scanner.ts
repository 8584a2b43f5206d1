// Scores examples with a loaded pack: render, tokenise, run the model in
// length-bucketed batches, encode the scored tokens with the SAE, aggregate and
// calibrate. Results are cached per (pack, rendered example).

import { exampleHash } from '../cache/resultCache';
import type { ResultCache } from '../cache/resultCache';
import { tooLongDiagnostic } from '../dataset/codes';
import { renderExample, segmentAt, sourceSpan, type Rendered } from '../dataset/render';
import type { Diagnostic, Example } from '../dataset/types';
import type { LoadedPack } from '../pack/load';
import { planBatches, planWindows, packBatch, windowOf, type TokenWindow } from './batching';
import { aggregate, levelOf, toRisk } from './calibrate';
import type { ExampleScore, LatentHit, TokenScore } from './types';

export interface ScannerOptions {
  /** Also report, per example, the strongest latents of the whole SAE (full encode). */
  allLatents?: boolean;
  /** Upper bound on padded tokens per model run. */
  maxBatchTokens?: number;
  maxBatchRows?: number;
  cache?: ResultCache<ExampleScore> | null;
}

export interface Scored {
  score: ExampleScore;
  cached: boolean;
  diagnostics: Diagnostic[];
}

const TOP_TOKENS = 5;
const TOP_LATENTS = 8;

interface Prepared {
  example: Example;
  rendered: Rendered;
  key: string;
  ids: number[];
  offsets: Array<[number, number]>;
  windows: TokenWindow[];
  /** Positions (into ids) of the tokens that are scored. */
  scored: number[];
  truncated: boolean;
}

/** Where time went, for the benchmark's overhead figure. */
export interface ScanTiming {
  totalMs: number;
  modelMs: number;
  tokens: number;
  examples: number;
}

export class Scanner {
  readonly timing: ScanTiming = { totalMs: 0, modelMs: 0, tokens: 0, examples: 0 };
  private readonly readout: number[];
  private readonly weights: Float64Array;
  private readonly labels: Map<number, string>;

  constructor(
    private readonly pack: LoadedPack,
    private readonly opts: ScannerOptions = {},
  ) {
    this.readout = pack.calibration.readout.map((r) => r.latent);
    this.weights = Float64Array.from(pack.calibration.readout.map((r) => r.weight));
    this.labels = new Map(pack.latents.latents.map((l) => [l.index, l.label]));
  }

  /** Scores a batch of examples; the result at i belongs to examples[i]. */
  async score(examples: Example[]): Promise<Scored[]> {
    const t0 = performance.now();
    const prepared = examples.map((e) => this.prepare(e));
    const out: Array<Scored | undefined> = prepared.map((p) => {
      const hit = this.opts.cache?.get(p.key);
      return hit ? { score: remap(hit, p), cached: true, diagnostics: this.lengthDiagnostics(p) } : undefined;
    });
    const todo = prepared.map((_, i) => i).filter((i) => !out[i]);
    if (todo.length > 0) {
      const fresh = await this.run(todo.map((i) => prepared[i]));
      todo.forEach((i, j) => {
        this.opts.cache?.set(prepared[i].key, fresh[j]);
        out[i] = { score: fresh[j], cached: false, diagnostics: this.lengthDiagnostics(prepared[i]) };
      });
    }
    this.timing.totalMs += performance.now() - t0;
    this.timing.examples += examples.length;
    return out as Scored[];
  }

  private prepare(example: Example): Prepared {
    const { render } = this.pack.manifest;
    const rendered = renderExample(example, render);
    const enc = this.pack.tokenizer.encode(rendered.text);
    const windows = planWindows(enc.ids.length, render.maxTokens, render.overflow);
    const seen = windows[windows.length - 1].end;
    const scored: number[] = [];
    for (let t = 0; t < seen; t++) {
      const [s, e] = enc.offsets[t];
      const seg = segmentAt(rendered, (s + Math.max(s, e - 1)) >> 1);
      if (seg?.scored) scored.push(t);
    }
    const layout = rendered.segments.filter((s) => s.scored).map((s) => `${s.start}:${s.end}`).join(',');
    return {
      example,
      rendered,
      key: exampleHash([rendered.text, layout, this.opts.allLatents ? 'all-latents' : '']),
      ids: enc.ids,
      offsets: enc.offsets,
      windows,
      scored,
      truncated: seen < enc.ids.length,
    };
  }

  private lengthDiagnostics(p: Prepared): Diagnostic[] {
    const max = this.pack.manifest.render.maxTokens;
    return p.ids.length > max ? [tooLongDiagnostic(p.example.line, p.ids.length, max, p.truncated)] : [];
  }

  private async run(items: Prepared[]): Promise<ExampleScore[]> {
    const d = this.pack.manifest.model.dModel;
    // One row of hidden state per scored token, examples back to back.
    const rowStart = new Int32Array(items.length + 1);
    items.forEach((p, i) => (rowStart[i + 1] = rowStart[i] + p.scored.length));
    const hidden = new Float32Array(rowStart[items.length] * d);

    const seqs: Array<{ item: number; window: number; ids: number[] }> = [];
    items.forEach((p, item) => p.windows.forEach((w, window) => seqs.push({ item, window, ids: p.ids.slice(w.start, w.end) })));
    // Which scored rows each sequence supplies, so results are scattered in one pass.
    const supplies: Array<Array<[number, number]>> = seqs.map(() => []);
    const seqIndex = new Map<string, number>();
    seqs.forEach((s, i) => seqIndex.set(`${s.item}:${s.window}`, i));
    items.forEach((p, item) =>
      p.scored.forEach((pos, k) => {
        const w = windowOf(pos, p.windows);
        supplies[seqIndex.get(`${item}:${w}`)!].push([pos - p.windows[w].start, rowStart[item] + k]);
      }),
    );

    const seqIds = seqs.map((s) => s.ids);
    const batches = planBatches(
      seqIds.map((s) => s.length),
      this.opts.maxBatchTokens ?? 8192,
      this.opts.maxBatchRows ?? 64,
    );
    for (const batch of batches) {
      if (batch.items.every((i) => supplies[i].length === 0)) continue;
      const { ids, mask } = packBatch(seqIds, batch, this.pack.manifest.model.padTokenId);
      const t0 = performance.now();
      const out = await this.pack.model.run(ids, mask, batch.items.length, batch.seq);
      this.timing.modelMs += performance.now() - t0;
      this.timing.tokens += batch.items.reduce((n, i) => n + seqs[i].ids.length, 0);
      batch.items.forEach((seqI, r) => {
        for (const [pos, row] of supplies[seqI]) {
          const src = (r * batch.seq + pos) * d;
          hidden.set(out.hidden.subarray(src, src + d), row * d);
        }
      });
    }

    const nRows = rowStart[items.length];
    const acts = nRows > 0 ? await this.pack.sae.encodeColumns(hidden, nRows, this.readout) : new Float32Array(0);
    const top = this.opts.allLatents && nRows > 0 ? await this.pack.sae.encodeTopK(hidden, nRows) : null;

    return items.map((p, i) => {
      const values = new Float64Array(p.scored.length);
      const L = this.readout.length;
      for (let k = 0; k < p.scored.length; k++) {
        let v = 0;
        const base = (rowStart[i] + k) * L;
        for (let j = 0; j < L; j++) v += this.weights[j] * acts[base + j];
        values[k] = v;
      }
      const cal = this.pack.calibration;
      const score = aggregate(values, cal.aggregation);
      const risk = toRisk(score, cal.mapping);
      return {
        score,
        risk,
        level: levelOf(risk, cal.thresholds),
        tokens: p.windows[p.windows.length - 1].end,
        scoredTokens: p.scored.length,
        truncated: p.truncated,
        topTokens: topTokens(p, values),
        ...(top ? { latents: this.topLatents(top, rowStart[i], rowStart[i + 1]) } : {}),
      };
    });
  }

  private topLatents(top: { indices: Int32Array; values: Float32Array; k: number }, from: number, to: number): LatentHit[] {
    const best = new Map<number, number>();
    for (let r = from; r < to; r++) {
      for (let j = 0; j < top.k; j++) {
        const v = top.values[r * top.k + j];
        if (v <= 0) continue;
        const idx = top.indices[r * top.k + j];
        if (v > (best.get(idx) ?? 0)) best.set(idx, v);
      }
    }
    return [...best.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_LATENTS)
      .map(([index, max]) => ({ index, max, ...(this.labels.has(index) ? { label: this.labels.get(index) } : {}) }));
  }
}

function topTokens(p: Prepared, values: Float64Array): TokenScore[] {
  const order = Array.from(values.keys())
    .filter((k) => values[k] > 0)
    .sort((a, b) => values[b] - values[a])
    .slice(0, TOP_TOKENS);
  return order.map((k) => {
    const [s, e] = p.offsets[p.scored[k]];
    return {
      text: p.rendered.text.slice(s, e),
      role: segmentAt(p.rendered, s)?.role ?? 'assistant',
      score: values[k],
      span: sourceSpan(p.example, p.rendered, s, e),
      at: [s, e],
    };
  });
}

/** A cached score, its token spans re-mapped to this example's line. */
function remap(score: ExampleScore, p: Prepared): ExampleScore {
  return {
    ...score,
    topTokens: score.topTokens.map((t) => ({
      ...t,
      span: t.at ? sourceSpan(p.example, p.rendered, t.at[0], t.at[1]) : null,
    })),
  };
}
