// SAE encode over a batch of hidden vectors, two ways:
// - encodeColumns: only the latents a read-out needs, computed in JS from those
//   columns of W_enc (cheap: a handful of dot products per token). TopK SAEs
//   need every pre-activation to know whether a latent made the top k, so for
//   them it goes through the full encode and picks the columns.
// - encodeTopK: every latent, through an onnxruntime graph, returning each
//   token's k strongest latents.
// - readout: a weighted sum of latents per token, the read-out's latent terms: few
//   through encodeColumns, many (a probe over the whole SAE) through one graph.

import '../model/ortEnv';
import * as ort from 'onnxruntime-node';
import { ortSessionOptions } from '../model/session';
import type { SaeConfig } from '../pack/types';
import { SAE_GRAPH, SAE_READOUT_GRAPH, SAE_STATS_GRAPH, W_ENC_INPUT, buildSaeEncodeModel, buildSaeReadoutModel, buildSaeStatsModel } from './graph';
import { expectedAverageScale, processSaeInput } from './input';
import type { SaeWeights } from './weights';

const NO_SPINNING = { session: { intra_op: { allow_spinning: '0' } } };
/** Above this many latents a weighted read-out goes through onnxruntime (readout): a column in JS costs d_in multiply-adds a token. */
export const JS_READOUT_LATENTS = 32;
/** Rows per run of the read-out and full-encode graphs: their intermediates are [rows, d_sae] floats (2 MB at d_sae 8192). */
export const SAE_ROWS = 64;

/** Each token's k strongest latents: [n, k] row-major, values descending (0 = inactive). */
export interface TopKActivations {
  k: number;
  indices: Int32Array;
  values: Float32Array;
}

/** How many latents per token encodeTopK returns by default (TopK SAEs: their k). */
export const DEFAULT_TOP_K = 32;

/** Every latent's statistics over a padded batch's counted tokens (see buildSaeStatsModel). */
export interface LatentStats {
  /** [d_sae]: activation summed over the counted tokens. */
  sum: Float32Array;
  /** [d_sae]: how many counted tokens it is above 0 at. */
  fires: Float32Array;
  /** [batch, d_sae]: its largest activation in each row (0 when it never fires there)... */
  top: Float32Array;
  /** ...at this position of the row. */
  at: Int32Array;
}

export class SaeEncoder {
  /** The full-encode graph, made on first use: a read-out of few latents or directions never needs it (tens of MB). */
  private session: Promise<ort.InferenceSession> | null = null;
  /** The statistics graph of `diff-models`, made on first use. */
  private statsSession: Promise<ort.InferenceSession> | null = null;
  /** The weighted read-out graph of the latents and weights it was made for (readout), made on first use. */
  private readoutGraph: { latents: readonly number[]; weights: ArrayLike<number>; session: Promise<ort.InferenceSession> } | null = null;

  /** W_enc as the graphs' input: no session holds a copy of its own (19 MB at d_sae 8192, and onnxruntime's prepacked second). */
  private readonly wEncTensor: ort.Tensor;

  private constructor(
    readonly config: SaeConfig,
    private readonly weights: SaeWeights,
    private readonly threads: number,
  ) {
    this.wEncTensor = new ort.Tensor('float32', weights.wEnc, [config.dIn, config.dSae]);
  }

  static async create(config: SaeConfig, weights: SaeWeights, opts: { threads?: number } = {}): Promise<SaeEncoder> {
    return new SaeEncoder(config, weights, opts.threads ?? 1);
  }

  /**
   * A TopK SAE's full encode runs on every scored token: it keeps W_enc as a constant that
   * onnxruntime prepacks once, and its arena. Other SAEs run it for 1 example in
   * FULL_ENCODE_EVERY (and --all-latents), where memory counts more than its speed.
   */
  private get fullEncodeHot(): boolean {
    return this.config.architecture === 'topk';
  }

  private fullEncode(): Promise<ort.InferenceSession> {
    // Its threads do not spin between runs: they would take the cores from the model's runs,
    // which alternate with these (bench pack, 2 cores: the model's time 1.41 -> 2.95 s with them spinning).
    this.session ??= ort.InferenceSession.create(buildSaeEncodeModel(this.config, this.weights, this.fullEncodeHot), {
      ...ortSessionOptions(this.threads),
      // Without it, intermediates are freed after each run, not kept at their peak.
      enableCpuMemArena: this.fullEncodeHot,
      extra: NO_SPINNING,
    });
    return this.session;
  }

