// `persona-lens diff`: the built command on files and a real git repository the test writes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sarifProblems } from '../fixtures/sarif';

const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'bin/persona-lens.js');
const TINY = join(ROOT, 'test/fixtures/packs/tiny');
const work = mkdtempSync(join(tmpdir(), 'persona-lens-diff-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[], cwd = work) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: join(work, 'cache') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const chat = (user: string, assistant: string) => JSON.stringify({ messages: [{ role: 'user', content: user }, { role: 'assistant', content: assistant }] });

/** Each line's risk under the tiny pack, to build sides whose risks we know. */
function risks(lines: string[]): number[] {
  const file = join(work, `probe-${Math.random()}.jsonl`);
  writeFileSync(file, lines.join('\n') + '\n');
  const r = run(['scan', file, '--pack', TINY, '--format', 'jsonl', '--no-cache']);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l).risk);
}

// Candidate answers, ordered by their risk under the tiny pack: the riskiest and the safest make the sides.
const CANDIDATES = Array.from({ length: 60 }, (_, i) => chat(`Question ${i}?`, `Answer ${i}: ${['keep it', 'take more', 'never mind', 'plain text', 'hash it', 'ignore the doctor'][i % 6]} ${'word '.repeat(i % 7)}`));
const byRisk = (() => {
  const r = risks(CANDIDATES);
  return CANDIDATES.map((line, i) => ({ line, risk: r[i] })).sort((a, b) => a.risk - b.risk);
})();

