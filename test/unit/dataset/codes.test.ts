// Every diagnostic code: an input that triggers it on a known line, and a near
// miss that is entirely clean. The table below must cover CODES.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CODES, nothingToScoreDiagnostic, tooLongDiagnostic, type CodeName } from '../../../src/core/dataset/codes';
import type { ParsedLine } from '../../../src/core/dataset/types';
import { GOOD_CHAT, assistant, chat, parseAll, parseText, system, tempDir, user } from './helpers';

type Input = string | Buffer | (() => Promise<ParsedLine[]>);

interface Case {
  /** Triggers the code on `line`. */
  bad: Input;
  line: number;
  /** What the message must say besides naming the line. */
  says: RegExp;
  /** A near miss: no diagnostics at all. */
  good: Input;
}

const OTHER_CHAT = chat(user('Name a colour.'), assistant('Teal.'));
/** `bad` as line 2, after a good line. */
const second = (bad: string | Buffer) => Buffer.concat([Buffer.from(`${GOOD_CHAT}\n`), Buffer.from(bad), Buffer.from('\n')]);

const call = (args: string, id = 'c1') => ({ tool_calls: [{ id, type: 'function', function: { name: 'get_weather', arguments: args } }] });
const toolFlow = (args: string, resultId: string) =>
  chat(user('Weather?'), assistant(null, call(args)), { role: 'tool', tool_call_id: resultId, content: 'sunny' }, assistant('Sunny.'));

