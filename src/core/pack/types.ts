// The probe-pack contract (see DESIGN.md): what each JSON file in a pack holds.
// The pack builder (tools/pack-builder) writes these; the loader checks them.

import type { Role } from '../dataset/types';

/** The fixed file names of a pack, relative to its root. */
export const PACK_FILES = {
  manifest: 'pack.json',
  model: 'model.onnx',
  modelOrt: 'model.ort',
  tokenizer: 'tokenizer.json',
  saeCfg: 'sae/cfg.json',
  saeWeights: 'sae/sae_weights.safetensors',
  latents: 'latents.json',
  calibration: 'calibration.json',
  directions: 'directions.safetensors',
} as const;

/** The pack files a pack may leave out; one that is there is checked like the rest. */
export const OPTIONAL_PACK_FILES: readonly string[] = [PACK_FILES.directions];

/**
 * A pack has one model: ONNX, or (format 3) onnxruntime's own ORT format, which
 * onnxruntime runs straight from the verified bytes without copying its weights.
 */
export const MODEL_FILES: readonly string[] = [PACK_FILES.model, PACK_FILES.modelOrt];

/**
 * The pack formats this scanner reads: 2 adds direction read-outs (directions.safetensors),
 * 3 allows the model as model.ort, 4 lets model.onnx keep its weights in external data files,
 * 5 adds direction terms read at the prompt's end (`at: "prompt-end"`), 6 latentWeights terms
 * (one weight per SAE latent), 7 prior tokens in a mean (`priorTokens`, `priorValue`), 8 a
 * naming threshold on a latent or direction term (`namesAbove`).
 */
