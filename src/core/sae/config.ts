// SAELens cfg.json -> SaeConfig. Follows SAELens' own defaulting for configs
// written by older versions (handle_config_defaulting / handle_pre_6_0_config):
// no `architecture` means standard, `apply_b_dec_to_input` defaults to true, a
// boolean or null `normalize_activations` maps to "expected_average_only_in" /
// "none", `hook_point` was renamed `hook_name`, and pre-6.0 TopK SAEs were
// "standard" with `activation_fn: "topk"` and `activation_fn_kwargs.k`.

import type { SaeArchitecture, SaeConfig } from '../pack/types';

const ARCHITECTURES: readonly SaeArchitecture[] = ['standard', 'topk', 'jumprelu'];
const NORMALIZATIONS: ReadonlyArray<SaeConfig['normalizeActivations']> = [
  'none',
  'expected_average_only_in',
  'constant_norm_rescale',
  'layer_norm',
];

export function parseSaeConfig(json: unknown): SaeConfig {
  if (!isObject(json)) throw new Error('the config must be a JSON object');
  const cfg = json;
  const dIn = positiveInt(cfg.d_in, 'd_in');
  const dSae = positiveInt(cfg.d_sae, 'd_sae');

  const activationFn = cfg.activation_fn ?? cfg.activation_fn_str ?? 'relu';
  let architecture = cfg.architecture ?? 'standard';
  if (architecture === 'standard' && activationFn === 'topk') architecture = 'topk';
  if (typeof architecture !== 'string' || !ARCHITECTURES.includes(architecture as SaeArchitecture)) {
    throw new Error(
      `architecture ${JSON.stringify(architecture)} is not supported (supported: ${ARCHITECTURES.join(', ')})`,
    );
  }
  if (activationFn !== 'relu' && activationFn !== 'topk') {
    throw new Error(`activation_fn ${JSON.stringify(activationFn)} is not supported (supported: relu, topk)`);
  }

  const config: SaeConfig = {
    architecture: architecture as SaeArchitecture,
    dIn,
    dSae,
    applyBDecToInput: applyBDecToInput(cfg.apply_b_dec_to_input),
    normalizeActivations: normalizeActivations(cfg.normalize_activations),
  };
  if (config.architecture === 'topk') {
    const kwargs = cfg.activation_fn_kwargs;
    const k = cfg.k ?? (isObject(kwargs) ? kwargs.k : undefined);
    config.k = positiveInt(k, 'k');
    if (config.k > dSae) throw new Error(`k (${config.k}) must not exceed d_sae (${dSae})`);
  }
  if (cfg.norm_scaling_factor !== undefined && cfg.norm_scaling_factor !== null) {
    const f = cfg.norm_scaling_factor;
    if (typeof f !== 'number' || !(f > 0) || !Number.isFinite(f)) {
      throw new Error('norm_scaling_factor must be a positive number');
    }
    config.normScalingFactor = f;
  }
  const hookName = cfg.hook_name ?? cfg.hook_point ?? metaField(cfg.metadata) ?? metaField(cfg.meta);
  if (typeof hookName === 'string') config.hookName = hookName;
  return config;
}

function applyBDecToInput(v: unknown): boolean {
  if (v === undefined) return true;
  if (typeof v !== 'boolean') throw new Error('apply_b_dec_to_input must be true or false');
  return v;
}

function normalizeActivations(v: unknown): SaeConfig['normalizeActivations'] {
  if (v === undefined || v === null || v === false) return 'none';
  if (v === true) return 'expected_average_only_in';
  if (typeof v !== 'string' || !NORMALIZATIONS.includes(v as SaeConfig['normalizeActivations'])) {
    throw new Error(
      `normalize_activations ${JSON.stringify(v)} is not supported (supported: ${NORMALIZATIONS.join(', ')})`,
    );
  }
  return v as SaeConfig['normalizeActivations'];
}

/** SAELens 6 keeps hook_name under `metadata` (briefly `meta`). */
function metaField(meta: unknown): unknown {
  return isObject(meta) ? meta.hook_name : undefined;
}

function positiveInt(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new Error(`${field} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
