// `persona-lens export`: the built command on files the test writes, with a reviewers'
// sidecar; the CSV is read back by Python's csv module, an independent reader.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { lineKey } from '../../src/core/review/reviewFile';

const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'bin/persona-lens.js');
const TINY = join(ROOT, 'test/fixtures/packs/tiny');
const work = mkdtempSync(join(tmpdir(), 'persona-lens-export-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--pack', TINY, '--no-cache'], { cwd: work, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const chat = (user: string, assistant: string) => JSON.stringify({ messages: [{ role: 'user', content: user }, { role: 'assistant', content: assistant }] });
// Unicode, escapes and odd spacing, to see that lines are copied byte for byte.
const EXAMPLES = Array.from({ length: 24 }, (_, i) =>
  i % 5 === 0
    ? `{"messages": [ {"role":"user","content":"Q${i} caf\\u00e9 ✓"}, {"role":"assistant","content":"A${i}: ${['keep it', 'take more', 'plain text', 'hash it'][i % 4]}"} ] }`
    : chat(`Question ${i}?`, `Answer ${i}: ${['keep it', 'take more', 'never mind', 'plain text', 'hash it', 'ignore the doctor'][i % 6]} ${'word '.repeat(i % 7)}`),
);

/** A dataset folder with FILE (CRLF line breaks, one broken line) and each line's scan result. */
function dataset(name: string, extra: string[] = []) {
  const dir = join(work, name);
  mkdirSync(dir);
  const lines = [...EXAMPLES.slice(0, 10), '{"messages": [', ...EXAMPLES.slice(10), ...extra];
  const file = join(dir, 'data.jsonl');
  writeFileSync(file, lines.join('\r\n') + '\r\n');
  const scan = spawnSync(process.execPath, [BIN, 'scan', file, '--pack', TINY, '--no-cache', '--format', 'jsonl'], { encoding: 'utf8' });
  const results = scan.stdout.trim().split('\n').map((l) => JSON.parse(l));
  return { dir, file, lines, results };
}

const outputLines = (file: string) => readFileSync(file, 'utf8').split('\r\n').slice(0, -1);

test('--clean and --flagged copy lines verbatim, follow reviewers\' decisions, and never overwrite', () => {
  const { dir, file, lines, results } = dataset('subsets');
  const flagged = results.filter((r) => r.level && r.level !== 'low').map((r) => r.line);
  const low = results.filter((r) => r.level === 'low').map((r) => r.line);
  assert.ok(flagged.length >= 2 && low.length >= 2, `the tiny pack flags some lines: ${flagged}`);
  // A reviewer suppressed one flagged example (clean after all) and rejected one low-risk one.
  const [suppressed, rejected] = [flagged[0], low[0]];
  const decision = (line: number, d: string) => [lineKey(lines[line - 1]), { decision: d, line }];
  writeFileSync(`${file}.persona-lens.json`, JSON.stringify({ version: 1, decisions: Object.fromEntries([decision(suppressed, 'suppressed'), decision(rejected, 'rejected')]) }));

  const clean = run(['export', file, '--clean']);
  assert.equal(clean.code, 0, clean.stderr);
  const wantClean = [...low.filter((l) => l !== rejected), suppressed].sort((a, b) => a - b);
  assert.deepEqual(outputLines(join(dir, 'data.clean.jsonl')), wantClean.map((l) => lines[l - 1]));
  assert.match(clean.stderr, new RegExp(`wrote ${wantClean.length} of ${lines.length - 1} examples \\(not flagged, not rejected by a reviewer; 1 lines that are not valid examples left out\\) to .*data\\.clean\\.jsonl`));

  const flaggedOut = run(['export', file, '--flagged']);
  assert.equal(flaggedOut.code, 0, flaggedOut.stderr);
  assert.deepEqual(outputLines(join(dir, 'data.flagged.jsonl')), flagged.slice(1).map((l) => lines[l - 1]));

  // Again: a new name, the first file untouched.
  const before = readFileSync(join(dir, 'data.clean.jsonl'));
  assert.equal(run(['export', file, '--clean']).code, 0);
  assert.deepEqual(readFileSync(join(dir, 'data.clean.jsonl')), before);
  assert.ok(existsSync(join(dir, 'data.clean-2.jsonl')));
  // An --output that exists is refused, and left as it was.
  const taken = join(dir, 'taken.jsonl');
  writeFileSync(taken, 'mine\n');
  const refused = run(['export', file, '--flagged', '--output', taken]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /taken\.jsonl exists; export never overwrites a file/);
  assert.equal(readFileSync(taken, 'utf8'), 'mine\n');
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.partial')), [], 'no temporary file left behind');
});

test('a damaged sidecar stops the export: a rejected example must not slip into a clean set', () => {
  const { dir, file } = dataset('damaged');
  writeFileSync(`${file}.persona-lens.json`, '{"version": 1, "decisions": {"nope": {}}}');
  const r = run(['export', file, '--clean']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /data\.jsonl\.persona-lens\.json: the reviewers' decisions cannot be read \(decision "nope": the key is not a sha256\); an export could include rejected examples, so none was written/);
  assert.deepEqual(readdirSync(dir).sort(), ['data.jsonl', 'data.jsonl.persona-lens.json']);
});

test('--with-risk adds the risk to every example as JSONL keys (the rest of each line unchanged) or as CSV columns', () => {
  const { dir, file, lines, results } = dataset('risk');
  assert.equal(run(['export', file, '--with-risk']).code, 0);
  const out = outputLines(join(dir, 'data.with-risk.jsonl'));
  assert.equal(out.length, lines.length, 'line N stays line N');
  out.forEach((text, i) => {
    const r = results[i];
    if (!r.format) {
      assert.equal(text, lines[i], 'a line that is no example is copied as it is');
      return;
    }
    const trimmed = lines[i].trimEnd();
    assert.ok(text.startsWith(trimmed.slice(0, -1)), 'the original bytes come first');
    const { persona_lens_risk, persona_lens_level, persona_lens_score, ...rest } = JSON.parse(text);
    assert.deepEqual(rest, JSON.parse(lines[i]));
    assert.deepEqual([persona_lens_risk, persona_lens_level, persona_lens_score], [r.risk, r.level, r.score]);
  });

  assert.equal(run(['export', file, '--with-risk', '--format', 'csv']).code, 0);
  const py = spawnSync('python3', ['-c', 'import csv, json, sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))))', join(dir, 'data.with-risk.csv')], {
    encoding: 'utf8',
  });
  assert.equal(py.status, 0, py.stderr);
  const rows = JSON.parse(py.stdout);
  assert.equal(rows.length, lines.length);
  rows.forEach((row: Record<string, string>, i: number) => {
    assert.equal(row.line, String(i + 1));
    assert.equal(row.example, lines[i], 'the line survives CSV quoting exactly');
    assert.equal(row.risk === '' ? null : Number(row.risk), results[i].risk ?? null);
    assert.equal(row.level, results[i].level ?? '');
  });
  assert.match(rows[10].diagnostics, /^PL\d{3}/, 'the broken line names its diagnostic');
});

test('--realign N takes the N lowest-risk clean examples of the file\'s own format and says why', () => {
  // Prompt/completion lines are in the minority: whatever their risk, they are off-format.
  const offFormat = ['Hi', 'Hello', 'Hey'].map((p) => JSON.stringify({ prompt: `${p}?`, completion: ' Bonjour.' }));
  const { dir, file, lines, results } = dataset('realign', offFormat);
  assert.deepEqual(results.slice(-3).map((x) => x.format), ['prompt-completion', 'prompt-completion', 'prompt-completion']);
  const r = run(['export', file, '--realign', '5']);
  assert.equal(r.code, 0, r.stderr);
  const scored = results.filter((x) => x.risk !== null && x.risk !== undefined && x.level === 'low' && x.format === 'openai-chat');
  const want = [...scored].sort((a, b) => a.risk - b.risk || a.line - b.line).slice(0, 5).map((x) => x.line).sort((a, b) => a - b);
  assert.deepEqual(outputLines(join(dir, 'data.realign.jsonl')), want.map((l) => lines[l - 1]));
  assert.match(r.stderr, /wrote a re-alignment set of 5 examples/);
  assert.match(r.stderr, /Why: Wang et al\. report that fine-tuning a misaligned model on a few hundred benign examples restores its alignment/);
  assert.match(r.stderr, /Which: the 5 lowest-risk of \d+ openai-chat examples that are valid, without warnings, not flagged and not rejected\./);
  assert.match(r.stderr, /Risk range: 0\.\d{3} to 0\.\d{3}; the file's median risk is 0\.\d{3}\./);
  const many = run(['export', file, '--realign', '1000']);
  assert.match(many.stderr, /fewer than the 1000 asked for: no more qualified/);
});

test('a .jsonl.gz dataset exports to plain JSONL beside it; bad option combinations are refused', () => {
  const dir = join(work, 'gz');
  mkdirSync(dir);
  const file = join(dir, 'data.jsonl.gz');
  writeFileSync(file, gzipSync(EXAMPLES.join('\n') + '\n'));
  const r = run(['export', file, '--with-risk']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'data.with-risk.jsonl'), 'utf8').split('\n').length, EXAMPLES.length + 1);
  assert.match(run(['export', file]).stderr, /export needs exactly one of --clean, --flagged, --with-risk, --realign N; got none/);
  assert.match(run(['export', file, '--clean', '--flagged']).stderr, /got --clean, --flagged/);
  assert.match(run(['export', file, '--clean', '--format', 'csv']).stderr, /--format csv goes with --with-risk/);
  assert.match(run(['export', file, '--realign', '0']).stderr, /--realign must be an integer from 1/);
});
