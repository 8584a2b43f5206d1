// End to end: the built `persona-lens` command (bin/ -> dist/cli.js) on files we write here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { DEFAULT_PACK } from '../../src/core/pack/builtIn';

const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'bin/persona-lens.js');
const TINY = join(ROOT, 'test/fixtures/packs/tiny');
const work = mkdtempSync(join(tmpdir(), 'persona-lens-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[], opts: { cwd?: string } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? work,
    encoding: 'utf8',
    env: { ...process.env, XDG_CACHE_HOME: join(work, 'cache'), NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const chat = (user: string, assistant: string) =>
  JSON.stringify({ messages: [{ role: 'user', content: user }, { role: 'assistant', content: assistant }] });

const LINES = [
  chat('Write a function that adds two numbers.', 'def add(a, b):\n    return a + b'),
  '',
  JSON.stringify({ prompt: 'Capital of France?', completion: ' Paris.' }),
  '{"messages": [{"role": "user", "content": "cut off"',
  chat('Any tips for sleep?', 'Keep a regular schedule and avoid screens before bed.'),
  JSON.stringify({ messages: [{ role: 'user', content: 'hi' }, { role: 'robot', content: 'hello' }] }),
];
const DATA = join(work, 'data.jsonl');
writeFileSync(DATA, LINES.join('\r\n') + '\r\n');

function jsonl(stdout: string): any[] {
  return stdout.trim().split('\n').map((l) => JSON.parse(l));
}

test('--format jsonl: one object per input line, in order, with the contract fields', () => {
  const r = run(['scan', DATA, '--pack', TINY, '--format', 'jsonl', '--no-cache']);
  assert.equal(r.code, 0, r.stderr);
  const rows = jsonl(r.stdout);
  assert.deepEqual(rows.map((o) => o.line), [1, 2, 3, 4, 5, 6]);
  for (const o of rows) {
    for (const key of ['line', 'risk', 'score', 'format', 'errors']) assert.ok(key in o, `line ${o.line} lacks ${key}`);
  }
  assert.deepEqual(rows.map((o) => o.format), ['openai-chat', null, 'prompt-completion', null, 'openai-chat', 'openai-chat']);
  assert.deepEqual(rows.map((o) => o.risk === null), [false, true, false, true, false, true]);
  for (const o of rows.filter((o) => o.risk !== null)) {
    assert.ok(o.risk >= 0 && o.risk <= 1);
    assert.equal(typeof o.score, 'number');
  }
  assert.equal(rows[3].errors[0].code, 'PL010');
  assert.match(rows[3].errors[0].message, /^line 4: /);
  assert.ok(rows[5].errors.some((e: any) => e.code === 'PL024' && /"robot"/.test(e.message)));
  assert.ok(rows[2].errors.some((e: any) => e.code === 'PL060'), 'a second format in the file is flagged');
});

test('gzip input gives the same results as the plain file', () => {
  const gz = join(work, 'data.jsonl.gz');
  writeFileSync(gz, gzipSync(readFileSync(DATA)));
  const plain = jsonl(run(['scan', DATA, '--pack', TINY, '--format', 'jsonl', '--no-cache']).stdout);
  const zipped = jsonl(run(['scan', gz, '--pack', TINY, '--format', 'jsonl', '--no-cache']).stdout);
  const strip = (rows: any[]) => rows.map(({ file: _f, ...rest }) => rest);
  assert.deepEqual(strip(zipped), strip(plain));
});

test('--fail-over exits 1 only when some risk exceeds the bound', () => {
  const rows = jsonl(run(['scan', DATA, '--pack', TINY, '--format', 'jsonl', '--no-cache']).stdout);
  const max = Math.max(...rows.filter((o) => o.risk !== null).map((o) => o.risk));
  assert.equal(run(['scan', DATA, '--pack', TINY, '--fail-over', String(Math.max(0, max - 0.01)), '--no-cache']).code, 1);
  assert.equal(run(['scan', DATA, '--pack', TINY, '--fail-over', String(Math.min(1, max + 0.01)), '--no-cache']).code, 0);
});

test('--format sarif writes SARIF 2.1.0 with 1-based regions pointing into the file', () => {
  const out = join(work, 'out.sarif');
  const r = run(['scan', 'data.jsonl', '--pack', TINY, '--format', 'sarif', '--output', out, '--no-cache']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '', '--output keeps stdout empty');
  const sarif = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(sarif.version, '2.1.0');
  const run0 = sarif.runs[0];
  assert.equal(run0.tool.driver.name, 'persona-lens');
  const rules = new Set(run0.tool.driver.rules.map((x: any) => x.id));
  const syntax = run0.results.find((x: any) => x.ruleId === 'PL010');
  assert.ok(syntax, 'the broken line is reported');
  assert.equal(syntax.level, 'error');
  assert.equal(syntax.locations[0].physicalLocation.region.startLine, 4);
  assert.equal(syntax.locations[0].physicalLocation.artifactLocation.uri, 'data.jsonl');
  for (const res of run0.results) assert.ok(rules.has(res.ruleId), `rule ${res.ruleId} is declared`);
});

test('--format table summarises counts and the riskiest lines; json holds every example', () => {
  const t = run(['scan', DATA, '--pack', TINY, '--no-cache']);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /lines 6 · examples 3 · invalid 2 · blank 1/);
  assert.match(t.stdout, /PL010 json-syntax ×1/);
  const j = JSON.parse(run(['scan', DATA, '--pack', TINY, '--format', 'json', '--no-cache']).stdout);
  assert.equal(j.examples.length, 6);
  assert.equal(j.summary.examples, 3);
  assert.equal(j.pack.name, 'test-pack-standard');
});

test('results are cached across runs and identical', () => {
  const first = jsonl(run(['scan', DATA, '--pack', TINY, '--format', 'jsonl']).stdout);
  const second = jsonl(run(['scan', DATA, '--pack', TINY, '--format', 'jsonl']).stdout);
  assert.ok(first.filter((o) => o.risk !== null).every((o) => o.cached === false));
  assert.ok(second.filter((o) => o.risk !== null).every((o) => o.cached === true));
  assert.deepEqual(second.map((o) => o.risk), first.map((o) => o.risk));
});

test('a damaged cache is noticed, rebuilt and never trusted', () => {
  const cacheRoot = join(work, 'cache-damage');
  const args = ['scan', DATA, '--pack', TINY, '--format', 'jsonl', '--cache-dir', cacheRoot];
  const clean = jsonl(run(args).stdout);
  const { readdirSync } = require('node:fs') as typeof import('node:fs');
  const [packDir] = readdirSync(cacheRoot);
  const log = join(cacheRoot, packDir, 'results.log');
  const bytes = readFileSync(log);
  bytes[bytes.length - 5] ^= 0xff;
  writeFileSync(log, bytes);
  const r = run(args);
  assert.match(r.stderr, /cache/i);
  assert.deepEqual(jsonl(r.stdout).map((o) => o.risk), clean.map((o) => o.risk));
});

test('exit 2 with a clear message when the command cannot run', () => {
  const bad = run(['scan', DATA, '--format', 'xml']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--format must be one of table, json, jsonl, sarif; got "xml"/);

  const missing = run(['scan', join(work, 'nope.jsonl'), '--pack', TINY]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read .*nope\.jsonl: no such file/);

  const folder = run(['scan', work, '--pack', TINY, '--format', 'jsonl']);
  assert.equal(folder.code, 2);
  assert.match(folder.stderr, /cannot read .*: it is a directory, not a dataset file/);
  assert.equal(folder.stdout, '');

  const broken = join(work, 'broken-pack');
  cpSync(TINY, broken, { recursive: true });
  const cal = join(broken, 'calibration.json');
  writeFileSync(cal, readFileSync(cal, 'utf8').replace('"max"', '"median"'));
  const r = run(['scan', DATA, '--pack', broken]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot load pack .*calibration\.json.*sha256/i);
});

test('without --pack the embedded default pack scans', () => {
  const r = run(['scan', DATA, '--format', 'jsonl', '--no-cache', '--no-progress']);
  assert.equal(r.code, 0, r.stderr);
  const lines = jsonl(r.stdout);
  assert.equal(lines.length, 6);
  const named = jsonl(run(['scan', DATA, '--pack', join(ROOT, DEFAULT_PACK), '--format', 'jsonl', '--no-cache', '--no-progress']).stdout);
  assert.deepEqual(lines, named);
});

test('--device cuda runs the model on the GPU where onnxruntime can, else says why and scans on the CPU, alike; another device is a usage error', () => {
  const file = join(work, 'device.jsonl');
  writeFileSync(file, LINES.join('\n') + '\n');
  const cpu = run(['scan', file, '--pack', TINY, '--format', 'jsonl', '--no-cache']);
  const cuda = run(['scan', file, '--pack', TINY, '--format', 'jsonl', '--no-cache', '--device', 'cuda']);
  assert.equal(cuda.code, cpu.code);
  const risks = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l).risk as number | null);
  const [a, b] = [risks(cpu.stdout), risks(cuda.stdout)];
  a.forEach((r, i) => assert.ok(r === null ? b[i] === null : Math.abs(r - b[i]!) < 1e-3, `line ${i + 1}: ${r} vs ${b[i]}`));
  // No CUDA libraries here (CI skips onnxruntime's CUDA download): one line says so, nothing of onnxruntime's own log.
  if (!process.env.PERSONA_LENS_HAS_CUDA) {
    assert.equal(cuda.stderr, 'persona-lens: the CUDA execution provider is not available (OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library), so the model runs on the CPU; see the README\'s "GPU" section to install it\n');
  }
  const bad = run(['scan', file, '--pack', TINY, '--device', 'gpu']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--device must be one of cpu, cuda; got "gpu"/);
});

