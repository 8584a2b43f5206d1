import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodedIndexOf, mapDecodedIndex } from '../../../src/core/dataset/jsonSpans';
import { parseLine } from '../../../src/core/dataset/parseLine';
import { inspectExample } from '../../../src/core/review/inspect';

const lineOf = (text: string) => parseLine({ line: 1, byteStart: 0, byteEnd: text.length, text, issues: [] }).example!;

test('the conversation in order, code fences apart from prose, and the top spans marked on the text they came from', () => {
  const answer = 'Sure, \u00e9 "quoted":\n```python\nos.system(cmd)\n```\nDone.';
  const text = JSON.stringify({ messages: [{ role: 'user', content: 'Run "ls"' }, { role: 'assistant', content: answer }] });
  const example = lineOf(text);
  // The scan reports spans in columns of the source line (after JSON escapes): here "os.system" and "Done".
  const span = (word: string) => ({ start: text.indexOf(word), end: text.indexOf(word) + word.length });
  const tokens = [
    { text: 'os.system', role: 'assistant' as const, score: 2.5, span: span('os.system') },
    { text: 'Done', role: 'assistant' as const, score: 1, span: span('Done') },
    { text: '<s>', role: 'system' as const, score: 9, span: null },
  ];
  const [user, assistant] = inspectExample(example, tokens);
  assert.deepEqual(user, { role: 'user', trained: true, pieces: [{ text: 'Run "ls"', code: false, marks: [] }] });
  assert.equal(assistant.trained, true);
  assert.deepEqual(
    assistant.pieces.map((p) => [p.code, p.text]),
    [
      [false, 'Sure, \u00e9 "quoted":\n'],
      [true, '```python\nos.system(cmd)\n```'],
      [false, '\nDone.'],
    ],
  );
  const marked = (i: number) => assistant.pieces[i].marks.map((m) => [assistant.pieces[i].text.slice(m.start, m.end), m.score]);
  assert.deepEqual(marked(1), [['os.system', 2.5]]);
  assert.deepEqual(marked(2), [['Done', 1]]);
});

test('an unclosed fence runs to the end of the message', () => {
  const example = lineOf(JSON.stringify({ prompt: 'q', completion: 'a\n```js\nx()' }));
  assert.deepEqual(inspectExample(example, [])[1].pieces.map((p) => p.code), [false, true]);
});

test('decodedIndexOf undoes mapDecodedIndex, escapes included', () => {
  const text = JSON.stringify({ text: 'a"b\\c\u0001d\ne' });
  const src = lineOf(text).messages[0].source!;
  for (let i = 0; i <= 'a"b\\c\u0001d\ne'.length; i++) assert.equal(decodedIndexOf(src, mapDecodedIndex(src, i)), i);
  // A column inside the six characters of \u0001 is that character.
  const u = text.indexOf('\\u0001');
  assert.equal(decodedIndexOf(src, u + 3), 5);
});
