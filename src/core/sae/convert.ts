// Public SAE layouts -> the SAELens layout of a pack's sae/ folder (cfg.json +
// sae_weights.safetensors, float32), encoding exactly as the original does.
// The conventions follow each project's code and SAELens' own loaders
// (sae_lens/loading/pretrained_sae_loaders.py):
// - Gemma Scope params.npz (np.savez of W_enc [d_model, d_sae], W_dec, b_enc,
//   b_dec, threshold): JumpReLU, acts = relu(x W_enc + b_enc) * (pre > threshold).
//   The input is neither shifted by b_dec nor normalised.
// - sparsify (EleutherAI) folder, cfg.json + sae.safetensors: TopK,
//   acts = top-k of relu((x - b_dec) encoder.weight^T + encoder.bias).
//   encoder is a torch Linear ([d_sae, d_in]), so W_enc is its transpose;
//   W_dec is already [d_sae, d_in]. (SAELens' sparsify loader derives
//   apply_b_dec_to_input from normalize_decoder, but sparsify's encode subtracts
//   b_dec whenever it is not a transcoder; we follow sparsify.)

import { readNpy } from './npy';
import { readSafetensors, writeSafetensors, type Tensor } from './safetensors';
import { readZip } from './zip';

export interface ConvertedSae {
  /** The content of cfg.json. */
  cfg: Record<string, unknown>;
  /** The content of sae_weights.safetensors. */
  weights: Uint8Array;
}

export interface ConvertOptions {
  /** Recorded as the cfg's hook_name (neither source layout names the hook point in SAELens terms). */
  hookName?: string;
}

/** A Gemma Scope params.npz. Errors name the archive entry and the problem. */
export function convertGemmaScope(npz: Uint8Array, opts: ConvertOptions = {}): ConvertedSae {
  const entries = readZip(npz);
  // np.savez names each entry KEY.npy; like SAELens, accept w_enc for W_enc.
  const byKey = new Map([...entries].map(([name, bytes]) => [name.replace(/\.npy$/, '').replace(/^w_/, 'W_'), bytes]));
  const get = (key: string): Tensor => {
    const bytes = byKey.get(key);
    if (!bytes) throw new Error(`no ${key}.npy in the archive (it holds: ${[...entries.keys()].join(', ') || 'nothing'})`);
    return within(`${key}.npy`, () => readNpy(bytes));
  };
  const wEnc = get('W_enc');
  const [dIn, dSae] = matrixShape(wEnc, 'W_enc');
  const t = checkShapes(
    { W_enc: [dIn, dSae], b_enc: [dSae], W_dec: [dSae, dIn], b_dec: [dIn], threshold: [dSae] },
    (key) => (key === 'W_enc' ? wEnc : get(key)), // W_enc is the largest array: decode it once
    `(d_in ${dIn}, d_sae ${dSae} from W_enc)`,
  );
  return {
    cfg: saeLensCfg({ architecture: 'jumprelu', dIn, dSae, applyBDecToInput: false }, opts),
    weights: writeSafetensors(t),
  };
}

/** A sparsify SAE folder's cfg.json text and sae.safetensors bytes. Errors name the file. */
export function convertSparsify(cfgJson: string, safetensors: Uint8Array, opts: ConvertOptions = {}): ConvertedSae {
  const cfg = within('cfg.json', () => sparsifyConfig(cfgJson));
  const file = within('sae.safetensors', () => readSafetensors(safetensors));
  return within('sae.safetensors', () => {
    const get = (name: string): Tensor => {
      const t = file.tensors.get(name);
      if (!t) throw new Error(`no tensor "${name}" (it holds: ${[...file.tensors.keys()].join(', ') || 'nothing'})`);
      return t;
    };
    const [dSae, dIn] = matrixShape(get('encoder.weight'), 'encoder.weight');
    if ((cfg.dIn ?? dIn) !== dIn || (cfg.dSae ?? dSae) !== dSae) {
      throw new Error(
        `encoder.weight is [${dSae}, ${dIn}] but cfg.json gives d_in ${cfg.dIn ?? '(unset)'} and ${cfg.dSae ?? '(unset)'} latents`,
      );
    }
    if (cfg.k > dSae) throw new Error(`cfg.json's k (${cfg.k}) exceeds the ${dSae} latents`);
    const t = checkShapes(
      { 'encoder.weight': [dSae, dIn], 'encoder.bias': [dSae], W_dec: [dSae, dIn], b_dec: [dIn] },
      get,
      `(d_in ${dIn}, d_sae ${dSae} from encoder.weight)`,
    );
    return {
      cfg: saeLensCfg({ architecture: 'topk', dIn, dSae, k: cfg.k, applyBDecToInput: true }, opts),
      weights: writeSafetensors({
        W_enc: { shape: [dIn, dSae], data: transpose(t['encoder.weight'].data, dSae, dIn) },
        b_enc: t['encoder.bias'],
        W_dec: t.W_dec,
        b_dec: t.b_dec,
      }),
    };
  });
}

