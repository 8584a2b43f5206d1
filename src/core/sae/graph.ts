// The SAE encoder as ONNX graphs, built from the weights at load time so a full
// encode runs as one optimised MatMul + TopK in onnxruntime instead of JS loops.
// The graphs take W_enc [d_in, d_sae] as an input, fed the encoder's one float32
// copy: as a constant, each session would keep its own (19 MB at d_sae 8192) and
// onnxruntime a prepacked second. The one exception is a full encode that runs on
// every token (a TopK SAE's), where packing W_enc on every run costs 15-20% of its speed.

import { GraphBuilder, type OnnxValueInfo, encodeOnnxModel } from '../model/onnxWriter';
import type { SaeConfig } from '../pack/types';
import { LAYER_NORM_EPS, expectedAverageScale } from './input';
import type { SaeWeights } from './weights';

/** The input every SAE graph takes W_enc [d_in, d_sae] as. */
export const W_ENC_INPUT = 'W_enc';

/** Names of the full encode's inputs and outputs (buildSaeEncodeModel): x float32 [n, d_in] and k int64 [1] in; the k largest activations per row (values descending) and their latent indices out. */
export const SAE_GRAPH = { x: 'x', k: 'k', values: 'values', indices: 'indices' } as const;

const LAST_AXIS = { axes: { ints: [-1] }, keepdims: { int: 1 } };
const TO_FLOAT = { to: { int: 1 } };
const TO_INT32 = { to: { int: 6 } };

/** `wEncConstant`: W_enc is held in the graph, not taken as the input W_ENC_INPUT. */
export function buildSaeEncodeModel(cfg: SaeConfig, w: SaeWeights, wEncConstant: boolean): Uint8Array {
  const g = new GraphBuilder();
  const { acts } = activations(g, SAE_GRAPH.x, cfg, w, wEncConstant);
  const [top, idx] = g.opMulti('TopK', [acts, SAE_GRAPH.k], 2, { axis: { int: -1 }, largest: { int: 1 }, sorted: { int: 1 } });
  if (cfg.architecture === 'topk') g.op('Relu', [top], undefined, SAE_GRAPH.values);
  else g.op('Identity', [top], undefined, SAE_GRAPH.values);
  g.op('Cast', [idx], TO_INT32, SAE_GRAPH.indices);

  const graph = g.build(
    'sae_encode',
    [
      { name: SAE_GRAPH.x, type: 'float32', shape: ['n', cfg.dIn] },
      { name: SAE_GRAPH.k, type: 'int64', shape: [1] },
      ...(wEncConstant ? [] : [wEncInput(cfg)]),
    ],
    [
      { name: SAE_GRAPH.values, type: 'float32', shape: ['n', 'k'] },
      { name: SAE_GRAPH.indices, type: 'int32', shape: ['n', 'k'] },
    ],
  );
  return encodeOnnxModel(graph);
}

/** Names of the statistics graph's inputs and outputs (buildSaeStatsModel). */
export const SAE_STATS_GRAPH = { hidden: 'hidden', mask: 'mask', sum: 'sum', fires: 'fires', top: 'top', at: 'at' } as const;

/**
 * Per-latent statistics of a padded batch for `diff-models`, in one run instead of
 * [tokens, d_sae] activations copied out to JS (tens of MB a batch at d_sae 8192).
 * Inputs: hidden float32 [b, s, d_in] (the model's output as it is), mask float32
 * [b, s] (1 for the tokens counted, 0 for the rest). Outputs: `sum` [d_sae], each latent's
 * activation summed over the counted tokens; `fires` [d_sae], how many of them it is above 0
 * at; `top` [b, d_sae], its largest activation in each row, at position `at` [b, d_sae] int32.
 */
export function buildSaeStatsModel(cfg: SaeConfig, w: SaeWeights): Uint8Array {
  const g = new GraphBuilder();
  const io = SAE_STATS_GRAPH;
  let { acts } = activations(g, io.hidden, cfg, w);
  if (cfg.architecture === 'topk') acts = keepTopK(g, acts, cfg.k!);
  const counted = g.op('Mul', [acts, g.op('Unsqueeze', [io.mask, g.constant('last', [1], BigInt64Array.of(-1n))])]);
  const tokens = g.constant('token_axes', [2], BigInt64Array.of(0n, 1n));
  g.op('ReduceSum', [counted, tokens], { keepdims: { int: 0 } }, io.sum);
  g.op('ReduceSum', [g.op('Cast', [g.op('Greater', [counted, g.constant('zero', [], Float32Array.of(0))])], TO_FLOAT), tokens], { keepdims: { int: 0 } }, io.fires);
  g.op('ReduceMax', [counted], { axes: { ints: [1] }, keepdims: { int: 0 } }, io.top);
  g.op('Cast', [g.op('ArgMax', [counted], { axis: { int: 1 }, keepdims: { int: 0 } })], TO_INT32, io.at);
  const graph = g.build(
    'sae_stats',
    [
      { name: io.hidden, type: 'float32', shape: ['b', 's', cfg.dIn] },
      { name: io.mask, type: 'float32', shape: ['b', 's'] },
      wEncInput(cfg),
    ],
    [
      { name: io.sum, type: 'float32', shape: [cfg.dSae] },
      { name: io.fires, type: 'float32', shape: [cfg.dSae] },
      { name: io.top, type: 'float32', shape: ['b', cfg.dSae] },
      { name: io.at, type: 'int32', shape: ['b', cfg.dSae] },
    ],
  );
  return encodeOnnxModel(graph);
}

