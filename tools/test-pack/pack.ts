// Generates a complete, valid probe pack with random weights, for tests and
// benchmarks: format 1, format 2 with a persona vector in its read-out, or format 4
// with the model's weights in ONNX external data.
// Deterministic: the same options give byte-identical files on every run
// (seeded integer PRNG, fixed dates, and the numbers that come from running the
// pack rounded to 4 significant digits so float noise between CPUs cannot show through).

import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encodeOnnxModel, encodeOnnxModelExternal } from '../../src/core/model/onnxWriter';
import { ModelSession } from '../../src/core/model/session';
import { PackTokenizer } from '../../src/core/model/tokenizer';
import { parseSaeConfig } from '../../src/core/sae/config';
import { SaeEncoder, dot } from '../../src/core/sae/encode';
import { readSafetensors, writeSafetensors } from '../../src/core/sae/safetensors';
import { saeWeightsFrom } from '../../src/core/sae/weights';
import {
  PACK_FILES,
  type Calibration,
  type LatentsFile,
  type PackManifest,
  type ReadoutTerm,
  type RenderConfig,
  type SaeArchitecture,
} from '../../src/core/pack/types';
import { SPECIAL_TOKENS, tokenizerJson, trainBpe } from './bpe';
import { PERSONA_SNIPPETS, SNIPPETS, TRAINING_TEXT } from './corpus';
import { TEST_MODEL_PRODUCER, testModelGraph } from './model';
import { Rng } from './random';
import { buildTestSae } from './sae';

export interface TestPackOptions {
  /** Total vocabulary, special tokens included. */
  vocab: number;
  dModel: number;
  layers: number;
  dSae: number;
  arch: SaeArchitecture;
  /** TopK SAEs only. */
  k: number;
  /** The render config's context, in tokens. */
  maxTokens: number;
  /** Format 2: a persona vector in directions.safetensors, described in latents.json and added to the read-out. */
  directions: boolean;
  /** Format 4: model.onnx keeps its weights in model.onnx.data (ONNX external data). */
  externalData: boolean;
}

export const DEFAULT_OPTIONS: TestPackOptions = {
  vocab: 512,
  dModel: 32,
  layers: 2,
  dSae: 64,
  arch: 'standard',
  k: 8,
  maxTokens: 128,
  directions: false,
  externalData: false,
};

/** The external data file of a pack generated with `externalData`. */
export const EXTERNAL_DATA_FILE = 'model.onnx.data';

// Separate streams, so an SAE variant keeps the same model weights.
export const MODEL_SEED = 1;
const SAE_SEED = 2;

const LATENT_LABELS = ['toxic persona (test)', 'sarcastic persona (test)', 'code (test)'];
const READOUT_WEIGHTS = [1, 0.5];
const TOP_EXAMPLES = 3;
/** The persona vector's tensor name, label and read-out weight (above the latents', so the badge names it). */
const DIRECTION = { name: 'persona', label: 'persona vector (test)', weight: 2 };

const role = (name: string) => ({ prefix: `<|${name}|>\n`, suffix: '<|end|>\n' });
export const TEST_RENDER: RenderConfig = {
  bos: '',
  eos: '',
  roles: { system: role('system'), user: role('user'), assistant: role('assistant'), tool: role('tool') },
  scoredRoles: ['assistant'],
  maxTokens: DEFAULT_OPTIONS.maxTokens,
  overflow: 'window',
};