  /** Activations of `latents` for each of the n rows of x [n, dIn]: [n, latents.length]. */
  async encodeColumns(x: Float32Array, n: number, latents: readonly number[]): Promise<Float32Array> {
    this.checkInput(x, n);
    for (const l of latents) {
      if (!Number.isInteger(l) || l < 0 || l >= this.config.dSae) {
        throw new Error(`latent ${l} is out of range for an SAE with d_sae ${this.config.dSae}`);
      }
    }
    if (this.config.architecture === 'topk') return pickColumns(await this.encodeTopK(x, n, this.config.k), n, latents);
    return this.encodeColumnsJs(x, n, latents);
  }

  /**
   * Sum over `latents` of weight × activation for each of the n rows of x [n, dIn]. Up to
   * JS_READOUT_LATENTS latents from their columns in JS; more (a probe over the whole SAE)
   * through one onnxruntime graph, in float32.
   */
  async readout(x: Float32Array, n: number, latents: readonly number[], weights: ArrayLike<number>): Promise<Float64Array> {
    const out = new Float64Array(n);
    if (latents.length <= JS_READOUT_LATENTS) {
      const acts = await this.encodeColumns(x, n, latents);
      const L = latents.length;
      for (let r = 0; r < n; r++) for (let j = 0; j < L; j++) out[r] += weights[j] * acts[r * L + j];
      return out;
    }
    this.checkInput(x, n);
    if (n === 0) return out;
    // Keyed by value: every Scanner of a pack passes its own copy of the same read-out.
    if (!this.readoutGraph || !sameValues(this.readoutGraph.latents, latents) || !sameValues(this.readoutGraph.weights, weights)) {
      const stale = this.readoutGraph?.session;
      this.readoutGraph = {
        latents: [...latents],
        weights: Array.from(weights),
        session: ort.InferenceSession.create(buildSaeReadoutModel(this.config, this.weights, latents, weights), {
          ...ortSessionOptions(this.threads),
          enableCpuMemArena: false, // its intermediates are freed after each run, not kept at their peak
          extra: NO_SPINNING,
        }),
      };
      void stale?.then((s) => s.release(), () => undefined);
    }
    const session = await this.readoutGraph.session;
    await this.inSlices(x, n, SAE_ROWS, async (slice, r) => {
      const res = await session.run({ [SAE_READOUT_GRAPH.x]: slice, [W_ENC_INPUT]: this.wEncTensor });
      out.set(res[SAE_READOUT_GRAPH.score].data as Float32Array, r);
    });
    return out;
  }

  /** The k strongest latents of each row; k defaults to DEFAULT_TOP_K (a TopK SAE's own k at most). */
  async encodeTopK(x: Float32Array, n: number, k = DEFAULT_TOP_K): Promise<TopKActivations> {
    this.checkInput(x, n);
    if (!Number.isInteger(k) || k < 1) throw new Error(`SAE top-k: k must be a positive integer, got ${k}`);
    const kk = Math.min(k, this.config.k ?? this.config.dSae);
    if (n === 0) return { k: kk, values: new Float32Array(0), indices: new Int32Array(0) };
    const session = await this.fullEncode();
    const hot = this.fullEncodeHot;
    const values = new Float32Array(n * kk);
    const indices = new Int32Array(n * kk);
    await this.inSlices(x, n, hot ? n : SAE_ROWS, async (slice, r) => {
      const out = await session.run({
        [SAE_GRAPH.x]: slice,
        [SAE_GRAPH.k]: new ort.Tensor('int64', BigInt64Array.of(BigInt(kk)), [1]),
        ...(hot ? {} : { [W_ENC_INPUT]: this.wEncTensor }),
      });
      values.set(out[SAE_GRAPH.values].data as Float32Array, r * kk);
      indices.set(out[SAE_GRAPH.indices].data as Int32Array, r * kk);
    });
    return { k: kk, values, indices };
  }

  /**
   * Calls `run` with x's rows `step` at a time, as a [rows, d_in] tensor, and the first row's
   * index: a graph's [rows, d_sae] intermediates are what costs memory.
   */
  private async inSlices(x: Float32Array, n: number, step: number, run: (slice: ort.Tensor, first: number) => Promise<void>): Promise<void> {
    const d = this.config.dIn;
    for (let r = 0; r < n; r += step) {
      const rows = Math.min(step, n - r);
      await run(new ort.Tensor('float32', x.subarray(r * d, (r + rows) * d), [rows, d]), r);
    }
  }

