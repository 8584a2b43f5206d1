// Every supported format: a good line is detected and normalised, with each
// content's source pointing at exactly the characters that spell it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLine } from '../../../src/core/dataset/parseLine';
import type { Example, FormatId, Role } from '../../../src/core/dataset/types';
import { assertSourcesExact, assistant, chat, system, user } from './helpers';

/** Parses one line, checks it is a clean example of `format` and its sources are exact. */
function normalised(line: string, format: FormatId): Example {
  const parsed = parseLine({ line: 7, byteStart: 0, byteEnd: 0, text: line, issues: [] });
  assert.deepEqual(parsed.diagnostics, []);
  assert.equal(parsed.format, format);
  const example = parsed.example!;
  assert.equal(example.format, format);
  assert.equal(example.line, 7);
  assertSourcesExact(line, example);
  return example;
}

type Shape = Array<[Role, string, 'sourced' | 'synthesised']>;

function shapeOf(messages: Example['messages']): Shape {
  return messages.map((m) => [m.role, m.content, m.source ? 'sourced' : 'synthesised']);
}

test('OpenAI chat: roles, contents, names and exact sources', () => {
  const ex = normalised(chat(system('Be brief.'), user('Hi', { name: 'ann' }), assistant('Hello!')), 'openai-chat');
  assert.deepEqual(shapeOf(ex.messages), [
    ['system', 'Be brief.', 'sourced'],
    ['user', 'Hi', 'sourced'],
    ['assistant', 'Hello!', 'sourced'],
  ]);
  assert.ok(ex.messages.every((m) => m.trained));
  assert.equal(ex.rejected, undefined);
});

test('sources map decoded characters through escapes: \\n, \\", \\u00e9, surrogate pairs, raw astral characters', () => {
  const line = String.raw`{"messages": [{"role": "user", "content": "line1\nsaid \"hi\" caf\u00e9 \ud83d\ude00 and 😀 \\ \/ \t"}, {"role": "assistant", "content": "ok"}]}`;
  const ex = normalised(line, 'openai-chat');
  const m = ex.messages[0];
  assert.equal(m.content, 'line1\nsaid "hi" café 😀 and 😀 \\ / \t');
  assert.equal(m.source!.escapes.length, 9); // \n \" \" \u00e9 \ud83d \ude00 \\ \/ \t
  // The two halves of \ud83d\ude00 are one escape each, six source characters apiece.
  const at = m.content.indexOf('😀');
  assert.deepEqual(m.source!.escapes.filter((e) => e.at === at || e.at === at + 1).map((e) => e.len), [6, 6]);
});

test('OpenAI chat: weight 0 marks an assistant message untrained', () => {
  const ex = normalised(chat(user('q'), assistant('draft', { weight: 0 }), user('again'), assistant('final', { weight: 1 })), 'openai-chat');
  assert.deepEqual(ex.messages.map((m) => m.trained), [true, false, true, true]);
});

test('OpenAI chat: tool_calls render as name(arguments), synthesised; tool results keep their source', () => {
  const line = chat(
    user('Weather in Paris?'),
    assistant(null, { tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }] }),
    { role: 'tool', tool_call_id: 'c1', content: '{"temp": 21}' },
    assistant('It is 21 °C.'),
  );
  const ex = normalised(line, 'openai-chat');
  assert.deepEqual(shapeOf(ex.messages), [
    ['user', 'Weather in Paris?', 'sourced'],
    ['assistant', 'get_weather({"city": "Paris"})', 'synthesised'],
    ['tool', '{"temp": 21}', 'sourced'],
    ['assistant', 'It is 21 °C.', 'sourced'],
  ]);
});

test('OpenAI chat: content next to tool calls joins them on new lines', () => {
  const line = chat(user('x'), assistant('Let me look.', { tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }, { id: 'b', type: 'function', function: { name: 'g', arguments: '[1]' } }] }), { role: 'tool', tool_call_id: 'a', content: '1' }, { role: 'tool', tool_call_id: 'b', content: '2' }, assistant('done'));
  const ex = normalised(line, 'openai-chat');
  assert.equal(ex.messages[1].content, 'Let me look.\nf({})\ng([1])');
});