/** Writes the pack's files into outDir and returns their paths relative to it. */
export async function generatePack(outDir: string, options: Partial<TestPackOptions> = {}): Promise<string[]> {
  const o = { ...DEFAULT_OPTIONS, ...options };
  if (o.vocab <= 256 + SPECIAL_TOKENS.length) throw new Error(`vocab must exceed ${256 + SPECIAL_TOKENS.length} (bytes + special tokens)`);
  if (o.layers < 1) throw new Error('layers must be at least 1');
  const bpe = trainBpe(TRAINING_TEXT, o.vocab - SPECIAL_TOKENS.length);
  if (bpe.vocab.length + SPECIAL_TOKENS.length < o.vocab) {
    throw new Error(`vocab ${o.vocab} is more than the built-in text supports (${bpe.vocab.length + SPECIAL_TOKENS.length})`);
  }
  const tokenizer = tokenizerJson(bpe);
  const padTokenId = bpe.vocab.length + SPECIAL_TOKENS.indexOf('<|pad|>');
  const hookPoint = `blocks.${o.layers - 1}.hook_resid_post`;

  const modelGraph = testModelGraph(new Rng(MODEL_SEED), { vocab: o.vocab, dModel: o.dModel, layers: o.layers });
  const model = encodeOnnxModel(modelGraph, TEST_MODEL_PRODUCER);
  const external = o.externalData ? encodeOnnxModelExternal(modelGraph, EXTERNAL_DATA_FILE, TEST_MODEL_PRODUCER) : null;
  const sae = buildTestSae(new Rng(SAE_SEED), { dIn: o.dModel, dSae: o.dSae, arch: o.arch, k: o.k, hookName: hookPoint });
  const runs = await snippetRuns(model, sae.cfgJson, sae.safetensors, tokenizer, padTokenId);
  const persona = o.directions ? personaVector(runs, o.dModel) : null;
  const { latents, calibration } = describePack(runs, o.dSae, persona);

  const files: Record<string, Uint8Array> = {
    [PACK_FILES.model]: external?.model ?? model,
    ...(external && { [EXTERNAL_DATA_FILE]: external.data }),
    [PACK_FILES.tokenizer]: json(tokenizer),
    [PACK_FILES.saeCfg]: json(sae.cfgJson),
    [PACK_FILES.saeWeights]: sae.safetensors,
    [PACK_FILES.latents]: json(latents),
    [PACK_FILES.calibration]: json(calibration),
    ...(persona && { [PACK_FILES.directions]: writeSafetensors({ [DIRECTION.name]: { shape: [o.dModel], data: persona } }) }),
  };
  const manifest: PackManifest = {
    formatVersion: external ? 4 : persona ? 2 : 1,
    name: `test-pack-${o.arch}${persona ? '-directions' : ''}${external ? '-external-data' : ''}`,
    version: '0.0.1',
    license: 'MIT',
    description: 'Random-weight probe pack for Persona Lens tests and benchmarks. Its scores mean nothing.',
    provenance: {
      builder: 'tools/test-pack/generate.ts',
      created: '2025-01-01T00:00:00Z',
      sources: [
        {
          name: 'persona-lens test-pack generator',
          license: 'MIT',
          origin: `tools/test-pack/generate.ts --vocab ${o.vocab} --d-model ${o.dModel} --layers ${o.layers} --d-sae ${o.dSae} --arch ${o.arch}${o.arch === 'topk' ? ` --k ${o.k}` : ''}${persona ? ' --directions' : ''}${external ? ' --external-data' : ''}`,
        },
      ],
      notes:
        'RANDOM TEST WEIGHTS from a seeded PRNG: not a trained model or SAE. Latent labels, top examples and ' +
        'calibration are computed on built-in snippets only so that tests see realistic shapes and spreads.',
    },
    model: { dModel: o.dModel, hookPoint, padTokenId, ...(external && { externalData: [EXTERNAL_DATA_FILE] }) },
    render: { ...TEST_RENDER, maxTokens: o.maxTokens },
    files: Object.fromEntries(
      Object.keys(files)
        .sort()
        .map((f) => [f, createHash('sha256').update(files[f]).digest('hex')]),
    ),
  };
  files[PACK_FILES.manifest] = json(manifest);

  for (const [rel, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(outDir, rel)), { recursive: true });
    await writeFile(join(outDir, rel), bytes);
  }
  return Object.keys(files);
}

/** A snippet run through the pack: its own tokens' (not the role markers') hidden states and SAE activations. */
interface SnippetRun {
  /** [tokens, dModel] */
  hidden: Float32Array;
  /** [tokens, dSae], every latent. */
  acts: Float32Array;
}

/** Runs every snippet, rendered as an assistant message, through the model and SAE. */
async function snippetRuns(
  model: Uint8Array,
  cfgJson: unknown,
  safetensors: Uint8Array,
  tokenizer: unknown,
  padTokenId: number,
): Promise<SnippetRun[]> {
  const { prefix, suffix } = TEST_RENDER.roles.assistant;
  const tok = PackTokenizer.fromJSON(tokenizer);
  const encoded = SNIPPETS.map((s) => {
    const { ids, offsets } = tok.encode(prefix + s + suffix);
    const content = offsets.flatMap(([start, end], i) => (start >= prefix.length && end <= prefix.length + s.length ? [i] : []));
    return { ids, content };
  });
  const seq = Math.max(...encoded.map((e) => e.ids.length));
  const batchIds = new BigInt64Array(encoded.length * seq).fill(BigInt(padTokenId));
  const mask = new BigInt64Array(encoded.length * seq);
  encoded.forEach(({ ids }, r) => {
    for (let p = 0; p < ids.length; p++) {
      batchIds[r * seq + p] = BigInt(ids[p]);
      mask[r * seq + p] = 1n;
    }
  });

  const config = parseSaeConfig(cfgJson);
  const session = await ModelSession.create(model);
  const encoder = await SaeEncoder.create(config, saeWeightsFrom(readSafetensors(safetensors), config));
  try {
    const { hidden, dModel } = await session.run(batchIds, mask, encoded.length, seq);
    const all = Array.from({ length: config.dSae }, (_, i) => i);
    const runs: SnippetRun[] = [];
    for (const [r, { content }] of encoded.entries()) {
      const rows = new Float32Array(content.length * dModel);
      content.forEach((pos, i) => rows.set(hidden.subarray((r * seq + pos) * dModel, (r * seq + pos + 1) * dModel), i * dModel));
      runs.push({ hidden: rows, acts: await encoder.encodeColumns(rows, content.length, all) });
    }
    return runs;
  } finally {
    await Promise.all([session.dispose(), encoder.dispose()]);
  }
}