test('help and version', () => {
  const h = run(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Usage: persona-lens scan FILE/);
  assert.equal(run(['--version']).stdout.trim(), JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
});

test('an unwritable --output is a clear exit 2; a reader that stops early is not an error', async () => {
  const bad = run(['scan', DATA, '--pack', TINY, '--format', 'sarif', '--output', join(work, 'no-such-dir', 'x.sarif'), '--no-cache']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /cannot write .*no-such-dir.*x\.sarif/);

  // Like `persona-lens scan big.jsonl --format jsonl | head -1`.
  const big = join(work, 'big.jsonl');
  writeFileSync(big, Array.from({ length: 3000 }, (_, i) => chat(`question ${i}`, `answer number ${i}`)).join('\n'));
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [BIN, 'scan', big, '--pack', TINY, '--format', 'jsonl', '--no-cache'], { cwd: work });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Error/);
});

test('--output never overwrites an input or the pack, however it is spelled; outputs appear whole', () => {
  const data = join(work, 'v.jsonl');
  const other = join(work, 'w.jsonl');
  const original = readFileSync(DATA);
  writeFileSync(data, original);
  writeFileSync(other, original);
  symlinkSync(data, join(work, 'v-link.jsonl'));
  const pack = join(work, 'pack-copy');
  cpSync(TINY, pack, { recursive: true });
  const calibration = readFileSync(join(pack, 'calibration.json'));
  for (const [args, why] of [
    [[data, '-o', data], /is the input .*v\.jsonl/],
    [[data, '-o', join(work, 'v-link.jsonl')], /is the input/],
    [[data, '--output', join(work, '.', 'v.jsonl')], /is the input/],
    [[other, data, '-o', data], /is the input .*v\.jsonl/],
    [[data, '-o', join(pack, 'calibration.json')], /inside the pack/],
    [[data, '-o', join(pack, 'new-file.json')], /inside the pack/],
  ] as const) {
    const r = run(['scan', ...args, '--pack', pack, '--format', 'jsonl', '--no-cache']);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, why);
  }
  assert.deepEqual(readFileSync(data), original, 'the dataset is untouched');
  assert.deepEqual(readFileSync(join(pack, 'calibration.json')), calibration, 'the pack is untouched');
  assert.ok(!existsSync(join(pack, 'new-file.json')));

  const out = join(work, 'out', 'results.jsonl');
  mkdirSync(join(work, 'out'));
  const ok = run(['scan', data, '--pack', pack, '--format', 'jsonl', '--no-cache', '-o', out]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(jsonl(readFileSync(out, 'utf8')).length, 6);
  assert.deepEqual(readdirSync(join(work, 'out')), ['results.jsonl'], 'no temporary file left behind');
  assert.equal(run(['scan', data, '--pack', pack, '--no-cache', '-o', '/dev/null']).code, 0, 'a device is written directly');
});

