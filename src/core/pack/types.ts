// The probe-pack contract (see DESIGN.md): what each JSON file in a pack holds.
// The pack builder (tools/pack-builder) writes these; the loader checks them.

import type { Role } from '../dataset/types';

/** The fixed file names of a pack, relative to its root. */
export const PACK_FILES = {
  manifest: 'pack.json',
  model: 'model.onnx',
  tokenizer: 'tokenizer.json',
  saeCfg: 'sae/cfg.json',
  saeWeights: 'sae/sae_weights.safetensors',
  latents: 'latents.json',
  calibration: 'calibration.json',
} as const;

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
  /** Pack format version; this scanner reads 1. */
  formatVersion: 1;
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
  };
  render: RenderConfig;
  /** sha256 (lower-case hex) of every file, keyed by path relative to the root. */
  files: Record<string, string>;
}

export interface LatentInfo {
  index: number;
  label: string;
  description?: string;
  /** How it was found: model-diff rank, contrast AUROC, ... */
  foundBy: { method: string; rank?: number; auroc?: number; [k: string]: unknown };
  topExamples: Array<{ text: string; activation: number }>;
}

export interface LatentsFile {
  latents: LatentInfo[];
}

export type Aggregation =
  | { method: 'max' }
  | { method: 'mean' }
  /** Mean of the k largest token scores (k clipped to the number of tokens). */
  | { method: 'topk-mean'; k: number };

export type RiskMapping =
  /** risk = 1 / (1 + exp(-(slope * score + intercept))) */
  | { type: 'logistic'; slope: number; intercept: number }
  /** Piecewise-linear through (x[i], y[i]); x ascending, y in 0..1, clamped at the ends. */
  | { type: 'piecewise'; x: number[]; y: number[] };

export interface Calibration {
  /** The read-out: token score = sum of weight * activation over these latents. */
  readout: Array<{ latent: number; weight: number }>;
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
