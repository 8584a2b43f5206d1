import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { GraphBuilder, encodeOnnxModel } from '../../../src/core/model/onnxWriter';
import { ModelSession } from '../../../src/core/model/session';

const MODEL = join(__dirname, '../../fixtures/packs/tiny/model.onnx');
const D = 32;

let model: ModelSession;
before(async () => {
  model = await ModelSession.create(MODEL);
});
after(async () => {
  await model.dispose();
});

/** Runs one unpadded sequence. */
async function runOne(m: ModelSession, ids: number[]): Promise<Float32Array> {
  const out = await m.run(BigInt64Array.from(ids.map(BigInt)), new BigInt64Array(ids.length).fill(1n), 1, ids.length);
  assert.equal(out.dModel, D);
  return out.hidden;
}

function assertClose(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `${what} at ${i}: ${a[i]} vs ${b[i]}`);
}

test('hidden states are deterministic across runs and sessions', async () => {
  const ids = [5, 300, 42, 7, 511, 260];
  const a = await runOne(model, ids);
  assert.equal(a.length, ids.length * D);
  assert.deepEqual(await runOne(model, ids), a);
  const other = await ModelSession.create(MODEL, { threads: 2 });
  try {
    assertClose(await runOne(other, ids), a, 'second session, 2 threads');
  } finally {
    await other.dispose();
  }
});

test('a hidden state depends on the tokens to its left', async () => {
  const a = await runOne(model, [10, 99]);
  const b = await runOne(model, [11, 99]);
  const diff = a.subarray(D).some((v, i) => Math.abs(v - b[D + i]) > 1e-3);
  assert.ok(diff, 'position 1 should see position 0');
});

test('padding (left or right) does not change the real positions', async () => {
  const PAD = 511;
  const long = [3, 50, 270, 8, 99, 12];
  const short = [40, 41, 42];
  const refLong = await runOne(model, long);
  const refShort = await runOne(model, short);
  const seq = long.length;
  for (const side of ['right', 'left'] as const) {
    const padded = side === 'right' ? [...short, PAD, PAD, PAD] : [PAD, PAD, PAD, ...short];
    const maskShort = padded.map((_, i) => (side === 'right' ? i < short.length : i >= seq - short.length) ? 1n : 0n);
    const ids = BigInt64Array.from([...long, ...padded].map(BigInt));
    const mask = BigInt64Array.from([...long.map(() => 1n), ...maskShort]);
    const { hidden } = await model.run(ids, mask, 2, seq);
    assertClose(hidden.subarray(0, seq * D), refLong, `${side}: unpadded row`);
    const start = side === 'right' ? seq * D : (seq + seq - short.length) * D;
    assertClose(hidden.subarray(start, start + short.length * D), refShort, `${side}-padded row`);
  }
});

test('keeps a running total of time inside onnxruntime', async () => {
  const before = model.runMs;
  await runOne(model, [1, 2, 3]);
  assert.ok(model.runMs > before);
});

test('refuses inputs whose length does not match batch x seq', async () => {
  await assert.rejects(model.run(new BigInt64Array(5), new BigInt64Array(6), 2, 3), /expected 2x3 = 6 ids and 6 mask values, got 5 and 6/);
});

/** A one-node model with the given interface names. */
function tinyModel(inputs: string[], output: string): Uint8Array {
  const g = new GraphBuilder();
  const f = g.op('Cast', [inputs[0]], { to: { int: 1 } });
  g.op('Unsqueeze', [f, g.constant('axes', [1], BigInt64Array.of(2n))], undefined, output);
  return encodeOnnxModel(
    g.build(
      'names',
      inputs.map((name) => ({ name, type: 'int64' as const, shape: ['b', 's'] })),
      [{ name: output, type: 'float32', shape: ['b', 's', 1] }],
    ),
  );
}

test('refuses a model with the wrong input or output names', async () => {
  await assert.rejects(ModelSession.create(tinyModel(['input_ids', 'attention_mask'], 'logits')), /outputs are \[logits\]; expected one named "hidden"/);
  await assert.rejects(ModelSession.create(tinyModel(['ids', 'attention_mask'], 'hidden')), /inputs are \[ids, attention_mask\]; expected exactly \[input_ids, attention_mask\]/);
  await assert.rejects(ModelSession.create(tinyModel(['input_ids'], 'hidden')), /expected exactly \[input_ids, attention_mask\]/);
  const ok = await ModelSession.create(tinyModel(['input_ids', 'attention_mask'], 'hidden'));
  await ok.dispose();
});

/** A model with past keys and values of `blocks` blocks (format 9), its presents named `presents` (which it passes the pasts through to). */
function pastModel(blocks: number, presents: string[], headShape: Array<number | string> = [2, 'p', 4]): Uint8Array {
  const g = new GraphBuilder();
  const f = g.op('Cast', ['input_ids'], { to: { int: 1 } });
  g.op('Unsqueeze', [f, g.constant('axes', [1], BigInt64Array.of(2n))], undefined, 'hidden');
  const pasts = Array.from({ length: blocks }, (_, i) => [`past_key_${i}`, `past_value_${i}`]).flat();
  presents.forEach((name, j) => g.op('Identity', [pasts[j]], undefined, name));
  return encodeOnnxModel(
    g.build(
      'past',
      [
        ...['input_ids', 'attention_mask'].map((name) => ({ name, type: 'int64' as const, shape: ['b', 's'] })),
        ...pasts.map((name) => ({ name, type: 'float32' as const, shape: ['b', ...headShape] })),
      ],
      [{ name: 'hidden', type: 'float32', shape: ['b', 's', 1] }, ...presents.map((name) => ({ name, type: 'float32' as const, shape: ['b', ...headShape] }))],
    ),
  );
}

test('takes a model with past keys and values (format 9), and refuses one without its presents or with a past of no fixed shape', async () => {
  const ok = await ModelSession.create(pastModel(2, ['present_key_0', 'present_value_0', 'present_key_1', 'present_value_1']));
  assert.deepEqual(ok.cache, { blocks: 2, heads: 2, headDim: 4 });
  // A full run feeds empty pasts.
  const run = await ok.run(BigInt64Array.of(3n, 5n), BigInt64Array.of(1n, 1n), 1, 2);
  assert.deepEqual([...run.hidden], [3, 5]);
  await ok.dispose();
  assert.equal((await ModelSession.create(tinyModel(['input_ids', 'attention_mask'], 'hidden')).then(async (m) => [m.cache, await m.dispose()]))[0], null);
  await assert.rejects(
    ModelSession.create(pastModel(2, ['present_key_0', 'present_value_0'])),
    /a model with past keys and values \(pack format 9\) must output present_key_1, present_value_1$/,
  );
  await assert.rejects(ModelSession.create(pastModel(2, ['present_key_0', 'present_value_0', 'present_key_1', 'present_value_1'], ['h', 'p', 4])), /every past key and value must be \[batch, heads, past, headDim\]/);
});

test('refuses bytes that are not an ONNX model', async () => {
  await assert.rejects(ModelSession.create(Buffer.from('not a model')), /onnxruntime cannot load the model/);
});