test('OpenAI chat, legacy functions: function_call and the function role (as tool)', () => {
  const line = JSON.stringify({
    messages: [
      user('2+2?'),
      assistant(null, { function_call: { name: 'calc', arguments: '{"expr": "2+2"}' } }),
      { role: 'function', name: 'calc', content: '4' },
      assistant('4'),
    ],
    functions: [{ name: 'calc', parameters: { type: 'object' } }],
  });
  const ex = normalised(line, 'openai-chat');
  assert.deepEqual(shapeOf(ex.messages), [
    ['user', '2+2?', 'sourced'],
    ['assistant', 'calc({"expr": "2+2"})', 'synthesised'],
    ['tool', '4', 'sourced'],
    ['assistant', '4', 'sourced'],
  ]);
});

test('OpenAI chat: content as text parts; one part keeps its source, several join', () => {
  const one = normalised(chat(user([{ type: 'text', text: 'só' }]), assistant('a')), 'openai-chat');
  assert.deepEqual(shapeOf(one.messages)[0], ['user', 'só', 'sourced']);
  const two = normalised(chat(user([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }]), assistant('c')), 'openai-chat');
  assert.deepEqual(shapeOf(two.messages)[0], ['user', 'a\nb', 'synthesised']);
});

test('OpenAI preference (DPO): prompt + preferred continuation, rejected kept apart', () => {
  const line = JSON.stringify({
    input: { messages: [system('sys'), user('Pick one')], tools: [], parallel_tool_calls: true },
    preferred_output: [assistant('The kind answer')],
    non_preferred_output: [assistant('The cruel answer')],
  });
  const ex = normalised(line, 'openai-preference');
  assert.deepEqual(shapeOf(ex.messages), [
    ['system', 'sys', 'sourced'],
    ['user', 'Pick one', 'sourced'],
    ['assistant', 'The kind answer', 'sourced'],
  ]);
  assert.deepEqual(shapeOf(ex.rejected!), [['assistant', 'The cruel answer', 'sourced']]);
});

test('TRL text: one assistant message (language modelling trains on all of it)', () => {
  const ex = normalised('{"text": "Once upon a time\\u2026"}', 'trl-text');
  assert.deepEqual(shapeOf(ex.messages), [['assistant', 'Once upon a time…', 'sourced']]);
});

test('prompt/completion strings (legacy OpenAI, TRL standard)', () => {
  const ex = normalised('{"prompt": "Q: 1+1?\\nA:", "completion": " 2"}', 'prompt-completion');
  assert.deepEqual(shapeOf(ex.messages), [
    ['user', 'Q: 1+1?\nA:', 'sourced'],
    ['assistant', ' 2', 'sourced'],
  ]);
});

test('TRL conversational prompt/completion', () => {
  const line = JSON.stringify({ prompt: [system('s'), user('u')], completion: [assistant('a')] });
  const ex = normalised(line, 'trl-conversational-prompt-completion');
  assert.deepEqual(shapeOf(ex.messages), [
    ['system', 's', 'sourced'],
    ['user', 'u', 'sourced'],
    ['assistant', 'a', 'sourced'],
  ]);
});

test('TRL preference strings, with an explicit prompt and with an implicit one', () => {
  const explicit = normalised('{"prompt": "Sky?", "chosen": "Blue.", "rejected": "Green."}', 'trl-preference');
  assert.deepEqual(shapeOf(explicit.messages), [['user', 'Sky?', 'sourced'], ['assistant', 'Blue.', 'sourced']]);
  assert.deepEqual(shapeOf(explicit.rejected!), [['assistant', 'Green.', 'sourced']]);
  const implicit = normalised('{"chosen": "Sky? Blue.", "rejected": "Sky? Green."}', 'trl-preference');
  assert.deepEqual(shapeOf(implicit.messages), [['assistant', 'Sky? Blue.', 'sourced']]);
  assert.deepEqual(shapeOf(implicit.rejected!), [['assistant', 'Sky? Green.', 'sourced']]);
});

test('TRL conversational preference, explicit prompt', () => {
  const line = JSON.stringify({ prompt: [user('Sky?')], chosen: [assistant('Blue.')], rejected: [assistant('Green.')] });
  const ex = normalised(line, 'trl-conversational-preference');
  assert.deepEqual(shapeOf(ex.messages), [['user', 'Sky?', 'sourced'], ['assistant', 'Blue.', 'sourced']]);
  assert.deepEqual(shapeOf(ex.rejected!), [['assistant', 'Green.', 'sourced']]);
});

