// The pack model in onnxruntime-node: token ids in, hidden states at the SAE's
// hook point out. Checks the model's interface once at load so a wrong export
// fails with a message naming the problem, not deep inside a scan.

import './ortEnv';
import * as ort from 'onnxruntime-node';

// onnxruntime's own log goes to stderr in red, beside the message that says the same in words
// (a CUDA provider that cannot load, say): its failures reach us as errors anyway.
ort.env.logLevel = 'fatal';

export const MODEL_INPUTS = ['input_ids', 'attention_mask'] as const;
export const MODEL_OUTPUT = 'hidden';

export interface HiddenStates {
  /** [batch, seq, dModel], row-major. */
  hidden: Float32Array;
  dModel: number;
}

/**
 * A model's keys and values of the tokens it has run (pack format 9): per block a key and a
 * value, each [1, heads, length, headDim] row-major (a batch's: [rows, ...]), in the order of pastNames.
 */
export interface Past {
  length: number;
  tensors: Float32Array[];
}

/** The shape of a model's key-value cache (format 9): `blocks` keys and values of [heads, headDim] a token. */
export interface CacheShape {
  blocks: number;
  heads: number;
  headDim: number;
}

/** The model's past inputs (and, with `present`, its outputs), a key and a value per block. */
export function pastNames(blocks: number, present = false): string[] {
  const kind = present ? 'present' : 'past';
  return Array.from({ length: blocks }, (_, i) => [`${kind}_key_${i}`, `${kind}_value_${i}`]).flat();
}

/** Where the model runs: onnxruntime's CPU provider, or its CUDA provider where its libraries are installed. */
export const DEVICES = ['cpu', 'cuda'] as const;
export type Device = (typeof DEVICES)[number];

/** Session options shared by every session Persona Lens creates. */
export function ortSessionOptions(threads = 1): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
  };
}

/** Whether `bytes` hold an ORT-format model (a flatbuffer with file identifier "ORTM"). */
export function isOrtFormat(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[4] === 0x4f && bytes[5] === 0x52 && bytes[6] === 0x54 && bytes[7] === 0x4d;
}

/**
 * onnxruntime runs an ORT-format model from the bytes it was given, weights included,
 * instead of copying them: for the embedded pack, 77 MB of file costs 77 MB, not 250.
 * The session reads those bytes for as long as it lives, so ModelSession holds them.
 */
const ORT_BYTES_IN_PLACE = { session: { use_ort_model_bytes_directly: '1', use_ort_model_bytes_for_initializers: '1' } };

/**
 * onnxruntime-node copies every run's output into a new ArrayBuffer (1-2 MB for the embedded
 * pack), and V8 collects those only once tens of MB of them have piled up: 25-30 MiB of peak RSS
 * over 300 real rows. A program that may force a collection (the CLI) registers it here, and it
 * runs after every `everyBytes` of output.
 */
let outputCollector: { collect: () => void; everyBytes: number; pending: number } | null = null;

export function collectModelOutputsWith(collect: () => void, everyBytes: number): void {
  outputCollector = { collect, everyBytes, pending: 0 };
}

/** Counts `bytes` of a run's output towards the next collection (a copy made of it counts too: SharedHead's). */
export function noteOutput(bytes: number): void {
  if (!outputCollector) return;
  outputCollector.pending += bytes;
  if (outputCollector.pending < outputCollector.everyBytes) return;
  outputCollector.pending = 0;
  outputCollector.collect();
}

export class ModelSession {
  private runMsTotal = 0;

  private constructor(
    private readonly session: ort.InferenceSession,
    /** Its key-value cache's shape when it takes past keys and values (format 9); null when it does not. */
    readonly cache: CacheShape | null,
    /** The model's bytes when the session runs from them in place: kept alive with it. */
    private readonly pinned: Uint8Array | null,
    /** Where it runs. */
    readonly device: Device,
    /** Why it runs on the CPU though another device was asked for; null when it runs where asked. */
    readonly deviceProblem: string | null,
  ) {}

