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

function noteOutput(bytes: number): void {
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
    const problem = interfaceProblem(session);
    if (problem) {
      await session.release();
      throw new Error(problem);
    }
    return new ModelSession(session, inPlace ? (model as Uint8Array) : null, opts.device === 'cuda' && !deviceProblem ? 'cuda' : 'cpu', deviceProblem);
  }

  /** Milliseconds spent inside onnxruntime's run, summed over all calls. */
  get runMs(): number {
    return this.runMsTotal;
  }

  async run(inputIds: BigInt64Array, attentionMask: BigInt64Array, batch: number, seq: number): Promise<HiddenStates> {
    if (inputIds.length !== batch * seq || attentionMask.length !== batch * seq) {
      throw new Error(
        `model input: expected ${batch}x${seq} = ${batch * seq} ids and mask values, got ${inputIds.length} and ${attentionMask.length}`,
      );
    }
    const feeds = {
      input_ids: new ort.Tensor('int64', inputIds, [batch, seq]),
      attention_mask: new ort.Tensor('int64', attentionMask, [batch, seq]),
    };
    const t0 = performance.now();
    const out = await this.session.run(feeds);
    this.runMsTotal += performance.now() - t0;
    const hidden = out[MODEL_OUTPUT];
    const [b, s, d] = hidden.dims;
    if (hidden.type !== 'float32' || hidden.dims.length !== 3 || b !== batch || s !== seq) {
      throw new Error(
        `model output "hidden" is ${hidden.type} [${hidden.dims.join(', ')}]; expected float32 [${batch}, ${seq}, d_model]`,
      );
    }
    noteOutput(hidden.size * 4);
    return { hidden: hidden.data as Float32Array, dModel: d };
  }

  /** Whether the session runs from the model's bytes in place (an ORT-format model). */
  get inPlace(): boolean {
    return this.pinned !== null;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

function interfaceProblem(session: ort.InferenceSession): string | null {
  const inputs = [...session.inputNames].sort();
  const expected = [...MODEL_INPUTS].sort();
  if (inputs.join() !== expected.join()) {
    return `model inputs are [${session.inputNames.join(', ')}]; expected exactly [${MODEL_INPUTS.join(', ')}]`;
  }
  if (!session.outputNames.includes(MODEL_OUTPUT)) {
    return `model outputs are [${session.outputNames.join(', ')}]; expected one named "${MODEL_OUTPUT}"`;
  }
  for (const m of session.inputMetadata) {
    if (m.isTensor && m.type !== 'int64') return `model input "${m.name}" is ${m.type}; expected int64`;
  }
  const out = session.outputMetadata.find((m) => m.name === MODEL_OUTPUT);
  if (out?.isTensor && out.type !== 'float32') return `model output "${MODEL_OUTPUT}" is ${out.type}; expected float32`;
  return null;
}
