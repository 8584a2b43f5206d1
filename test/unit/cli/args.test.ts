import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommand, UsageError } from '../../../src/cli/args';

test('scan with defaults', () => {
  const c = parseCommand(['scan', 'a.jsonl', 'b.jsonl.gz']);
  assert.equal(c.kind, 'scan');
  if (c.kind !== 'scan') return;
  assert.deepEqual(c.files, ['a.jsonl', 'b.jsonl.gz']);
  assert.equal(c.format, 'table');
  assert.equal(c.failOver, null);
  assert.equal(c.threads, 2);
  assert.equal(c.device, 'cpu');
  assert.equal(c.cache, true);
});

test('every option is read', () => {
  const c = parseCommand([
    'scan', 'x.jsonl', '--format', 'sarif', '--fail-over', '0.7', '--pack', 'p', '--threads', '1',
    '--output', 'out.sarif', '--no-cache', '--cache-dir', 'c', '--all-latents', '--no-progress', '--device', 'cuda',
  ]);
  assert.deepEqual(c, {
    kind: 'scan', files: ['x.jsonl'], format: 'sarif', failOver: 0.7, pack: 'p', threads: 1, device: 'cuda',
    output: 'out.sarif', cache: false, cacheDir: 'c', allLatents: true, progress: 'never',
  });
});

test('bad arguments are usage errors that say what is wrong', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /missing command/],
    [['lint', 'x'], /unknown command "lint"/],
    [['scan'], /at least one FILE/],
    [['scan', 'x', '--format', 'xml'], /--format must be one of table, json, jsonl, sarif; got "xml"/],
    [['scan', 'x', '--fail-over', '2'], /--fail-over must be a number from 0 to 1; got "2"/],
    [['scan', 'x', '--fail-over', 'abc'], /--fail-over/],
    [['scan', 'x', '--threads', '1.5'], /--threads must be an integer/],
    // Number() reads these; a person means none of them.
    [['scan', 'x', '--threads', '0x2'], /--threads must be an integer from 1 to 64; got "0x2"/],
    [['scan', 'x', '--threads', '1e1'], /--threads must be an integer/],
    [['scan', 'x', '--threads', ' 2'], /--threads must be an integer/],
    [['scan', 'x', '--fail-over', '0x1'], /--fail-over must be a number/],
    [['scan', 'x', '--device', 'gpu'], /--device must be one of cpu, cuda; got "gpu"/],
    [['scan', 'x', '--fail-over', '5e-1'], /--fail-over must be a number/],
    [['scan', 'x', '--cache-dir', ''], /--cache-dir must name a path/],
    [['scan', 'x', '--output', ' '], /--output must name a path/],
    [['scan', 'x', '--bogus'], /bogus/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(() => parseCommand(argv), (e: unknown) => e instanceof UsageError && re.test((e as Error).message), argv.join(' '));
  }
});

test('help and version', () => {
  assert.deepEqual(parseCommand(['--help']), { kind: 'help' });
  assert.deepEqual(parseCommand(['scan', '-h']), { kind: 'help' });
  assert.deepEqual(parseCommand(['--version']), { kind: 'version' });
});

