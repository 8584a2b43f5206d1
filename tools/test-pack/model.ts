// The test pack's model.onnx: random weights with the pack contract's shape.
//   emb    = E[input_ids]                                   [batch, seq, d]
//   ctx_t  = sum_{s<=t} mask_s * emb_s / max(1, sum_{s<=t} mask_s)   causal, mask-aware mean
//   h      = emb + ctx, then L residual blocks h += tanh(h W1 + b1) W2
// so each hidden state depends on its left context, padding never leaks into
// real positions, and the cost grows with d_model and layers for benchmarks.
// With `plant`, a fixed vector is added to every hidden state: a "fine-tune" whose
// only change is a known direction at the hook (the planted test of `diff-models`).

import { GraphBuilder, encodeOnnxModel, type OnnxGraph } from '../../src/core/model/onnxWriter';
import { MODEL_INPUTS, MODEL_OUTPUT } from '../../src/core/model/session';
import type { Rng } from './random';

export interface TestModelShape {
  vocab: number;
  dModel: number;
  layers: number;
}

/** Width of each block's inner layer, as a multiple of d_model (as in transformer MLPs). */
const MLP_RATIO = 4;

export function buildTestModel(rng: Rng, shape: TestModelShape, plant?: Float32Array): Uint8Array {
  return encodeOnnxModel(testModelGraph(rng, shape, plant), TEST_MODEL_PRODUCER);
}

export const TEST_MODEL_PRODUCER = 'persona-lens test-pack generator';

export function testModelGraph(rng: Rng, { vocab, dModel: d, layers }: TestModelShape, plant?: Float32Array): OnnxGraph {
  if (plant && plant.length !== d) throw new Error(`the planted vector has ${plant.length} values; d_model is ${d}`);
  const g = new GraphBuilder();
  const [ids, mask] = MODEL_INPUTS;
  const emb = g.op('Gather', [g.constant('embedding', [vocab, d], rng.uniform(vocab * d, 1)), ids], { axis: { int: 0 } });

  const m = g.op('Unsqueeze', [g.op('Cast', [mask], { to: { int: 1 } }), g.constant('axis_last', [1], BigInt64Array.of(2n))]);
  const seqAxis = g.constant('axis_seq', [], BigInt64Array.of(1n));
  const sum = g.op('CumSum', [g.op('Mul', [emb, m]), seqAxis]);
  const count = g.op('Max', [g.op('CumSum', [m, seqAxis]), g.constant('one', [], Float32Array.of(1))]);
  let h = g.op('Add', [emb, g.op('Div', [sum, count])]);

  const inner = MLP_RATIO * d;
  for (let l = 0; l < layers; l++) {
    const w1 = g.constant(`block${l}.w1`, [d, inner], rng.uniform(d * inner, Math.sqrt(3 / d)));
    const b1 = g.constant(`block${l}.b1`, [inner], rng.uniform(inner, 0.1));
    const w2 = g.constant(`block${l}.w2`, [inner, d], rng.uniform(inner * d, Math.sqrt(3 / inner)));
    const a = g.op('Tanh', [g.op('Add', [g.op('MatMul', [h, w1]), b1])]);
    h = g.op('Add', [h, g.op('MatMul', [a, w2])], undefined, l === layers - 1 && !plant ? MODEL_OUTPUT : undefined);
  }
  if (plant) g.op('Add', [h, g.constant('planted', [d], plant)], undefined, MODEL_OUTPUT);

  return g.build(
    'persona_lens_test_model',
    MODEL_INPUTS.map((name) => ({ name, type: 'int64' as const, shape: ['batch', 'seq'] })),
    [{ name: MODEL_OUTPUT, type: 'float32', shape: ['batch', 'seq', d] }],
  );
}