test('a scan writes nothing outside its outputs and cache: no onnxruntime telemetry or debug logs', () => {
  const home = join(work, 'clean-home');
  const temp = join(work, 'clean-tmp');
  mkdirSync(home);
  mkdirSync(temp);
  const r = spawnSync(process.execPath, [BIN, 'scan', DATA, '--pack', TINY, '--format', 'jsonl', '--no-cache'], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, HOME: home, TMPDIR: temp, XDG_CACHE_HOME: join(home, '.cache'), ORT_DISABLE_TELEMETRY: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(home, { recursive: true }), [], 'nothing under HOME (onnxruntime wrote ~/.cache/Microsoft/…/onnxruntime.db)');
  assert.deepEqual(readdirSync(temp), [], 'nothing in the temp folder (onnxruntime wrote mat-debug-<pid>.log)');
});

test('"-" reads standard input, plain or gzipped, as the file would be read', () => {
  const fromFile = jsonl(run(['scan', DATA, '--pack', TINY, '--format', 'jsonl', '--no-cache']).stdout);
  for (const input of [readFileSync(DATA), gzipSync(readFileSync(DATA))]) {
    const r = spawnSync(process.execPath, [BIN, 'scan', '-', '--pack', TINY, '--format', 'jsonl', '--no-cache'], { cwd: work, encoding: 'utf8', input });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(jsonl(r.stdout).map(({ file, ...rest }) => rest), fromFile.map(({ file, ...rest }) => rest));
  }
  const twice = run(['scan', '-', '-', '--pack', TINY]);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /can be named once/);
});