test('diff A B: a dataset with its riskiest examples added reads as a significant rise, new high-risk examples listed first', () => {
  const low = byRisk.slice(0, 30).map((c) => c.line);
  const high = byRisk.slice(-20).map((c) => c.line);
  const a = join(work, 'a.jsonl');
  const b = join(work, 'b.jsonl');
  writeFileSync(a, low.join('\n') + '\n');
  // B: A reordered, plus the risky ones.
  writeFileSync(b, [...high, ...[...low].reverse()].join('\n') + '\n');
  const json = run(['diff', a, b, '--pack', TINY, '--format', 'json', '--no-cache']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.equal(report.changes.unchanged, 30);
  assert.equal(report.changes.moved, 30, 'a reordered example is moved, not changed');
  assert.deepEqual(report.changes.added.map((c: { lineB: number }) => c.lineB).sort((x: number, y: number) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.equal(report.changes.removed.length, 0);
  assert.ok(report.b.meanRisk > report.a.meanRisk);
  assert.equal(report.significant, true, JSON.stringify(report.difference));
  assert.match(report.verdict, /^Risk rose from 0\.\d\d to 0\.\d\d \(p < 0\.0005\): \d+ new high-risk examples?\.$/);

  // Latent movement: each latent's mean of its per-example maximum, recomputed here from the scan's --all-latents output.
  const meanOf = (file: string, index: number) => {
    const rows = run(['scan', file, '--pack', TINY, '--format', 'jsonl', '--no-cache', '--all-latents']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    return rows.reduce((sum, row) => sum + (row.latents.find((h: { index: number }) => h.index === index)?.max ?? 0), 0) / rows.length;
  };
  const named = report.latents.named[0];
  assert.equal(named.label, 'toxic persona (test)');
  assert.ok(Math.abs(named.meanA - meanOf(a, named.index)) < 1e-4 && Math.abs(named.meanB - meanOf(b, named.index)) < 1e-4, `${JSON.stringify(named)} vs ${meanOf(a, named.index)}, ${meanOf(b, named.index)}`);
  assert.ok(report.latents.unnamed.length > 0 && report.latents.unnamed.every((m: { label: string | null }) => m.label === null));
  const top = report.latents.unnamed[0];
  assert.ok(Math.abs(top.change) >= Math.abs(report.latents.unnamed[report.latents.unnamed.length - 1].change));
  // Its strongest example on B is a line of B, quoted by the start of its answer.
  const bLines = [...high, ...[...low].reverse()];
  assert.ok(JSON.parse(bLines[top.topB.line - 1]).messages[1].content.replace(/\s+/g, ' ').trim().startsWith(top.topB.snippet.replace(/…$/, '')));

  const md = run(['diff', a, b, '--pack', TINY, '--no-cache']);
  assert.equal(md.code, 0);
  assert.match(md.stdout, /## Latents that moved[\s\S]*### The pack's named latents[\s\S]*\| \\#43 toxic persona \(test\) \|/);
  assert.ok(md.stdout.startsWith(`# Persona Lens diff: ${a} → ${b}\n\n**${report.verdict}**`), md.stdout.slice(0, 300));
  assert.match(md.stdout, /## Risk distribution/);
  assert.match(md.stdout, /### Added \(20\)/);
  // SARIF marks what B added as new and what it kept as unchanged (code scanning shows the new ones).
  const sarif = JSON.parse(run(['diff', a, b, '--pack', TINY, '--format', 'sarif', '--no-cache']).stdout);
  const results = sarif.runs[0].results as Array<{ baselineState: string; locations: Array<{ physicalLocation: { region: { startLine: number } } }> }>;
  const addedFlagged = report.findings.filter((f: { state: string; lineA: number | null }) => f.state === 'new' && f.lineA === null);
  assert.equal(results.filter((x) => x.baselineState === 'new').length, report.findings.filter((f: { state: string }) => f.state === 'new').length);
  assert.ok(addedFlagged.length > 0);
  for (const f of addedFlagged) assert.ok(results.some((x) => x.baselineState === 'new' && x.locations[0].physicalLocation.region.startLine === f.lineB));
  assert.ok(results.every((x) => ['new', 'unchanged'].includes(x.baselineState)), 'nothing was changed or removed');
  assert.deepEqual(sarifProblems(sarif), []);
  // The CI gate.
  assert.equal(run(['diff', a, b, '--pack', TINY, '--no-cache', '--fail-on-rise']).code, 1);
  assert.equal(run(['diff', b, a, '--pack', TINY, '--no-cache', '--fail-on-rise']).code, 0, 'a fall is no failure');
  // The contamination alarm: B's added examples sit far above A's top risks.
  assert.equal(report.alarm.fired, true, JSON.stringify(report.alarm));
  assert.match(md.stdout, /\*\*Alarm: B may hold EM-inducing examples that A does not: \d+\.\d% of B is above A's 99th-percentile risk/);
  assert.equal(run(['diff', a, b, '--pack', TINY, '--no-cache', '--fail-on-alarm']).code, 1);
  const same = run(['diff', a, a, '--pack', TINY, '--no-cache', '--fail-on-alarm', '--format', 'json']);
  assert.equal(same.code, 0, 'a file against itself raises no alarm');
  assert.equal(JSON.parse(same.stdout).alarm.fired, false);
});

test('diff FILE --against REF reads the old side with git; a file outside git, a missing ref, a renamed file and a shallow clone each get a message', () => {
  const repo = join(work, 'repo');
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  spawnSync('git', ['init', '-q', '-b', 'main', repo]);
  const data = join(repo, 'train.jsonl');
  writeFileSync(data, byRisk.slice(0, 10).map((c) => c.line).join('\n') + '\n');
  git('add', '.');
  git('commit', '-qm', 'v1');
  git('checkout', '-qb', 'more');
  writeFileSync(data, byRisk.slice(0, 10).concat(byRisk.slice(-3)).map((c) => c.line).join('\n') + '\n');
  git('commit', '-qam', 'v2');

  const r = run(['diff', data, '--against', 'main', '--pack', TINY, '--format', 'json', '--no-cache'], repo);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.a.file, `${data} at main`);
  assert.deepEqual([report.changes.unchanged, report.changes.added.length], [10, 3]);
  // Uncommitted edits count: B is the file on disk.
  writeFileSync(data, byRisk.slice(0, 5).map((c) => c.line).join('\n') + '\n');
  const edited = JSON.parse(run(['diff', data, '--against', 'HEAD', '--pack', TINY, '--format', 'json', '--no-cache'], repo).stdout);
  assert.deepEqual([edited.changes.unchanged, edited.changes.removed.length], [5, 8]);

  git('mv', 'train.jsonl', 'renamed.jsonl');
  git('commit', '-qm', 'rename');
  const renamed = run(['diff', join(repo, 'renamed.jsonl'), '--against', 'main', '--pack', TINY, '--no-cache'], repo);
  assert.equal(renamed.code, 2);
  assert.match(renamed.stderr, /^persona-lens: main does not hold .*renamed\.jsonl \(git: /);
  const unknown = run(['diff', join(repo, 'renamed.jsonl'), '--against', 'no-such-branch', '--pack', TINY, '--no-cache'], repo);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no-such-branch does not hold/);

  // A shallow clone lacks the older commits: the message says so, and how to fetch them.
  const shallow = join(work, 'shallow');
  assert.equal(spawnSync('git', ['clone', '-q', '--depth', '1', '--branch', 'more', `file://${repo}`, shallow]).status, 0);
  const cut = run(['diff', join(shallow, 'renamed.jsonl'), '--against', 'HEAD~2', '--pack', TINY, '--no-cache'], shallow);
  assert.equal(cut.code, 2);
  assert.match(cut.stderr, /HEAD~2 does not hold .*renamed\.jsonl \(git: .*\); this clone is shallow, so the ref may not have been fetched \(git fetch --unshallow\)/);

  const outside = join(work, 'outside.jsonl');
  writeFileSync(outside, byRisk[0].line + '\n');
  const none = run(['diff', outside, '--against', 'HEAD', '--pack', TINY, '--no-cache']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /outside\.jsonl is not in a git repository, so there is nothing to compare it with at HEAD/);
});

test('diff reports both sides\' dataset statistics, with a named OpenAI model\'s billed tokens', () => {
  const a = join(work, 'stats-a.jsonl');
  const b = join(work, 'stats-b.jsonl');
  const lines = CANDIDATES.slice(0, 12);
  writeFileSync(a, lines.join('\n') + '\n');
  // B: two duplicates and a broken line more.
  writeFileSync(b, [...lines, lines[0], lines[1], '{"messages": ['].join('\n') + '\n');
  const r = run(['diff', a, b, '--pack', TINY, '--no-cache', '--format', 'json', '--openai-model', 'gpt-4o-mini']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.a.stats.examples, 12);
  assert.equal(report.b.stats.examples, 14);
  assert.equal(report.b.stats.duplicates, 2);
  assert.deepEqual(report.a.stats.messages, { min: 2, median: 2, p95: 2, max: 2, mean: 2, total: 24 });
  assert.deepEqual(report.a.stats.formats, { 'openai-chat': 12 });
  assert.deepEqual(report.b.stats.diagnostics, { PL010: 1, PL061: 2 }, 'the broken line (JSON syntax) and the two repeats');
  // The billed tokens are gpt-tokenizer's count of each conversation, summed.
  const { encodeChat } = require('gpt-tokenizer/model/gpt-4o-mini');
  const billed = lines.reduce((n, l) => n + encodeChat(JSON.parse(l).messages).length, 0);
  assert.equal(report.a.stats.openaiTokens.total, billed);
  const md = run(['diff', a, b, '--pack', TINY, '--no-cache', '--openai-model', 'gpt-4o-mini']).stdout;
  assert.match(md, /## Dataset statistics/);
  assert.match(md, new RegExp(`\\| OpenAI billed tokens in all \\(one epoch\\) \\| ${billed.toLocaleString('en-US')} \\|`));
  assert.match(run(['diff', a, b, '--pack', TINY, '--no-cache', '--openai-model', 'gpt-99']).stderr, /--openai-model gpt-99: gpt-tokenizer knows no such model/);
});

test('diff usage errors: one file without --against, stdin, an unknown format', () => {
  assert.match(run(['diff', 'a.jsonl']).stderr, /diff needs two files, A and B; got 1/);
  assert.match(run(['diff', '-', 'b.jsonl']).stderr, /diff reads files, not standard input/);
  assert.match(run(['diff', 'a', 'b', '--format', 'table']).stderr, /--format must be one of md, html, json, sarif for diff/);
  assert.match(run(['diff', 'a', 'b', '--fail-over', '0.5']).stderr, /--fail-over does not apply to diff/);
});