  /**
   * `externalDataDir`: where an ONNX model given as bytes finds its external data files
   * (onnxruntime otherwise looks in the working folder).
   */
  static async create(model: string | Uint8Array, opts: { threads?: number; device?: Device; externalDataDir?: string } = {}): Promise<ModelSession> {
    const inPlace = typeof model !== 'string' && isOrtFormat(model);
    const extra = inPlace
      ? ORT_BYTES_IN_PLACE
      : opts.externalDataDir !== undefined
        ? { session: { model_external_initializers_file_folder_path: opts.externalDataDir } }
        : undefined;
    const options = extra ? { ...ortSessionOptions(opts.threads), extra } : ortSessionOptions(opts.threads);
    // Two calls because create() has separate path and bytes overloads.
    const open = (o: ort.InferenceSession.SessionOptions) => (typeof model === 'string' ? ort.InferenceSession.create(model, o) : ort.InferenceSession.create(model, o));
    let session: ort.InferenceSession | null = null;
    let deviceProblem: string | null = null;
    if (opts.device === 'cuda') {
      try {
        session = await open({ ...options, executionProviders: ['cuda'] });
      } catch (e) {
        // The first line says which library is missing; the rest is onnxruntime's stack.
        deviceProblem = `the CUDA execution provider is not available (${(e as Error).message.split(/\r?\n|\x1b/)[0]}), so the model runs on the CPU; see the README's "GPU" section to install it`;
      }
    }
    try {
      session ??= await open(options);
    } catch (e) {
      throw new Error(`onnxruntime cannot load the model: ${(e as Error).message}`);
    }
    const checked = checkInterface(session);
    if (typeof checked === 'string') {
      await session.release();
      throw new Error(checked);
    }
    return new ModelSession(session, checked.cache, inPlace ? (model as Uint8Array) : null, opts.device === 'cuda' && !deviceProblem ? 'cuda' : 'cpu', deviceProblem);
  }

  /** Milliseconds spent inside onnxruntime's run, summed over all calls. */
  get runMs(): number {
    return this.runMsTotal;
  }

  /**
   * Runs a batch of `batch` rows of `seq` ids. With `past` (format 9), every row comes after the
   * tokens whose keys and values it holds, [batch, heads, past.length, headDim] each, and
   * `attentionMask` covers those tokens too: [batch, past.length + seq].
   */
  async run(inputIds: BigInt64Array, attentionMask: BigInt64Array, batch: number, seq: number, past: Past | null = null): Promise<HiddenStates> {
    const before = past?.length ?? 0;
    if (inputIds.length !== batch * seq || attentionMask.length !== batch * (before + seq)) {
      throw new Error(
        `model input: expected ${batch}x${seq} = ${batch * seq} ids and ${batch * (before + seq)} mask values, got ${inputIds.length} and ${attentionMask.length}`,
      );
    }
    // Only `hidden` is copied out (not 27.6 KB of presents a token).
    const out = await this.timed(this.feeds(inputIds, attentionMask, batch, seq, past), [MODEL_OUTPUT]);
    return { hidden: checkedHidden(out[MODEL_OUTPUT], batch, seq), dModel: out[MODEL_OUTPUT].dims[2] };
  }

  /**
   * Runs `ids` (one sequence) after the tokens whose keys and values `past` holds (null: none),
   * as a causal model's full run of both would, past their hidden states: a re-score of an
   * edited line runs only the tokens after the edit. Only for a model with a cache (format 9).
   * The present keys and values (27.6 KB a token for the embedded pack) are copied out only
   * when `present` asks for them; else `present` is null.
   */
  async runAfter(ids: BigInt64Array, past: Past | null, present = true): Promise<HiddenStates & { present: Past | null }> {
    const cache = this.cache;
    if (!cache) throw new Error('this model takes no past keys and values (pack format 9)');
    const before = past?.length ?? 0;
    const feeds = this.feeds(ids, new BigInt64Array(before + ids.length).fill(1n), 1, ids.length, past);
    const presents = present ? pastNames(cache.blocks, true) : [];
    const out = await this.timed(feeds, [MODEL_OUTPUT, ...presents]);
    const hidden = checkedHidden(out[MODEL_OUTPUT], 1, ids.length);
    const tensors = presents.map((name) => out[name].data as Float32Array);
    return { hidden, dModel: out[MODEL_OUTPUT].dims[2], present: present ? { length: before + ids.length, tensors } : null };
  }