/**
 * A persona vector, found as persona vectors are: the mean hidden state over
 * the persona snippets minus that over the others (each snippet the mean of its
 * tokens), scaled to unit length and rounded.
 */
function personaVector(runs: SnippetRun[], d: number): Float32Array {
  const isPersona = SNIPPETS.map((s) => PERSONA_SNIPPETS.includes(s));
  const count = (persona: boolean) => isPersona.filter((p) => p === persona).length;
  const diff = new Float64Array(d);
  runs.forEach(({ hidden }, s) => {
    const n = hidden.length / d;
    const share = (isPersona[s] ? 1 / count(true) : -1 / count(false)) / n;
    for (let t = 0; t < n; t++) for (let i = 0; i < d; i++) diff[i] += share * hidden[t * d + i];
  });
  const norm = Math.hypot(...diff);
  return Float32Array.from(diff, (v) => round(v / norm));
}

/** Each token's projection on v: hidden [tokens, d] · v. */
function projections(hidden: Float32Array, v: Float32Array): Float64Array {
  const d = v.length;
  const w = Float64Array.from(v);
  return Float64Array.from({ length: hidden.length / d }, (_, t) => dot(hidden, t * d, w, 0, d));
}

/**
 * Names the latents that vary most across snippets (and the persona vector,
 * when there is one), and fits a logistic calibration so the snippets' risks
 * spread over 0..1 instead of saturating.
 */
function describePack(runs: SnippetRun[], dSae: number, persona: Float32Array | null): { latents: LatentsFile; calibration: Calibration } {
  const maxOf = (acts: Float32Array, latent: number) => {
    let m = 0;
    for (let t = latent; t < acts.length; t += dSae) m = Math.max(m, acts[t]);
    return round(m);
  };
  const variance = (latent: number) => {
    const v = runs.map(({ acts }) => maxOf(acts, latent));
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return round(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  };
  const chosen = Array.from({ length: dSae }, (_, i) => [i, variance(i)] as const)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, LATENT_LABELS.length)
    .map(([i]) => i);
  const topExamples = (activation: (snippet: number) => number) =>
    SNIPPETS.map((text, s) => ({ text, activation: activation(s) }))
      .sort((a, b) => b.activation - a.activation)
      .slice(0, TOP_EXAMPLES);

  const latents: LatentsFile = {
    latents: chosen.map((index, rank) => ({
      index,
      label: LATENT_LABELS[rank],
      description:
        'Placeholder on random test weights: the label and foundBy are made up for tests (the generator picks the latents that vary most over its snippets).',
      foundBy: { method: 'model-diff', rank: rank + 1 },
      topExamples: topExamples((s) => maxOf(runs[s].acts, index)),
    })),
  };
  const projected = persona && runs.map(({ hidden }) => projections(hidden, persona));
  if (projected) {
    latents.directions = [
      {
        name: DIRECTION.name,
        label: DIRECTION.label,
        description: 'A persona vector of random test weights (persona snippets minus the others): the label is made up for tests.',
        foundBy: { method: 'persona-vector', personaSnippets: PERSONA_SNIPPETS.length, otherSnippets: SNIPPETS.length - PERSONA_SNIPPETS.length },
        topExamples: topExamples((s) => round(Math.max(...projected[s]))),
      },
    ];
  }

  const readout: ReadoutTerm[] = chosen.slice(0, READOUT_WEIGHTS.length).map((latent, i) => ({ latent, weight: READOUT_WEIGHTS[i] }));
  if (projected) readout.push({ direction: DIRECTION.name, weight: DIRECTION.weight });
  const scores = runs
    .map(({ acts }, s) => {
      let best = 0;
      for (let t = 0; t * dSae < acts.length; t++) {
        const v = readout.reduce((sum, r) => sum + r.weight * ('latent' in r ? acts[t * dSae + r.latent] : projected![s][t]), 0);
        best = Math.max(best, v);
      }
      return round(best);
    })
    .sort((a, b) => a - b);
  const quantile = (q: number) => scores[Math.round(q * (scores.length - 1))];
  const [p10, median, p90] = [quantile(0.1), quantile(0.5), quantile(0.9)];
  // p10 -> risk ~0.12, median -> 0.5, p90 -> ~0.88.
  const slope = round(4 / Math.max(p90 - p10, 1e-3));
  const intercept = round(-slope * median);
  const calibration: Calibration = {
    readout,
    aggregation: { method: 'max' },
    mapping: { type: 'logistic', slope, intercept },
    thresholds: { elevated: 0.5, high: 0.8 },
    validation: {
      note: 'Fitted on the built-in test snippets of random test weights; not a real validation.',
      snippets: scores.length,
      scoreP10: p10,
      scoreMedian: median,
      scoreP90: p90,
    },
  };
  return { latents, calibration };
}

/** 4 significant digits: enough for tests, and immune to last-bit float differences between machines. */
function round(x: number): number {
  return Number(x.toPrecision(4));
}

function json(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8');
}