  /**
   * Every latent's sum, firing count and per-row maximum over the tokens of `hidden`
   * [batch, seq, d_in] where `mask` [batch, seq] is 1.
   */
  async latentStats(hidden: Float32Array, mask: Float32Array, batch: number, seq: number): Promise<LatentStats> {
    const { dIn } = this.config;
    if (hidden.length !== batch * seq * dIn || mask.length !== batch * seq) {
      throw new Error(`SAE statistics: a ${batch}x${seq} batch needs ${batch * seq * dIn} hidden values and ${batch * seq} mask values, got ${hidden.length} and ${mask.length}`);
    }
    this.statsSession ??= ort.InferenceSession.create(buildSaeStatsModel(this.config, this.weights), { ...ortSessionOptions(this.threads), extra: NO_SPINNING });
    const io = SAE_STATS_GRAPH;
    const out = await (await this.statsSession).run({
      [io.hidden]: new ort.Tensor('float32', hidden, [batch, seq, dIn]),
      [io.mask]: new ort.Tensor('float32', mask, [batch, seq]),
      [W_ENC_INPUT]: this.wEncTensor,
    });
    return {
      sum: out[io.sum].data as Float32Array,
      fires: out[io.fires].data as Float32Array,
      top: out[io.top].data as Float32Array,
      at: out[io.at].data as Int32Array,
    };
  }

  async dispose(): Promise<void> {
    const sessions = await Promise.all([this.session, this.statsSession, this.readoutGraph?.session].map((s) => s?.catch(() => null)));
    this.session = null;
    this.statsSession = null;
    this.readoutGraph = null;
    await Promise.all(sessions.map((s) => s?.release()));
  }

  private encodeColumnsJs(x: Float32Array, n: number, latents: readonly number[]): Float32Array {
    const { dIn, dSae, architecture } = this.config;
    const { wEnc, bEnc, bDec, threshold } = this.weights;
    const L = latents.length;
    // Gather the needed W_enc columns contiguously: [L, dIn].
    const cols = new Float64Array(L * dIn);
    latents.forEach((l, j) => {
      for (let i = 0; i < dIn; i++) cols[j * dIn + i] = wEnc[i * dSae + l];
    });
    const activate = (pre: number, l: number) => ((architecture !== 'jumprelu' || pre > threshold![l]) && pre > 0 ? pre : 0);
    const out = new Float32Array(n * L);

    const linear = linearInput(this.config);
    if (linear) {
      // Input processing is affine here, so fold it into each column's bias:
      // (s x - b_dec) . w + b_enc = s (x . w) + (b_enc - b_dec . w).
      const bias = latents.map((l, j) => {
        let b = bEnc[l];
        if (this.config.applyBDecToInput) for (let i = 0; i < dIn; i++) b -= bDec[i] * cols[j * dIn + i];
        return b;
      });
      for (let r = 0; r < n; r++) {
        for (let j = 0; j < L; j++) {
          out[r * L + j] = activate(linear.scale * dot(x, r * dIn, cols, j * dIn, dIn) + bias[j], latents[j]);
        }
      }
      return out;
    }
    const row = new Float64Array(dIn);
    for (let r = 0; r < n; r++) {
      processSaeInput(x, r, this.config, bDec, row);
      for (let j = 0; j < L; j++) out[r * L + j] = activate(dot(row, 0, cols, j * dIn, dIn) + bEnc[latents[j]], latents[j]);
    }
    return out;
  }

  private checkInput(x: Float32Array, n: number): void {
    if (!Number.isInteger(n) || n < 0 || x.length !== n * this.config.dIn) {
      throw new Error(`SAE input: ${n} rows of d_in ${this.config.dIn} need ${n * this.config.dIn} values, got ${x.length}`);
    }
  }
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The input scale when SAELens' input processing is affine (no per-row normalisation), else null. */
function linearInput(cfg: SaeConfig): { scale: number } | null {
  if (cfg.normalizeActivations === 'constant_norm_rescale' || cfg.normalizeActivations === 'layer_norm') return null;
  return { scale: expectedAverageScale(cfg) ?? 1 };
}

/** a[ai..ai+n) . b[bi..bi+n), unrolled by four (the read-out's hot loop: latent columns and directions). */
export function dot(a: ArrayLike<number>, ai: number, b: Float64Array, bi: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[ai + i] * b[bi + i];
    s1 += a[ai + i + 1] * b[bi + i + 1];
    s2 += a[ai + i + 2] * b[bi + i + 2];
    s3 += a[ai + i + 3] * b[bi + i + 3];
  }
  for (; i < n; i++) s0 += a[ai + i] * b[bi + i];
  return s0 + s1 + s2 + s3;
}

function pickColumns(top: TopKActivations, n: number, latents: readonly number[]): Float32Array {
  const L = latents.length;
  const column = new Map<number, number[]>();
  latents.forEach((l, j) => column.set(l, [...(column.get(l) ?? []), j]));
  const out = new Float32Array(n * L);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < top.k; j++) {
      const cols = column.get(top.indices[r * top.k + j]);
      if (cols) for (const c of cols) out[r * L + c] = top.values[r * top.k + j];
    }
  }
  return out;
}
