import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, encodeOnnxModel } from '../../../src/core/model/onnxWriter';

test('a written model loads in onnxruntime and computes what it says', async () => {
  // Exercises every attribute kind (float, int, negative ints, string), every
  // initializer type (float32, int32, int64) and symbolic input dimensions.
  const g = new GraphBuilder();
  const leaky = g.op('LeakyRelu', ['x'], { alpha: { float: 0.25 } });
  g.op('ReduceMax', [leaky], { axes: { ints: [-1] }, keepdims: { int: 1 } }, 'max');
  g.op('Pad', ['x', g.constant('pads', [4], BigInt64Array.of(0n, 1n, 0n, 1n))], { mode: { string: 'reflect' } }, 'padded');
  g.op('Add', [g.op('Cast', ['x'], { to: { int: 6 } }), g.constant('offset', [3], Int32Array.of(10, 20, 30))], undefined, 'shifted');
  const bytes = encodeOnnxModel(
    g.build(
      'writer_test',
      [{ name: 'x', type: 'float32', shape: ['n', 3] }],
      [
        { name: 'max', type: 'float32', shape: ['n', 1] },
        { name: 'padded', type: 'float32', shape: ['n', 5] },
        { name: 'shifted', type: 'int32', shape: ['n', 3] },
      ],
    ),
  );
  const session = await ort.InferenceSession.create(bytes);
  try {
    const meta = session.inputMetadata[0];
    assert.ok(meta.isTensor);
    assert.deepEqual(meta.shape, ['n', 3]);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(-4, 1, 2, -8, -2, 5), [2, 3]) });
    assert.deepEqual([...(out.max.data as Float32Array)], [2, 5]);
    assert.deepEqual([...(out.padded.data as Float32Array)], [1, -4, 1, 2, 1, -2, -8, -2, 5, -2]);
    assert.deepEqual([...(out.shifted.data as Int32Array)], [6, 21, 32, 2, 18, 35]);
  } finally {
    await session.release();
  }
});

test('refuses an initializer whose data does not fill its dims', () => {
  const g = new GraphBuilder();
  g.op('Identity', [g.constant('w', [2, 2], new Float32Array(3))], undefined, 'y');
  assert.throws(
    () => encodeOnnxModel(g.build('bad', [], [{ name: 'y', type: 'float32', shape: [2, 2] }])),
    /initializer w: dims \[2,2\] hold 4 values, data has 3/,
  );
});