export const FORMAT_VERSIONS = [1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

/**
 * The foundBy methods whose finding is about a persona, so the badge may name a
 * read-out term by its label: `model-diff` (the latent moves most between a model
 * and its misaligned fine-tune) and `persona-vector` (a direction from contrasting
 * persona and neutral text, or a latent close to one). A `probe` weight says only
 * that a term helps predict risk, not what it means, so a label on it would claim more.
 */
export const NAMING_METHODS: readonly string[] = ['model-diff', 'persona-vector'];

export interface RoleTemplate {
  /** Text put before the message content, e.g. `<|user|>\n`. */
  prefix: string;
  /** Text put after the message content, e.g. `\n`. */
  suffix: string;
}

export interface RenderConfig {
  /** Text before the first message (e.g. a BOS marker); may be empty. */
  bos: string;
  /** Text after the last message; may be empty. */
  eos: string;
  roles: Record<Role, RoleTemplate>;
  /** Tokens of messages with these roles are scored; others only give context. */
  scoredRoles: Role[];
  /** The model's context, in tokens. */
  maxTokens: number;
  /**
   * How longer examples are handled: `truncate` scores the first `maxTokens` tokens
   * (and says so in a diagnostic); `window` scores every token through overlapping
   * windows of `maxTokens`, each token read from the window giving it most context.
   */
  overflow: 'truncate' | 'window';
}

export interface PackSource {
  name: string;
  license: string;
  /** Where it came from (a package, a path, a URL) and what was used. */
  origin: string;
}

export interface PackManifest {
  /** Pack format version, one of FORMAT_VERSIONS. */
  formatVersion: (typeof FORMAT_VERSIONS)[number];
  name: string;
  version: string;
  license: string;
  description: string;
  provenance: {
    builder: string;
    created: string;
    sources: PackSource[];
    notes?: string;
  };
  model: {
    /** Residual-stream width at the hook point. */
    dModel: number;
    /** Where the hidden state is read, e.g. `blocks.2.hook_resid_post`. */
    hookPoint: string;
    /** Padding id used for batching. */
    padTokenId: number;
    /**
     * Format 4: the files beside model.onnx that hold its weights (ONNX external data, for
     * models above protobuf's 2 GB), plain file names each listed in `files`.
     */
    externalData?: string[];
  };
  render: RenderConfig;
  /** sha256 (lower-case hex) of every file, keyed by path relative to the root. */
  files: Record<string, string>;
}

/** How a latent or direction was found: `model-diff` with its rank, `persona-vector` with a cosine, `probe` with its weight, ... */
export interface FoundBy {
  method: string;
  rank?: number;
  auroc?: number;
  /** Cosine similarity to the persona vector, in -1..1. */
  cosine?: number;
  weight?: number;
  [k: string]: unknown;
}

/** What latents.json says about a latent or a direction. */
export interface Described {
  label: string;
  description?: string;
  foundBy: FoundBy;
  topExamples: Array<{ text: string; activation: number }>;
}

export interface LatentInfo extends Described {
  index: number;
}

export interface DirectionInfo extends Described {
  /** The vector's tensor name in directions.safetensors. */
  name: string;
}

export interface LatentsFile {
  latents: LatentInfo[];
  /** Format 2. */
  directions?: DirectionInfo[];
}

/**
 * Format 8, on a latent or direction term read at the scored tokens: the term names an example
 * (naming.ts) only where its own part of the score, weight × its mean over the scored tokens,
 * is above this. Without it a latent names where it fired (above 0) and a direction never does.
 */
interface Naming {
  namesAbove?: number;
}

/** A read-out term: weight × the SAE latent's activation. */
export interface LatentTerm extends Naming {
  latent: number;
  weight: number;
}

/** A read-out term (format 2): weight × (the raw hidden state · the named vector of directions.safetensors). */
export interface DirectionTerm extends Naming {
  direction: string;
  weight: number;
  /**
   * Format 5: `prompt-end` reads the term at the token before each run of scored tokens (the
   * end of the prompt the answer follows), once per example, instead of at every scored token.
   */
  at?: 'prompt-end';
}

/**
 * A read-out term (format 6): weight × (the SAE's activations · the named [d_sae] tensor of
 * directions.safetensors): a probe over every latent, one term however many latents it weighs.
 */
export interface LatentWeightsTerm {
  latentWeights: string;
  weight: number;
}

export type ReadoutTerm = LatentTerm | DirectionTerm | LatentWeightsTerm;

export type Aggregation =
  | { method: 'max' }
  /**
   * Mean of the token scores; with `priorTokens` (format 7), `priorTokens` tokens of value
   * `priorValue` count too: (sum + priorTokens × priorValue) / (n + priorTokens), so an answer of
   * a few tokens, little evidence, scores near priorValue.
   */
  | { method: 'mean'; priorTokens?: number; priorValue?: number }
  /** Mean of the k largest token scores (k clipped to the number of tokens). */
  | { method: 'topk-mean'; k: number };

export type RiskMapping =
  /** risk = 1 / (1 + exp(-(slope * score + intercept))) */
  | { type: 'logistic'; slope: number; intercept: number }
  /** Piecewise-linear through (x[i], y[i]); x ascending, y in 0..1, clamped at the ends. */
  | { type: 'piecewise'; x: number[]; y: number[] };

export interface Calibration {
  /**
   * The read-out: token score = the sum of its terms; example score = their aggregation plus
   * the `prompt-end` terms (format 5), each averaged over the example's prompt ends.
   */
  readout: ReadoutTerm[];
  aggregation: Aggregation;
  mapping: RiskMapping;
  thresholds: { elevated: number; high: number };
  /** Figures the calibration was fitted and checked on (free-form, shown to users). */
  validation: Record<string, unknown>;
}

export type SaeArchitecture = 'standard' | 'topk' | 'jumprelu';

/** The subset of SAELens' cfg.json the scanner uses. */
export interface SaeConfig {
  architecture: SaeArchitecture;
  dIn: number;
  dSae: number;
  k?: number;
  applyBDecToInput: boolean;
  normalizeActivations: 'none' | 'constant_norm_rescale' | 'layer_norm' | 'expected_average_only_in';
  /** Scale for `expected_average_only_in` (SAELens folds it in or stores it). */
  normScalingFactor?: number;
  hookName?: string;
}