/** Names of the weighted read-out graph's inputs and output (buildSaeReadoutModel). */
export const SAE_READOUT_GRAPH = { x: 'x', score: 'score' } as const;

/**
 * Sum over `latents` of weight × activation for each row of x [n, d_in]: a read-out of many
 * latents (a probe over the whole SAE) as one MatMul in onnxruntime, where reading each
 * column in JS would cost more than the model. W_enc [d_in, d_sae] is an input, so the
 * session keeps no copy of the SAE's largest tensor. Output: score float32 [n].
 */
export function buildSaeReadoutModel(cfg: SaeConfig, w: SaeWeights, latents: readonly number[], weights: ArrayLike<number>): Uint8Array {
  const g = new GraphBuilder();
  const io = SAE_READOUT_GRAPH;
  let { acts } = activations(g, io.x, cfg, w);
  if (cfg.architecture === 'topk') acts = keepTopK(g, acts, cfg.k!);
  const dense = new Float32Array(cfg.dSae);
  latents.forEach((l, j) => (dense[l] += weights[j])); // a latent named twice counts twice, as term by term
  const score = g.op('MatMul', [acts, g.constant('readout_weights', [cfg.dSae, 1], dense)]);
  g.op('Squeeze', [score, g.constant('last', [1], BigInt64Array.of(-1n))], undefined, io.score);
  const graph = g.build(
    'sae_readout',
    [
      { name: io.x, type: 'float32', shape: ['n', cfg.dIn] },
      wEncInput(cfg),
    ],
    [{ name: io.score, type: 'float32', shape: ['n'] }],
  );
  return encodeOnnxModel(graph);
}

/** A TopK SAE's activations from its pre-activations: the k largest of each token survive, ReLU'd (the k-th is the bar). */
function keepTopK(g: GraphBuilder, pre: string, k: number): string {
  const [top] = g.opMulti('TopK', [pre, g.constant('k', [1], BigInt64Array.of(BigInt(k)))], 2, { axis: { int: -1 }, largest: { int: 1 }, sorted: { int: 1 } });
  const bar = g.op('ReduceMin', [top], LAST_AXIS);
  return g.op('Mul', [g.op('Relu', [pre]), g.op('Cast', [g.op('GreaterOrEqual', [pre, bar])], TO_FLOAT)]);
}

function wEncInput(cfg: SaeConfig): OnnxValueInfo {
  return { name: W_ENC_INPUT, type: 'float32', shape: [cfg.dIn, cfg.dSae] };
}

/**
 * The SAE's latent activations of x (any leading dimensions, d_in last) as nodes of `g`,
 * from the input W_ENC_INPUT, or W_enc as a constant.
 * For a TopK SAE `acts` are the pre-activations (the caller selects the top k); `topk` says so.
 */
function activations(g: GraphBuilder, input: string, cfg: SaeConfig, w: SaeWeights, wEncConstant = false): { acts: string; topk: boolean } {
  const scalar = (name: string, v: number) => g.constant(name, [], Float32Array.of(v));

  let x = input;
  if (cfg.normalizeActivations === 'constant_norm_rescale') {
    const norm = g.op('ReduceL2', [x], LAST_AXIS);
    x = g.op('Mul', [x, g.op('Div', [scalar('sqrt_d_in', Math.sqrt(cfg.dIn)), norm])]);
  } else if (cfg.normalizeActivations === 'layer_norm') {
    const centred = g.op('Sub', [x, g.op('ReduceMean', [x], LAST_AXIS)]);
    const variance = g.op('Div', [g.op('ReduceSumSquare', [centred], LAST_AXIS), scalar('d_in_minus_1', cfg.dIn - 1)]);
    x = g.op('Div', [centred, g.op('Add', [g.op('Sqrt', [variance]), scalar('eps', LAYER_NORM_EPS)])]);
  } else {
    const s = expectedAverageScale(cfg);
    if (s !== null) x = g.op('Mul', [x, scalar('norm_scaling_factor', s)]);
  }
  if (cfg.applyBDecToInput) x = g.op('Sub', [x, g.constant('b_dec', [cfg.dIn], w.bDec)]);

  const pre = g.op('Add', [
    g.op('MatMul', [x, wEncConstant ? g.constant('W_enc', [cfg.dIn, cfg.dSae], w.wEnc) : W_ENC_INPUT]),
    g.constant('b_enc', [cfg.dSae], w.bEnc),
  ]);
  let acts: string;
  if (cfg.architecture === 'jumprelu') {
    const open = g.op('Cast', [g.op('Greater', [pre, g.constant('threshold', [cfg.dSae], w.threshold!)])], TO_FLOAT);
    acts = g.op('Mul', [g.op('Relu', [pre]), open]);
  } else if (cfg.architecture === 'standard') {
    acts = g.op('Relu', [pre]);
  } else {
    // SAELens TopK: select on pre-activations, then ReLU the selected values.
    acts = pre;
  }
  return { acts, topk: cfg.architecture === 'topk' };
}