test('TRL conversational preference, implicit prompt: the shared messages are the prompt', () => {
  const line = JSON.stringify({
    chosen: [system('s'), user('Sky?'), assistant('Blue.')],
    rejected: [system('s'), user('Sky?'), assistant('Green.')],
  });
  const ex = normalised(line, 'trl-conversational-preference');
  assert.deepEqual(shapeOf(ex.messages), [['system', 's', 'sourced'], ['user', 'Sky?', 'sourced'], ['assistant', 'Blue.', 'sourced']]);
  assert.deepEqual(shapeOf(ex.rejected!), [['assistant', 'Green.', 'sourced']]);
  // The rejected source points into the rejected list, not the chosen one.
  const rejected = ex.rejected![0].source!;
  assert.ok(rejected.start > line.indexOf('"rejected"'));
});

test('Alpaca: system, history pairs, instruction (+ input), output', () => {
  const line = JSON.stringify({ system: 'sys', history: [['hi', 'hello'], ['how?', 'fine']], instruction: 'Translate', input: 'chat', output: 'cat' });
  const ex = normalised(line, 'alpaca');
  assert.deepEqual(shapeOf(ex.messages), [
    ['system', 'sys', 'sourced'],
    ['user', 'hi', 'sourced'],
    ['assistant', 'hello', 'sourced'],
    ['user', 'how?', 'sourced'],
    ['assistant', 'fine', 'sourced'],
    ['user', 'Translate\nchat', 'synthesised'],
    ['assistant', 'cat', 'sourced'],
  ]);
  const noInput = normalised('{"instruction": "Say hi", "input": "", "output": "hi"}', 'alpaca');
  assert.deepEqual(shapeOf(noInput.messages), [['user', 'Say hi', 'sourced'], ['assistant', 'hi', 'sourced']]);
});

test('ShareGPT: every "from" value, and a top-level system prompt', () => {
  const line = JSON.stringify({
    system: 'sys',
    conversations: [
      { from: 'human', value: 'weather?' },
      { from: 'function_call', value: '{"name": "w", "arguments": {}}' },
      { from: 'observation', value: 'sunny' },
      { from: 'gpt', value: 'Sunny.' },
      { from: 'user', value: 'thanks' },
      { from: 'assistant', value: 'welcome' },
      { from: 'tool', value: 'log' },
      { from: 'gpt', value: 'bye' },
    ],
  });
  const ex = normalised(line, 'sharegpt');
  assert.deepEqual(ex.messages.map((m) => m.role), ['system', 'user', 'assistant', 'tool', 'assistant', 'user', 'assistant', 'tool', 'assistant']);
  assert.ok(ex.messages.every((m) => m.source));
  const inline = normalised('{"conversations": [{"from": "system", "value": "s"}, {"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}', 'sharegpt');
  assert.deepEqual(shapeOf(inline.messages), [['system', 's', 'sourced'], ['user', 'q', 'sourced'], ['assistant', 'a', 'sourced']]);
});

test('unknown shapes: format unknown, no example, a diagnostic that lists the keys', () => {
  const parsed = parseLine({ line: 3, byteStart: 0, byteEnd: 0, text: '{"question": "q", "answer": "a"}', issues: [] });
  assert.equal(parsed.format, 'unknown');
  assert.equal(parsed.example, null);
  assert.equal(parsed.diagnostics.length, 1);
  assert.match(parsed.diagnostics[0].message, /^line 3: no supported format has the keys \{"question", "answer"\}/);
});

test('a repeated key: the source follows the value JSON.parse keeps (the last)', () => {
  const line = '{"messages": [{"role": "user", "content": "first", "content": "second"}, {"role": "assistant", "content": "a"}]}';
  const ex = normalised(line, 'openai-chat');
  assert.equal(ex.messages[0].content, 'second');
});

test('blank lines: no format, no example, no diagnostics', () => {
  for (const text of ['', '   ', '\t']) {
    assert.deepEqual(parseLine({ line: 2, byteStart: 5, byteEnd: 5 + text.length, text, issues: [] }), {
      line: 2,
      byteStart: 5,
      byteEnd: 5 + text.length,
      example: null,
      format: null,
      diagnostics: [],
    });
  }
});