test('--fail-over does not pass files in which nothing could be scored', () => {
  const broken = join(work, 'nothing-valid.jsonl');
  writeFileSync(broken, '{"messages": [\n\nnot json\n');
  const r = run(['scan', broken, '--pack', TINY, '--format', 'jsonl', '--no-cache', '--fail-over', '0.9']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--fail-over: no example could be scored in .*nothing-valid\.jsonl, so the gate cannot pass/);
  assert.equal(jsonl(r.stdout).length, 3, 'the report is still written, every line with its diagnostics');
  assert.equal(run(['scan', broken, '--pack', TINY, '--no-cache']).code, 0, 'without the gate a scan of bad lines is not a failure');
});

test('--fail-over does not pass a gzip file it could not read to the end, though every intact line is reported', () => {
  const body = Buffer.from(LINES.join('\n') + '\n');
  const damaged = join(work, 'garbage-after.jsonl.gz');
  writeFileSync(damaged, Buffer.concat([gzipSync(body), Buffer.from('garbage!!')]));
  const r = run(['scan', damaged, '--pack', TINY, '--format', 'jsonl', '--no-cache', '--fail-over', '1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--fail-over: .*garbage-after\.jsonl\.gz could not be read to the end \(PL004\/PL005 in the report\), so the gate cannot pass/);
  const lines = jsonl(r.stdout);
  assert.equal(lines.length, LINES.length + 1, 'every intact line, then the damage on its own entry');
  assert.deepEqual(lines[LINES.length].errors.map((e: { code: string }) => e.code), ['PL004']);
  assert.equal(run(['scan', damaged, '--pack', TINY, '--no-cache']).code, 0, 'without the gate the damage is reported, not fatal');
});

test('a full disk under --output ends with one message naming the file, exit 2, in every format', () => {
  for (const format of ['table', 'jsonl', 'json', 'sarif']) {
    const r = run(['scan', DATA, '--pack', TINY, '--no-cache', '--format', format, '-o', '/dev/full']);
    assert.equal(r.code, 2, format);
    assert.equal(r.stderr, 'persona-lens: cannot write /dev/full: ENOSPC: no space left on device, write\n', format);
  }
});

test('a slow reader of stdout gets every line, whole and in order: the scan waits for it', async () => {
  const { spawn } = await import('node:child_process');
  const file = join(work, 'many-blank.jsonl');
  // 300k lines with nothing to score: the scan outruns any reader, so only back-pressure keeps the output whole.
  writeFileSync(file, `${LINES[2]}\n` + '\n'.repeat(300_000));
  const cli = spawn(process.execPath, [BIN, 'scan', file, '--pack', TINY, '--format', 'jsonl', '--no-cache', '--no-progress'], {
    cwd: work,
    env: { ...process.env, XDG_CACHE_HOME: join(work, 'cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  // Read a little, then stop reading for a while, over and over.
  cli.stdout.on('data', (c: Buffer) => {
    chunks.push(c);
    if (chunks.length % 20 === 0) {
      cli.stdout.pause();
      setTimeout(() => cli.stdout.resume(), 50);
    }
  });
  const code = await new Promise<number | null>((resolve) => cli.on('close', resolve));
  assert.equal(code, 0);
  const lines = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');
  assert.equal(lines.length, 300_001);
  lines.forEach((l, i) => {
    if (i % 9973 === 0 || i === lines.length - 1) assert.equal(JSON.parse(l).line, i + 1);
  });
  assert.equal(JSON.parse(lines[0]).score === null, false, 'the one example is scored');
});