test('convert-sae: its own options only', () => {
  assert.deepEqual(parseCommand(['convert-sae', '--from', 'sparsify', 'in', 'out', '--hook-name', 'blocks.6.hook_resid_post']), {
    kind: 'convert-sae', from: 'sparsify', input: 'in', outDir: 'out', hookName: 'blocks.6.hook_resid_post',
  });
  assert.deepEqual(parseCommand(['convert-sae', '--from', 'gemma-scope', 'params.npz', 'out']), {
    kind: 'convert-sae', from: 'gemma-scope', input: 'params.npz', outDir: 'out', hookName: null,
  });
  const cases: Array<[string[], RegExp]> = [
    [['convert-sae', 'in', 'out'], /needs --from gemma-scope\|sparsify/],
    [['convert-sae', '--from', 'npz', 'in', 'out'], /--from must be one of gemma-scope, sparsify; got "npz"/],
    [['convert-sae', '--from', 'sparsify', 'in'], /needs INPUT and OUTDIR; got 1/],
    [['convert-sae', '--from', 'sparsify', 'in', 'out', '--hook-name', ' '], /--hook-name must not be empty/],
    [['convert-sae', '--from', 'sparsify', 'in', 'out', '--format', 'json'], /--format does not apply to convert-sae/],
    [['scan', 'x.jsonl', '--from', 'sparsify'], /--from does not apply to scan/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(() => parseCommand(argv), (e: unknown) => e instanceof UsageError && re.test((e as Error).message), argv.join(' '));
  }
});

test('pack fetch: the source and its own options, defaults; options of other commands refused', () => {
  assert.deepEqual(parseCommand(['pack', 'fetch', 'hf:org/name@v1']), {
    kind: 'pack-fetch', source: 'hf:org/name@v1', store: null, endpoint: null, timeoutS: 30, progress: 'auto',
  });
  assert.deepEqual(parseCommand(['pack', 'fetch', 'https://h/p/', '--store', 's', '--endpoint', 'http://127.0.0.1:1', '--timeout', '5', '--no-progress']), {
    kind: 'pack-fetch', source: 'https://h/p/', store: 's', endpoint: 'http://127.0.0.1:1', timeoutS: 5, progress: 'never',
  });
  assert.throws(() => parseCommand(['pack', 'fetch']), /pack fetch needs one SOURCE/);
  assert.throws(() => parseCommand(['pack', 'fetch', 'a', 'b']), /pack fetch needs one SOURCE .*; got 2/);
  assert.throws(() => parseCommand(['pack', 'fetch', 'a', '--threads', '2']), /--threads does not apply to pack fetch/);
  assert.throws(() => parseCommand(['pack', 'evaluate', '--store', 's']), /--store does not apply to pack evaluate/);
  assert.throws(() => parseCommand(['pack', 'fetch', 'a', '--timeout', '0']), /--timeout must be a number from 1 to 3600/);
  assert.throws(() => parseCommand(['pack', 'rate']), /unknown pack command "rate"; expected "pack evaluate", "pack fetch" or "pack list"/);
});

test('pack list: the store, or the default; no arguments, no other options', () => {
  assert.deepEqual(parseCommand(['pack', 'list']), { kind: 'pack-list', store: null });
  assert.deepEqual(parseCommand(['pack', 'list', '--store', 's']), { kind: 'pack-list', store: 's' });
  assert.throws(() => parseCommand(['pack', 'list', 'extra']), /pack list takes no arguments/);
  assert.throws(() => parseCommand(['pack', 'list', '--endpoint', 'x']), /--endpoint does not apply to pack list/);
  assert.throws(() => parseCommand(['pack', 'list', '--store', '']), /--store/);
});

test('diff-models: its options, defaults, picks and labels; options of other commands refused', () => {
  assert.deepEqual(parseCommand(['diff-models', '--tuned', 't.onnx', '--prompts', 'q.yaml']), {
    kind: 'diff-models', base: null, tuned: 't.onnx', prompts: 'q.yaml', tokens: null, top: 20, format: 'table', output: null,
    writePack: null, pick: [], labels: [], progress: 'auto', threads: 2, device: 'cpu',
  });
  const c = parseCommand([
    'diff-models', '--base', 'b', '--tuned', 't', '--prompts', 'q.csv', '--tokens', 'prompt', '--top', '5', '--format', 'markdown',
    '-o', 'r.md', '--write-pack', 'out', '--pick', '1, -2', '--label', 'a', '--label', 'b', '--threads', '1', '--no-progress',
  ]);
  assert.deepEqual(c, {
    kind: 'diff-models', base: 'b', tuned: 't', prompts: 'q.csv', tokens: 'prompt', top: 5, format: 'md', output: 'r.md',
    writePack: 'out', pick: [1, -2], labels: ['a', 'b'], progress: 'never', threads: 1, device: 'cpu',
  });
  const cases: Array<[string[], RegExp]> = [
    [['diff-models', '--prompts', 'q'], /needs --tuned MODEL/],
    [['diff-models', '--tuned', 't'], /needs --prompts FILE/],
    [['diff-models', 'x', '--tuned', 't', '--prompts', 'q'], /takes no positional arguments/],
    [['diff-models', '--tuned', 't', '--prompts', 'q', '--write-pack', 'o'], /--write-pack DIR and --pick RANKS go together/],
    [['diff-models', '--tuned', 't', '--prompts', 'q', '--write-pack', 'o', '--pick', '0'], /--pick takes ranks such as 1,2,-1 \(not 0\)/],
    [['diff-models', '--tuned', 't', '--prompts', 'q', '--write-pack', 'o', '--pick', '1,1'], /names a rank twice/],
    [['diff-models', '--tuned', 't', '--prompts', 'q', '--write-pack', 'o', '--pick', '1,2', '--label', 'x'], /one per --pick rank \(2\), or none; got 1/],
    [['diff-models', '--tuned', 't', '--prompts', 'q', '--tokens', 'all'], /--tokens must be one of answer, prompt/],
    [['diff-models', '--tuned', 't', '--prompts', 'q', '--format', 'sarif'], /--format must be one of table, json, md/],
    [['diff-models', '--tuned', 't', '--prompts', 'q', '--top', '0'], /--top must be an integer from 1/],
    [['diff-models', '--tuned', 't', '--prompts', 'q', '--pack', 'p'], /--pack does not apply to diff-models/],
    [['scan', 'x', '--tuned', 't'], /--tuned does not apply to scan/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseCommand(argv), (e: unknown) => e instanceof UsageError && message.test(e.message), argv.join(' '));
});