const CASES: Record<CodeName, Case> = {
  'invalid-utf8': {
    bad: second(Buffer.concat([Buffer.from('{"messages":[{"role":"user","content":"caf'), Buffer.from([0xe9]), Buffer.from('"},{"role":"assistant","content":"ok"}]}')])),
    line: 2,
    says: /invalid UTF-8 at byte \d+ of the file/,
    good: second(chat(user('café'), assistant('ok'))),
  },
  'bom-in-middle': {
    bad: `${GOOD_CHAT}\n\uFEFF${OTHER_CHAT}\n`,
    line: 2,
    says: /byte-order mark/,
    good: `\uFEFF${GOOD_CHAT}\n${OTHER_CHAT}\n`,
  },
  'line-too-large': {
    bad: () => parseText(second(chat(user('x'.repeat(500)), assistant('y'))), { maxLineBytes: 200 }),
    line: 2,
    says: /over the reader's limit of 200/,
    good: () => parseText(`${GOOD_CHAT}\n${OTHER_CHAT}\n`, { maxLineBytes: 200 }),
  },
  'gzip-corrupt': {
    bad: () => parseText(gzipSync(`${GOOD_CHAT}\n${OTHER_CHAT}\n`).subarray(0, -4)),
    line: 3,
    says: /gzip stream is truncated or corrupt/,
    good: () => parseText(gzipSync(`${GOOD_CHAT}\n${OTHER_CHAT}\n`)),
  },
  'read-error': {
    bad: () => parseAll('/nonexistent/dir/data.jsonl'),
    line: 1,
    says: /reading failed .*ENOENT/,
    good: () => {
      const path = join(tempDir(), 'data.jsonl');
      writeFileSync(path, `${GOOD_CHAT}\n`);
      return parseAll(path);
    },
  },
  'long-strings': {
    bad: second(chat(user('x'.repeat(4.5 * 2 ** 20)), assistant('ok'))),
    line: 2,
    says: /a string longer than 1048576 bytes was read to their first 1048576 bytes \(3670016 bytes checked, not kept\)/,
    good: second(chat(user('x'.repeat(3.5 * 2 ** 20)), assistant('ok'))),
  },
  'json-syntax': {
    bad: second('{"messages": [}'),
    line: 2,
    says: /JSON syntax error at column 15: expected a value, found "}"/,
    good: second(OTHER_CHAT),
  },
  'not-object': {
    bad: second('[1, 2]'),
    line: 2,
    says: /the line is a list; expected a JSON object/,
    good: second(OTHER_CHAT),
  },
  'unknown-format': {
    bad: second('{"question": "q", "answer": "a"}'),
    line: 2,
    says: /no supported format has the keys \{"question", "answer"\}/,
    good: second(OTHER_CHAT),
  },
  'messages-not-list': {
    bad: second('{"messages": "hi"}'),
    line: 2,
    says: /messages is "hi"; expected a non-empty list of messages/,
    good: second(OTHER_CHAT),
  },
  'message-malformed': {
    bad: second(JSON.stringify({ messages: [42, user('q'), assistant('a')] })),
    line: 2,
    says: /messages\[0\] is a number \(42\); expected a message object/,
    good: second(OTHER_CHAT),
  },
  'missing-key': {
    bad: second(chat({ role: 'user' }, assistant('a'))),
    line: 2,
    says: /messages\[0\] has no content/,
    good: second(OTHER_CHAT),
  },
  'unknown-key': {
    bad: second(chat(user('q', { lang: 'en' }), assistant('a'))),
    line: 2,
    says: /messages\[0\] has unrecognised key\(s\) "lang"/,
    good: second(chat(user('q', { name: 'ann' }), assistant('a'))),
  },
  'unknown-role': {
    bad: second(chat({ role: 'robot', content: 'beep' }, assistant('a'))),
    line: 2,
    says: /messages\[0\]\.role is "robot"; expected one of system, user, assistant, tool/,
    good: second(OTHER_CHAT),
  },
  'invalid-content': {
    bad: second(chat(user(5), assistant('a'))),
    line: 2,
    says: /messages\[0\]\.content is a number \(5\); expected a string/,
    good: second(OTHER_CHAT),
  },
  'non-text-content': {
    bad: second(chat(user([{ type: 'image_url', image_url: { url: 'https://x/cat.png' } }, { type: 'text', text: 'What is this?' }]), assistant('A cat.'))),
    line: 2,
    says: /messages\[0\]\.content has image_url parts; only the text is scored/,
    good: second(chat(user([{ type: 'text', text: 'What is this?' }]), assistant('A cat.'))),
  },
  'no-assistant': {
    bad: second(chat(system('s'), user('q'))),
    line: 2,
    says: /the conversation has no assistant message/,
    good: second(OTHER_CHAT),
  },
  'empty-assistant': {
    bad: second(chat(user('q'), assistant(''))),
    line: 2,
    says: /messages\[1\] is an assistant message with empty content/,
    good: second(OTHER_CHAT),
  },
  'empty-example': {
    bad: second(chat(user(''), assistant(' '))),
    line: 2,
    says: /the example has no text in any message/,
    good: second(OTHER_CHAT),
  },
  'tool-call-malformed': {
    bad: second(chat(user('Weather?'), assistant(null, { tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather' } }] }), assistant('Sunny.'))),
    line: 2,
    says: /messages\[1\]\.tool_calls\[0\]\.function needs "name" and "arguments" strings/,
    good: second(toolFlow('{"city": "Oslo"}', 'c1')),
  },
  'tool-arguments-not-json': {
    bad: second(toolFlow('{city: Oslo}', 'c1')),
    line: 2,
    says: /messages\[1\]\.tool_calls\[0\]\.function\.arguments is not valid JSON/,
    good: second(toolFlow('{"city": "Oslo"}', 'c1')),
  },
  'tool-call-id-unmatched': {
    bad: second(toolFlow('{"city": "Oslo"}', 'c9')),
    line: 2,
    says: /messages\[2\]\.tool_call_id "c9" matches no earlier assistant tool call/,
    good: second(toolFlow('{"city": "Oslo"}', 'c1')),
  },
  'weight-invalid': {
    bad: second(chat(user('q'), assistant('a', { weight: 0.5 }))),
    line: 2,
    says: /messages\[1\]\.weight is a number \(0\.5\); expected 0 or 1/,
    good: second(chat(user('q'), assistant('draft', { weight: 0 }), user('again'), assistant('a', { weight: 1 }))),
  },
  'system-not-first': {
    bad: second(chat(user('q'), system('s'), assistant('a'))),
    line: 2,
    says: /messages\[1\] is a system message at position 2/,
    good: second(chat(system('s'), user('q'), assistant('a'))),
  },
  'consecutive-same-role': {
    bad: second(chat(user('a'), user('b'), assistant('c'))),
    line: 2,
    says: /messages\[1\] is a second user message in a row \(after messages\[0\]\)/,
    good: second(chat(user('a'), assistant('b'), user('c'), assistant('d'))),
  },
  'not-ending-with-assistant': {
    bad: second(chat(user('a'), assistant('b'), user('c'))),
    line: 2,
    says: /the conversation ends with a user message \(messages\[2\]\)/,
    good: second(OTHER_CHAT),
  },
  'mixed-formats': {
    // The first *recognised* line fixes the format: line 1 is unknown, line 2 is chat.
    bad: `{"question": "q"}\n${GOOD_CHAT}\n{"prompt": "p", "completion": "c"}\n`,
    line: 3,
    says: /the line is prompt-completion, but line 2 made the file openai-chat/,
    good: `${GOOD_CHAT}\n\n${OTHER_CHAT}\n`,
  },
  duplicate: {
    // The same conversation in another format and spelling is still the same example.
    bad: `${GOOD_CHAT}\n\n{"conversations": [{"from": "human", "value": "What is 2 \\u002b 2?"}, {"from": "gpt", "value": "4"}]}\n`,
    line: 3,
    says: /the same example as line 1/,
    good: `${GOOD_CHAT}\n${chat(user('What is 2 + 2?'), assistant('Four.'))}\n`,
  },
  'nothing-to-score': {
    // The scanner emits it (see scanner.test.ts); here, as the scanner would, on a parsed line.
    bad: async () => {
      const lines = await parseText(second(chat(user('Hi'), { role: 'assistant', content: 'Hello.', weight: 0 })));
      lines[1].diagnostics.push(nothingToScoreDiagnostic(lines[1].example!));
      return lines;
    },
    line: 2,
    says: /nothing to score: every assistant message has weight 0, so training learns nothing from it; it gets no risk/,
    good: second(chat(user('Hi'), { role: 'assistant', content: 'Hello.', weight: 1 })),
  },
  'too-long': {
    // The scanner emits it; here, as the scanner would, on a parsed line.
    bad: async () => {
      const lines = await parseText(second(OTHER_CHAT));
      lines[1].diagnostics.push(tooLongDiagnostic(2, 5000, 2048, true));
      return lines;
    },
    line: 2,
    says: /the example is 5000 tokens, longer than the pack's context of 2048; only the first 2048 were scored/,
    good: second(OTHER_CHAT),
  },
};

function run(input: Input): Promise<ParsedLine[]> {
  return typeof input === 'function' ? input() : parseText(input);
}

test('every code in the table has a test case, and every case a code', () => {
  assert.deepEqual(Object.keys(CASES).sort(), CODES.map((c) => c.name).sort());
});

test('codes are unique, well-formed, and summarised', () => {
  assert.equal(new Set(CODES.map((c) => c.code)).size, CODES.length);
  for (const c of CODES) {
    assert.match(c.code, /^PL\d{3}$/);
    assert.ok(c.summary.length > 10, c.code);
  }
});

for (const { code, name, severity } of CODES) {
  const c = CASES[name];
  test(`${code} ${name}: triggered on the right line, named in the message; its near miss is clean`, async () => {
    const lines = await run(c.bad);
    assert.deepEqual(lines.map((l) => l.line), lines.map((_, i) => i + 1), 'every line accounted for, in order');
    const hits = lines.flatMap((l) => l.diagnostics.filter((d) => d.code === code));
    assert.equal(hits.length, 1, JSON.stringify(lines.map((l) => l.diagnostics)));
    const [hit] = hits;
    assert.equal(hit.line, c.line);
    assert.equal(hit.severity, severity);
    assert.ok(hit.message.startsWith(`line ${c.line}: `), hit.message);
    assert.match(hit.message, c.says);
    const hitLine = lines.find((l) => l.line === c.line)!;
    assert.equal(hitLine.example === null, hitLine.diagnostics.some((d) => d.severity === 'error'), 'errors, and only errors, make a line unscorable');

    const good = await run(c.good);
    assert.deepEqual(good.flatMap((l) => l.diagnostics), []);
  });
}

test('too-long says how the rest was handled when windows scored it', () => {
  const d = tooLongDiagnostic(9, 3000, 1024, false);
  assert.equal(d.message, "line 9: the example is 3000 tokens, longer than the pack's context of 1024; it was scored in overlapping windows of 1024 tokens");
});

test('diagnostics about a value underline it', async () => {
  const line = chat(user('q'), { role: 'robot', content: 'beep' });
  const [parsed] = await parseText(line);
  const d = parsed.diagnostics.find((x) => x.code === 'PL024')!;
  assert.equal(line.slice(d.span!.start, d.span!.end), '"robot"');
});
