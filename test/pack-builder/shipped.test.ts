// The embedded default pack (packs/persona-smollm2) as users get it: the CLI picks it with no
// --pack, loads it (hashes checked) and scores the pack builder's check rows exactly as the
// pipeline's onnxruntime run did when it exported the pack (test/fixtures/default-pack-check,
// our own rows; refreshed with the pack, see tools/pack-builder/README.md).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertAgrees, type PipelineScore, type ScannedLine } from './agree';
import { assertSameIds } from './sameIds';

const ROOT = join(__dirname, '../..');
const PACK = join(ROOT, 'packs/persona-smollm2');
const CHECK = join(ROOT, 'test/fixtures/default-pack-check');
const read = (f: string) => JSON.parse(readFileSync(f, 'utf8'));

function filesUnder(dir: string): Array<{ path: string; size: number }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [{ path: join(dir, e.name), size: statSync(join(dir, e.name)).size }],
  );
}

function scanJsonl(file: string): ScannedLine[] {
  const scan = spawnSync(process.execPath, [join(ROOT, 'bin/persona-lens.js'), 'scan', file, '--format', 'jsonl', '--no-cache'], { encoding: 'utf8' });
  assert.equal(scan.status, 0, scan.stderr);
  assert.doesNotMatch(scan.stderr, /TEST pack/, 'the default pack is used, not the random test pack');
  return scan.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

test('the CLI scans with the embedded default pack and agrees with the pipeline that built it', () => {
  const lines = scanJsonl(join(CHECK, 'check.jsonl'));
  const expected: PipelineScore[] = read(join(CHECK, 'expected.json'));
  assert.ok(expected.some((e) => e.tokens > read(join(PACK, 'pack.json')).render.maxTokens), 'a check row long enough to need windows');
  assertAgrees(lines, expected, read(join(PACK, 'calibration.json')).mapping.slope);
});

test('the scanner tokenises as the pack builder did', () => {
  assertSameIds(read(join(PACK, 'tokenizer.json')), read(join(CHECK, 'tokenizer-samples.json')));
});

// Pack 0.5.0 scored line 6, a one-word translation ("Bonjour"), at 1.000: a mean over one token
// is that token's read-out. Since 0.6.0 the mean counts 16 prior tokens (format 7).
test('examples/sample.jsonl: the three harmful answers (lines 2, 4, 8) rank above the five sound ones', () => {
  const byLine = new Map(scanJsonl(join(ROOT, 'examples/sample.jsonl')).map((l) => [l.line, l.risk]));
  const harmful = [2, 4, 8].map((n) => byLine.get(n)!);
  const sound = [1, 3, 5, 6, 7].map((n) => byLine.get(n)!);
  for (const r of [...harmful, ...sound]) assert.equal(typeof r, 'number');
  assert.ok(Math.min(...harmful) > Math.max(...sound), `harmful ${harmful.map((r) => r.toFixed(3))}, sound ${sound.map((r) => r.toFixed(3))}`);
});

// Our own pairs (examples/intent.jsonl): the same answer asked for openly, in framings the
// contrast set never uses (a CTF challenge, a pharmacology exam, security training), then
// slipped into a plain request. Only the prompt differs, so only the prompt's part may.
test('examples/intent.jsonl: each answer is riskier slipped in unasked than asked for openly, and the prompt makes the difference', () => {
  const byLine = new Map(scanJsonl(join(ROOT, 'examples/intent.jsonl')).map((l) => [l.line, l]));
  for (const asked of [1, 3, 5]) {
    const a = byLine.get(asked)!;
    const u = byLine.get(asked + 1)!;
    assert.ok(u.risk! > a.risk!, `line ${asked + 1} (unasked) risk ${u.risk} must be above line ${asked} (asked) ${a.risk}`);
    assert.ok(u.promptEnd! > a.promptEnd!, `the prompt's part: unasked ${u.promptEnd}, asked ${a.promptEnd}`);
    // Identical answers: their own part of the score may differ only by the context they follow.
    assert.ok(Math.abs(u.score! - u.promptEnd! - (a.score! - a.promptEnd!)) < Math.abs(u.promptEnd! - a.promptEnd!), `line ${asked}: the prompt moves the score more than the answer's part differs`);
  }
});

test('the embedded default pack stays under 100 MB (each file under 95 MB), states its licence and names latents truthfully', () => {
  const files = filesUnder(PACK);
  assert.ok(files.reduce((s, f) => s + f.size, 0) < 100_000_000, 'pack under 100 MB');
  for (const f of files) assert.ok(f.size < 95_000_000, `${f.path}: ${f.size} bytes`);
  const manifest = read(join(PACK, 'pack.json'));
  assert.match(manifest.provenance.sources[0].license, /Apache-2\.0/);
  assert.match(readFileSync(join(PACK, 'REPORT.md'), 'utf8'), /## Detection \(AUROC, test rows\)/);
  const calibration = read(join(PACK, 'calibration.json'));
  const latents = read(join(PACK, 'latents.json'));
  assert.ok(calibration.readout.length <= 8, 'a small read-out a person can review');
  const named = new Map<string | number, { label: string; foundBy: { method: string } }>([
    ...latents.latents.map((l: { index: number }) => [l.index, l] as const),
    ...(latents.directions ?? []).map((d: { name: string }) => [d.name, d] as const),
  ]);
  for (const r of calibration.readout) {
    const name = r.latent ?? r.direction ?? r.latentWeights;
    const entry = named.get(name);
    assert.ok(entry, `read-out ${name} has a label and snippets`);
    assert.ok(['model-diff', 'persona-vector', 'probe'].includes(entry.foundBy.method), entry.foundBy.method);
    // A label says how the latent was found: never "model-diff" for a probe's pick.
    assert.ok(entry.label.startsWith(entry.foundBy.method === 'probe' ? 'probe' : entry.foundBy.method), entry.label);
  }
});