interface SparsifyConfig {
  k: number;
  dIn?: number;
  dSae?: number;
}

function sparsifyConfig(text: string): SparsifyConfig {
  let cfg: unknown;
  try {
    cfg = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON: ${(e as Error).message}`);
  }
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw new Error('not a JSON object');
  const c = cfg as Record<string, unknown>;
  // Configs written before sparsify had `activation` were all TopK.
  const activation = c.activation ?? 'topk';
  if (activation !== 'topk') throw new Error(`activation ${JSON.stringify(activation)} is not supported (supported: topk)`);
  if (c.transcode === true) throw new Error('this is a transcoder (transcode: true), not an SAE; not supported');
  if (c.signed === true) throw new Error('signed latents (signed: true) are not supported');
  if (!isPositiveInt(c.k)) throw new Error(`k must be a positive integer, got ${JSON.stringify(c.k)}`);
  const dIn = isPositiveInt(c.d_in) ? c.d_in : undefined;
  // num_latents 0 means d_in * expansion_factor (sparsify's SparseCoder).
  const dSae = isPositiveInt(c.num_latents)
    ? c.num_latents
    : dIn !== undefined && isPositiveInt(c.expansion_factor)
      ? dIn * c.expansion_factor
      : undefined;
  return { k: c.k, dIn, dSae };
}

interface CfgFields {
  architecture: 'jumprelu' | 'topk';
  dIn: number;
  dSae: number;
  k?: number;
  applyBDecToInput: boolean;
}

function saeLensCfg(f: CfgFields, opts: ConvertOptions): Record<string, unknown> {
  return {
    architecture: f.architecture,
    d_in: f.dIn,
    d_sae: f.dSae,
    // SAELens itself reads a TopK's k from activation_fn_kwargs in configs
    // without sae_lens_version (handle_pre_6_0_config), so write both.
    ...(f.k !== undefined ? { k: f.k, activation_fn_kwargs: { k: f.k } } : {}),
    dtype: 'float32',
    apply_b_dec_to_input: f.applyBDecToInput,
    normalize_activations: 'none',
    ...(opts.hookName !== undefined ? { hook_name: opts.hookName } : {}),
  };
}

function matrixShape(t: Tensor, name: string): [number, number] {
  if (t.shape.length !== 2) throw new Error(`${name} must be a matrix, has shape [${t.shape.join(', ')}]`);
  return [t.shape[0], t.shape[1]];
}

function checkShapes<K extends string>(
  expected: Record<K, number[]>,
  get: (name: K) => Tensor,
  implied: string,
): Record<K, Tensor> {
  const out = {} as Record<K, Tensor>;
  for (const name of Object.keys(expected) as K[]) {
    const t = get(name);
    if (t.shape.join() !== expected[name].join()) {
      throw new Error(`${name} has shape [${t.shape.join(', ')}], expected [${expected[name].join(', ')}] ${implied}`);
    }
    out[name] = t;
  }
  return out;
}

/** [rows, cols] row-major -> [cols, rows]. */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  }
  return out;
}

/** Runs fn, prefixing any error with the file or entry it concerns. */
function within<T>(label: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Error(`${label}: ${(e as Error).message}`);
  }
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}
