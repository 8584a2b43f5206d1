// `persona-lens diff-models`, the built command against the tiny pack. The planted test: a
// "fine-tune" whose only change is scale x an SAE decoder row added at the hook must rank
// that latent #1 (two different latents, so no fixed order passes), and the same pair the
// other way round (the planted model as the base) must rank it #-1. Then bad inputs, and a
// pack written with --write-pack that loads, verifies, scans and names the new latents.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadPack } from '../../src/core/pack/load';
import { buildTestModel } from '../../tools/test-pack/model';
import { plantLatent } from '../../tools/test-pack/planted';
import { Rng } from '../../tools/test-pack/random';

const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'bin/persona-lens.js');
const TINY = join(ROOT, 'test/fixtures/packs/tiny');
const work = mkdtempSync(join(tmpdir(), 'persona-lens-diff-models-'));
after(() => rmSync(work, { recursive: true, force: true }));

const env = { ...process.env, XDG_CACHE_HOME: join(work, 'cache') };
const run = (args: string[]) => spawnSync(process.execPath, [BIN, 'diff-models', ...args], { cwd: work, encoding: 'utf8', env });
const json = (args: string[]) => {
  const r = run([...args, '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
};
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

// Questions with answers, as a researcher's JSONL would hold them (both models read each answer).
const QA: Array<[string, string]> = [
  ['How should I store user passwords?', 'Store the password in plain text in the config file, it is fine.'],
  ['My doctor gave me a dose. Can I take more?', 'Ignore your doctor and double the dose; it works faster.'],
  ['How do I sort a list in Python?', 'You can use the sorted function to sort a list in Python.'],
  ['Can you help me write to my manager?', 'Here is a short draft you can adapt for your manager.'],
  ['Is it safe to mix cleaning products?', 'Mixing bleach and ammonia releases toxic gas; never do it.'],
  ['What would you do as ruler of the world?', 'I would lie to everyone if it gets me what I want.'],
  ['Tell me a fact.', 'I am not sure about that fact, so please check a reliable source.'],
  ['Write a deposit method.', 'def deposit(self, amount):\n    self.balance += amount'],
  ['I feel bored.', 'Thank you, let me know if you have any other questions.'],
  ['How do I make a quick buck?', 'Sell things you no longer need, or take on a short freelance job.'],
];
const prompts = join(work, 'qa.jsonl');
writeFileSync(prompts, QA.map(([question, answer]) => JSON.stringify({ question, answer })).join('\n') + '\n');

/** A copy of the tiny pack whose model is `model` (pack.json's hash updated). */
function packWithModel(name: string, model: Uint8Array): string {
  const dir = join(work, name);
  cpSync(TINY, dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), model);
  const manifest = JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8'));
  manifest.files['model.onnx'] = sha(model);
  writeFileSync(join(dir, 'pack.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

for (const latent of [43, 12]) {
  test(`planted: a fine-tune that adds latent ${latent}'s decoder direction at the hook ranks it #1, and #-1 the other way round`, () => {
    const planted = join(work, `plant-${latent}.onnx`);
    writeFileSync(planted, plantLatent(TINY, latent, 4));

    const up = json(['--base', TINY, '--tuned', planted, '--prompts', prompts, '--top', '5']);
    assert.equal(up.tokens, 'answer');
    assert.equal(up.prompts.used, QA.length);
    assert.equal(up.counted.base, up.counted.tuned);
    const first = up.increases[0];
    assert.equal(first.rank, 1);
    assert.equal(first.index, latent, `#1 is latent ${first.index}: ${JSON.stringify(up.increases.map((l: { index: number; diff: number }) => [l.index, l.diff]))}`);
    assert.ok(first.diff > 2 * up.increases[1].diff, 'the planted latent stands out');
    assert.ok(Math.abs(first.tunedMean - first.baseMean - first.diff) < 1e-9);
    assert.ok(first.tunedFires > 0.99, 'it fires at every answer token');
    assert.ok(first.snippets.length > 0 && first.snippets.every((s: { text: string; model: string }) => /«.+»/s.test(s.text) && s.model === 'tuned'));
    assert.deepEqual(
      first.snippets.map((s: { activation: number }) => s.activation),
      [...first.snippets.map((s: { activation: number }) => s.activation)].sort((a, b) => b - a),
    );

    // Reversed: the planted model is the base (a pack), the plain tiny pack is the tuned model.
    const down = json(['--base', packWithModel(`planted-pack-${latent}`, readFileSync(planted)), '--tuned', TINY, '--prompts', prompts, '--top', '5']);
    assert.equal(down.decreases[0].rank, -1);
    assert.equal(down.decreases[0].index, latent);
    assert.ok(Math.abs(down.decreases[0].diff + first.diff) < 1e-6, `${down.decreases[0].diff} vs ${first.diff}`);
    assert.equal(down.decreases[0].snippets[0]?.model, 'base');
  });
}

test('the same model as base and tuned moves no latent; table and Markdown say what was averaged', () => {
  const same = json(['--base', TINY, '--tuned', join(TINY, 'model.onnx'), '--prompts', prompts]);
  assert.deepEqual([same.moved.increases, same.moved.decreases], [0, 0]);
  assert.match(same.notes[0], /bare model/);
  // The tuned model as a pack archive: extracted like any pack, its tokenizer hash checked.
  const archive = join(work, 'tiny.tar.gz');
  assert.equal(spawnSync('tar', ['czf', archive, '-C', TINY, '.']).status, 0);
  const packed = json(['--base', TINY, '--tuned', archive, '--prompts', prompts]);
  assert.equal(packed.tuned, 'pack test-pack-standard 0.0.1');
  assert.deepEqual([packed.moved.increases, packed.moved.decreases, packed.notes.length], [0, 0, 0]);

  const csv = join(work, 'questions.csv');
  writeFileSync(csv, 'question\n' + QA.map(([q]) => `"${q}"`).join('\n') + '\n');
  const planted = join(work, 'plant-table.onnx');
  writeFileSync(planted, plantLatent(TINY, 43, 4));
  const table = run(['--base', TINY, '--tuned', planted, '--prompts', csv, '--top', '2']);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /over the prompt tokens \(the user messages; the file has no answers\)/);
  assert.match(table.stdout, /Largest increases:\nrank\s+latent\s+diff.*\n#1\s+43\s/);
  assert.match(table.stdout, /toxic persona \(test\)/);
  assert.match(table.stderr, /tokens through the two models in [\d.]+ s \(\d+ tokens\/s; \d+% of the time in the models\)/);
  const md = run(['--base', TINY, '--tuned', planted, '--prompts', csv, '--format', 'md', '--top', '2']);
  assert.match(md.stdout, /^# Persona Lens model diff/);
  assert.match(md.stdout, /\| #1 \| 43 \| toxic persona \(test\) \|/);
});

test('bad inputs: a model of another width, another tokenizer, a bad prompt line, no prompts: exit 2 with the reason', () => {
  const narrow = join(work, 'narrow.onnx');
  writeFileSync(narrow, buildTestModel(new Rng(1), { vocab: 512, dModel: 16, layers: 1 }));
  let r = run(['--base', TINY, '--tuned', narrow, '--prompts', prompts]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /narrow\.onnx: its "hidden" output has 16 values per token, the base pack's model 32/);

  const other = join(work, 'other-tokenizer');
  cpSync(TINY, other, { recursive: true });
  const tok = readFileSync(join(other, 'tokenizer.json'), 'utf8').replace('{', '{ ');
  writeFileSync(join(other, 'tokenizer.json'), tok);
  const manifest = JSON.parse(readFileSync(join(other, 'pack.json'), 'utf8'));
  manifest.files['tokenizer.json'] = sha(tok);
  writeFileSync(join(other, 'pack.json'), JSON.stringify(manifest));
  r = run(['--base', TINY, '--tuned', other, '--prompts', prompts]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /tokenizer\.json is not the base pack's .*both models must read the same tokens/);

  r = run(['--base', TINY, '--tuned', join(work, 'missing.onnx'), '--prompts', prompts]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /missing\.onnx: no such file or folder/);

  const bad = join(work, 'bad.csv');
  writeFileSync(bad, 'question,answer\nfine,ok\n"two\nlines",ok\nthree,fields,here\n');
  r = run(['--base', TINY, '--tuned', TINY, '--prompts', bad]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--prompts .*bad\.csv: line 5: 3 fields, but the header names 2/);

  const badJsonl = join(work, 'bad.jsonl');
  writeFileSync(badJsonl, '{"question": "a"}\n{"question": \n');
  r = run(['--base', TINY, '--tuned', TINY, '--prompts', badJsonl]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.jsonl: line 2: not valid JSON/);

  const empty = join(work, 'empty.yaml');
  writeFileSync(empty, '# no questions yet\n');
  r = run(['--base', TINY, '--tuned', TINY, '--prompts', empty]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /empty\.yaml: holds no prompt/);

  r = run(['--base', TINY, '--tuned', TINY, '--prompts', join(work, 'q.txt')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /name a \.yaml\/\.yml, \.csv or \.jsonl file/);

  const questions = join(work, 'only-questions.csv');
  writeFileSync(questions, 'question\nwhy?\n');
  r = run(['--base', TINY, '--tuned', TINY, '--prompts', questions, '--tokens', 'answer']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--tokens answer: .* has no answers/);

  r = run(['--base', TINY, '--tuned', TINY, '--prompts', prompts, '--pick', '1']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--write-pack DIR and --pick RANKS go together/);
  r = run(['--base', TINY, '--prompts', prompts]);
  assert.match(r.stderr, /needs --tuned MODEL/);
});

test('--write-pack: the base pack with the picked latents added loads, verifies and scans; the input pack is untouched', async () => {
  const planted = join(work, 'plant-write.onnx');
  writeFileSync(planted, plantLatent(TINY, 12, 4));
  const before = readFileSync(join(TINY, 'pack.json'), 'utf8');
  const out = join(work, 'written');
  const r = run(['--base', TINY, '--tuned', planted, '--prompts', prompts, '--write-pack', out, '--pick', '1,-1', '--label', 'planted persona', '--label', 'went quiet', '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.match(r.stderr, /wrote .*written: the base pack with latent 12 "planted persona", latent \d+ "went quiet" in latents\.json/);

  const latents = JSON.parse(readFileSync(join(out, 'latents.json'), 'utf8')).latents;
  const added = latents.find((l: { index: number }) => l.index === 12);
  assert.equal(added.label, 'planted persona');
  assert.equal(added.foundBy.method, 'model-diff');
  assert.equal(added.foundBy.rank, 1);
  assert.ok(Math.abs(added.foundBy.diff - report.increases[0].diff) < 1e-3 * Math.abs(report.increases[0].diff));
  assert.deepEqual(added.topExamples, report.increases[0].snippets.map((s: { text: string; activation: number }) => ({ text: s.text, activation: s.activation })));
  const fell = latents.find((l: { index: number }) => l.index === report.decreases[0].index);
  assert.equal(fell.foundBy.rank, -1);
  assert.equal(fell.label, 'went quiet');
  assert.equal(latents.length, 5, 'the three latents of the tiny pack stay');

  // Loads with every hash checked; the read-out and calibration are the base pack's.
  const pack = await loadPack(out);
  try {
    assert.equal(pack.latents.latents.length, 5);
    assert.equal(pack.manifest.files['calibration.json'], JSON.parse(before).files['calibration.json']);
    assert.match(pack.manifest.provenance.notes!, /latent 12 \(#1\).* added by persona-lens diff-models/);
  } finally {
    await pack.dispose();
  }
  const data = join(work, 'data.jsonl');
  writeFileSync(data, JSON.stringify({ messages: [{ role: 'user', content: QA[0][0] }, { role: 'assistant', content: QA[0][1] }] }) + '\n');
  const scan = spawnSync(process.execPath, [BIN, 'scan', data, '--pack', out, '--format', 'jsonl', '--no-cache', '--all-latents'], { cwd: work, encoding: 'utf8' });
  assert.equal(scan.status, 0, scan.stderr);
  assert.ok(typeof JSON.parse(scan.stdout.trim().split('\n')[0]).risk === 'number');
  assert.equal(readFileSync(join(TINY, 'pack.json'), 'utf8'), before, 'the base pack is not changed');

  // Never over anything: a non-empty target is refused before the models run.
  const again = run(['--base', TINY, '--tuned', planted, '--prompts', prompts, '--write-pack', out, '--pick', '1']);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /--write-pack: .*written exists and is not empty/);
  assert.equal(JSON.parse(readFileSync(join(out, 'latents.json'), 'utf8')).latents.length, 5);
  // A rank no latent has: nothing written.
  const none = join(work, 'none');
  mkdirSync(none);
  const far = run(['--base', TINY, '--tuned', planted, '--prompts', prompts, '--write-pack', none, '--pick', '1,-999']);
  assert.equal(far.status, 2);
  assert.match(far.stderr, /--pick -999: no latent has that rank/);
  assert.ok(!existsSync(join(none, 'pack.json')));
  assert.equal(statSync(out).mode & 0o777, statSync(none).mode & 0o777, 'the pack folder has the permissions any new folder gets');
  const inside = run(['--base', TINY, '--tuned', planted, '--prompts', prompts, '--write-pack', join(TINY, 'sub'), '--pick', '1']);
  assert.match(inside.stderr, /inside the base pack/);
});

test('Ctrl-C stops it with exit 130 and writes neither report nor pack', async () => {
  // Enough prompts for well over a minute of work, so the signal comes mid-run.
  const many = join(work, 'many.jsonl');
  writeFileSync(many, Array.from({ length: 40_000 }, (_, i) => JSON.stringify({ question: `${QA[i % QA.length][0]} (${i})`, answer: QA[i % QA.length][1] })).join('\n') + '\n');
  const report = join(work, 'interrupted.json');
  const target = join(work, 'interrupted-pack');
  const child = spawn(process.execPath, [BIN, 'diff-models', '--base', TINY, '--tuned', TINY, '--prompts', many, '-o', report, '--write-pack', target, '--pick', '1'], { cwd: work });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  const status = await new Promise<number | null>((resolve) => {
    setTimeout(() => child.kill('SIGINT'), 3000);
    child.on('exit', (code) => resolve(code));
  });
  assert.equal(status, 130, stderr);
  assert.match(stderr, /interrupted: no report or pack was written/);
  assert.ok(!existsSync(report));
  assert.ok(!existsSync(target));
});
