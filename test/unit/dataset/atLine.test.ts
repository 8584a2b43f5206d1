// atLine: a diagnostic of a cached result moved to the line its text sits on now.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atLine, tooLongDiagnostic } from '../../../src/core/dataset/codes';

test('atLine moves the line number and the message prefix, nothing else', () => {
  const d = tooLongDiagnostic(3, 900, 512, true);
  const moved = atLine(d, 12);
  assert.deepEqual({ ...moved, message: '' }, { ...d, line: 12, message: '' });
  assert.equal(moved.message, d.message.replace(/^line 3: /, 'line 12: '));
  assert.deepEqual(atLine(moved, 3), d);
});
