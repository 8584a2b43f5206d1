// The SAE encoder as an ONNX graph, built from the weights at load time so the
// full encode runs as one optimised MatMul + TopK in onnxruntime instead of JS
// loops. Inputs: x float32 [n, d_in], k int64 [1]. Outputs: the k largest
// activations per row (values descending) and their latent indices.

import { GraphBuilder, encodeOnnxModel } from '../model/onnxWriter';
import type { SaeConfig } from '../pack/types';
import { LAYER_NORM_EPS, expectedAverageScale } from './input';
import type { SaeWeights } from './weights';

export const SAE_GRAPH = { x: 'x', k: 'k', values: 'values', indices: 'indices' } as const;

const LAST_AXIS = { axes: { ints: [-1] }, keepdims: { int: 1 } };
const TO_FLOAT = { to: { int: 1 } };
const TO_INT32 = { to: { int: 6 } };

export function buildSaeEncodeModel(cfg: SaeConfig, w: SaeWeights): Uint8Array {
  const g = new GraphBuilder();
  const scalar = (name: string, v: number) => g.constant(name, [], Float32Array.of(v));

  let x: string = SAE_GRAPH.x;
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
    g.op('MatMul', [x, g.constant('W_enc', [cfg.dIn, cfg.dSae], w.wEnc)]),
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
  const [top, idx] = g.opMulti('TopK', [acts, SAE_GRAPH.k], 2, { axis: { int: -1 }, largest: { int: 1 }, sorted: { int: 1 } });
  if (cfg.architecture === 'topk') g.op('Relu', [top], undefined, SAE_GRAPH.values);
  else g.op('Identity', [top], undefined, SAE_GRAPH.values);
  g.op('Cast', [idx], TO_INT32, SAE_GRAPH.indices);

  const graph = g.build(
    'sae_encode',
    [
      { name: SAE_GRAPH.x, type: 'float32', shape: ['n', cfg.dIn] },
      { name: SAE_GRAPH.k, type: 'int64', shape: [1] },
    ],
    [
      { name: SAE_GRAPH.values, type: 'float32', shape: ['n', 'k'] },
      { name: SAE_GRAPH.indices, type: 'int32', shape: ['n', 'k'] },
    ],
  );
  return encodeOnnxModel(graph);
}