  /** The run's inputs: ids [batch, seq], the mask over past and ids, and (format 9) the past keys and values, empty when `past` is null. */
  private feeds(ids: BigInt64Array, mask: BigInt64Array, batch: number, seq: number, past: Past | null): Record<string, ort.Tensor> {
    const before = past?.length ?? 0;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [batch, seq]),
      attention_mask: new ort.Tensor('int64', mask, [batch, before + seq]),
    };
    if (this.cache) {
      const { heads, headDim } = this.cache;
      pastNames(this.cache.blocks).forEach((name, j) => {
        feeds[name] = new ort.Tensor('float32', past ? past.tensors[j] : new Float32Array(0), [batch, heads, before, headDim]);
      });
    } else if (past) {
      throw new Error('this model takes no past keys and values (pack format 9)');
    }
    return feeds;
  }

  private async timed(feeds: Record<string, ort.Tensor>, fetches: string[]): Promise<ort.InferenceSession.ReturnType> {
    const t0 = performance.now();
    const out = await this.session.run(feeds, fetches);
    this.runMsTotal += performance.now() - t0;
    noteOutput(fetches.reduce((n, name) => n + out[name].size * 4, 0));
    return out;
  }

  /** Whether the session runs from the model's bytes in place (an ORT-format model). */
  get inPlace(): boolean {
    return this.pinned !== null;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

function checkedHidden(hidden: ort.Tensor, batch: number, seq: number): Float32Array {
  const [b, s] = hidden.dims;
  if (hidden.type !== 'float32' || hidden.dims.length !== 3 || b !== batch || s !== seq) {
    throw new Error(`model output "hidden" is ${hidden.type} [${hidden.dims.join(', ')}]; expected float32 [${batch}, ${seq}, d_model]`);
  }
  return hidden.data as Float32Array;
}

/**
 * The model's interface, checked: input_ids and attention_mask in, `hidden` out, and either no
 * other input or (format 9) a past key and value per block, [batch, heads, past, headDim], with
 * the present ones out. Returns the cache's shape, or what is wrong.
 */
function checkInterface(session: ort.InferenceSession): { cache: CacheShape | null } | string {
  const pasts = session.inputMetadata.filter((m) => m.name.startsWith('past_'));
  const blocks = pasts.length / 2;
  const expected = [...MODEL_INPUTS, ...(Number.isInteger(blocks) ? pastNames(blocks) : [])];
  if ([...session.inputNames].sort().join() !== [...expected].sort().join()) {
    return `model inputs are [${session.inputNames.join(', ')}]; expected exactly [${MODEL_INPUTS.join(', ')}], or those and past_key_<i>, past_value_<i> for each block i from 0 (pack format 9)`;
  }
  const outputs = `model outputs are [${session.outputNames.join(', ')}]`;
  if (!session.outputNames.includes(MODEL_OUTPUT)) return `${outputs}; expected one named "${MODEL_OUTPUT}"`;
  const missing = pastNames(blocks, true).filter((name) => !session.outputNames.includes(name));
  if (missing.length > 0) return `${outputs}; a model with past keys and values (pack format 9) must output ${missing.join(', ')}`;
  for (const m of session.inputMetadata) {
    const type = m.name.startsWith('past_') ? 'float32' : 'int64';
    if (m.isTensor && m.type !== type) return `model input "${m.name}" is ${m.type}; expected ${type}`;
  }
  const out = session.outputMetadata.find((m) => m.name === MODEL_OUTPUT);
  if (out?.isTensor && out.type !== 'float32') return `model output "${MODEL_OUTPUT}" is ${out.type}; expected float32`;
  if (blocks === 0) return { cache: null };
  const shape = pasts[0].isTensor ? pasts[0].shape : [];
  const [heads, headDim] = [shape[1], shape[3]];
  if (shape.length !== 4 || typeof heads !== 'number' || typeof headDim !== 'number' || pasts.some((m) => !m.isTensor || m.shape[1] !== heads || m.shape[3] !== headDim)) {
    return `model input "${pasts[0].name}" is [${shape.join(', ')}]; every past key and value must be [batch, heads, past, headDim] with the same fixed heads and headDim`;
  }
  return { cache: { blocks, heads, headDim } };
}
