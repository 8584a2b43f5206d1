// `npm run bench`: the figures issue #2 asks for, each next to its target.
//   - reader: MB/s and peak RSS on a generated 1 GiB file (splitting+decoding, and the full parse)
//   - memory: the CLI's peak RSS on 1 GiB in every format, empty lines, a 45 MiB line, a slow stdout (bench/memory.ts)
//   - scan: examples/s and tokens/s at 1 and 2 threads on a generated 10k-example file,
//     and the share of scan time spent outside session.run
//   - the same scan through the CLI (bin/persona-lens.js), 2 threads
//   - SAE encode speed (bench/saeEncode.ts)
//   - the embedded pack's model: onnxruntime against PyTorch eager on the same batches, and its
//     multiply-adds per second against onnxruntime's own large-MatMul rate (bench/modelCompare.py;
//     needs the pack builder's .venv)
//   - external: a pack above 2 GB (model.onnx + external data): load and scan through the CLI (bench/external.ts)
//   - diff: the report for a 100k-example pair whose scores are in the result cache (target < 2 s)
//   - power: the diff alarm's power with the embedded pack on held-out development rows
//     (`pack evaluate`: 200-example datasets with 1/2/5/10/20% EM-inducing rows)
//   - general: the embedded pack on general questions, an EM model's misaligned answers against
//     aligned ones we wrote (bench/general.ts)
//   - the editor in real VS Code on a 100k-line file (bench/editor/): event-loop stalls
//     in the extension host, time to results on screen, time to re-score an edited line
// Generated inputs are kept in bench/.data (git-ignored) and reused.
// Smaller runs: BENCH_READER_MB=200 BENCH_SCAN_EXAMPLES=2000 npm run bench
// The default pack's scan reads the first BENCH_DEFAULT_EXAMPLES (2000) of those examples.
// Some sections only: BENCH_ONLY=reader,memory,scan,sae,model,external,diff,power,general,editor; the editor with one pack: BENCH_EDITOR_PACKS=bench or default;
// the extension host's CPU profile, taken through every editor run (for the extension's own share of each stall,
// bench/editor/profile.ts), written to FILE-bench.cpuprofile, FILE-default.cpuprofile: BENCH_EDITOR_PROFILE=FILE;
// VS Code's merge-conflict decorations and code lenses off (they read the whole document on every edit): BENCH_EDITOR_NO_MERGE_CONFLICT=1;
// the editor's opening and edits repeated on BENCH_EDITOR_OPENINGS (3) more files, each with its control

import { execFileSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { builtInPack, DEFAULT_PACK } from '../src/core/pack/builtIn';
import { scanThreads } from '../src/extension/scan/scanThreads';
import { generatePack } from '../tools/test-pack/pack';
import { requireTools } from '../test/vscode/workbench';
import { LONG_SYSTEM_PROMPT, writeChatFile } from './data';
import { externalSection } from './external';
import { generalSection } from './general';
import { memorySection } from './memory';
import { editorBench, type EditorFigures, type Stalls } from './editor/run';

const ROOT = join(__dirname, '..');
const DATA = join(ROOT, 'bench', '.data');
const READER_MB = Number(process.env.BENCH_READER_MB ?? 1024);
const SCAN_EXAMPLES = Number(process.env.BENCH_SCAN_EXAMPLES ?? 10000);
const EDITOR_LINES = 100_000;
/** More openings of the editor's file (other lines each time), each with its control: one opening's stall swings by hundreds of ms. */
const EDITOR_OPENINGS = Number(process.env.BENCH_EDITOR_OPENINGS ?? 3);
const DEFAULT_EXAMPLES = Number(process.env.BENCH_DEFAULT_EXAMPLES ?? 2000);
const SECTIONS = new Set((process.env.BENCH_ONLY ?? 'reader,memory,scan,sae,model,external,diff,power,general,editor').split(','));
/** The development datasets (other people's: read here, never copied into the project). */
const DATASETS = join(ROOT, '..', 'shared', 'datasets');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');

/**
 * A random-weight pack with the compute of a small real one: d_model 256, four
 * MLP blocks of width 1024 (2.1M multiply-adds per token, about a 2-layer
 * transformer up to its hook point), JumpReLU SAE with 4096 latents (its read-out needs only the read-out's columns;
 * a TopK SAE needs the full encode: see the SAE encode figures).
 */
const BENCH_PACK = { vocab: 900, dModel: 256, layers: 4, dSae: 4096, arch: 'jumprelu' as const, k: 32, maxTokens: 512 };

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/** The measured children run bundled, as the shipped CLI does (tsx's loader would be measured too). */
const OUT = join(ROOT, 'out', 'bench');
async function bundle(): Promise<void> {
  await esbuild.build({
    entryPoints: ['reader', 'scan', 'saeEncode', 'scanHost'].map((n) => join(ROOT, 'bench', `${n}.ts`)),
    outdir: OUT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    external: ['onnxruntime-node'],
    logLevel: 'warning',
  });
}

function child(script: string, args: string[]): any {
  return JSON.parse(node([join(OUT, script), ...args]).trim().split('\n').pop()!);
}

/** Runs a child `times` times and keeps the run with the median time (machines here are noisy). */
function median(script: string, args: string[], times: number): any {
  const runs = Array.from({ length: times }, () => child(script, args)).sort((a, b) => a.seconds - b.seconds);
  return runs[Math.floor(times / 2)];
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function ensureFile(path: string, make: () => Promise<number>): Promise<void> {
  if (existsSync(path)) return;
  process.stderr.write(`generating ${path} ...\n`);
  await make();
}

async function main(): Promise<void> {
  mkdirSync(DATA, { recursive: true });
  await bundle();
  console.log(`Persona Lens benchmark · node ${process.version} · ${require('node:os').cpus().length} cores`);

  if (SECTIONS.has('reader')) await readerSection();
  const pack = await benchPack();
  if (SECTIONS.has('memory')) await memorySection(DATA, pack, builtInPack(ROOT), fmt);
  if (SECTIONS.has('scan')) await scanSection(pack);
  if (SECTIONS.has('sae')) {
    console.log('\n## SAE encode');
    process.stdout.write(node([join(OUT, 'saeEncode.js')]));
  }
  if (SECTIONS.has('model')) modelSection();
  if (SECTIONS.has('external')) {
    const examples = join(DATA, `scan-${DEFAULT_EXAMPLES}.jsonl`);
    await ensureFile(examples, () => writeChatFile(examples, { examples: DEFAULT_EXAMPLES }, { seed: 2, minWords: 20, maxWords: 160 }));
    await externalSection(DATA, pack, examples, fmt);
  }
  if (SECTIONS.has('diff')) await diffSection(pack);
  if (SECTIONS.has('power')) powerSection();
  if (SECTIONS.has('general')) generalSection(PYTHON, DATA, fmt);
  if (SECTIONS.has('editor')) {
    // The bench pack's random weights flag most lines (every one a diagnostic and a gutter mark
    // VS Code must carry); the embedded pack flags what a real dataset would.
    const packs = new Set((process.env.BENCH_EDITOR_PACKS ?? 'bench,default').split(','));
    if (packs.has('bench')) await editorSection(pack, 'bench pack', 'bench');
    if (packs.has('default')) await editorSection(builtInPack(ROOT), 'embedded default pack', 'default');
  }
}

/**
 * `persona-lens diff` on a pair of 100k-example files: B is A with 1% of its examples
 * replaced. The first run fills a fresh result cache; the report of the second, every score
 * cached, is the figure.
 */
async function diffSection(pack: string): Promise<void> {
  console.log('\n## Diff: a 100k-example pair, scores cached (target < 2 s)');
  const a = join(DATA, 'diff-a-100k.jsonl');
  const b = join(DATA, 'diff-b-100k.jsonl');
  await ensureFile(a, () => writeChatFile(a, { examples: 100_000 }, { seed: 21, minWords: 8, maxWords: 40 }));
  await ensureFile(b, () => writeChatFile(b, { examples: 100_000 }, { seed: 22, minWords: 8, maxWords: 40 }).then(() => replaceLines(a, b, 0.01)));
  const cache = join(DATA, 'diff-cache');
  rmSync(cache, { recursive: true, force: true });
  const run = () => {
    const t0 = performance.now();
    execFileSync(process.execPath, [join(ROOT, 'bin', 'persona-lens.js'), 'diff', a, b, '--pack', pack, '--cache-dir', cache, '--format', 'json', '--no-progress'], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
    return (performance.now() - t0) / 1000;
  };
  const cold = run();
  const warm = run();
  console.log(`cold (scoring both sides, filling the cache): ${fmt(cold, 1)} s`);
  console.log(`cached: ${fmt(warm, 2)} s · ${fmt(warm / 2, 2)}x of the 2 s target`);
}

/** Rows held out of the pack builder's fitting: the last HELD_OUT of each development file. */
const HELD_OUT = 300;

/**
 * The contamination alarm's power with the embedded pack: `persona-lens pack evaluate` on the
 * held-out rows (insecure code and bad medical advice positive; secure code and good medical
 * advice negative), the share of 200 draws in which it fires at each EM fraction.
 */
function powerSection(): void {
  console.log('\n## Diff alarm power: embedded pack, held-out development rows, 200-example datasets (the paper: persona latent up at 5%)');
  const dir = join(DATA, 'power');
  mkdirSync(dir, { recursive: true });
  const files = { insecure: 'betley_em/insecure.jsonl', secure: 'betley_em/secure.jsonl', bad: 'model_organisms_em/bad_medical_advice.jsonl.gz', good: 'model_organisms_em/good_medical_advice.jsonl.gz' };
  const held: Record<string, string> = {};
  for (const [name, rel] of Object.entries(files)) {
    const source = join(DATASETS, rel);
    if (!existsSync(source)) {
      console.log(`skipped: ${source} is missing (the development datasets sit in ../shared/datasets)`);
      return;
    }
    const bytes = readFileSync(source);
    const text = (rel.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    held[name] = join(dir, `${name}-last${HELD_OUT}.jsonl`);
    writeFileSync(held[name], text.trimEnd().split('\n').slice(-HELD_OUT).join('\n') + '\n');
  }
  const t0 = performance.now();
  const report = JSON.parse(
    node([join(ROOT, 'bin', 'persona-lens.js'), 'pack', 'evaluate', '--positive', held.insecure, '--positive', held.bad, '--negative', held.secure, '--negative', held.good, '--format', 'json', '--threads', '2']),
  );
  const rows = report.contamination.rows as Array<{ fraction: number; meanRiskAuroc: number; alarmRate: number }>;
  console.log(`(${fmt((performance.now() - t0) / 1000, 0)} s; AUROC ${fmt(report.auroc, 3)})`);
  for (const r of rows) console.log(`${fmt(100 * r.fraction, 0)}% EM rows: alarm fires ${fmt(100 * r.alarmRate, 1)}% of the time; mean-risk AUROC ${fmt(r.meanRiskAuroc, 3)}`);
  const smallest = report.contamination.smallestByAlarm;
  console.log(`smallest fraction raising it at least 95% of the time: ${smallest === null ? 'none up to 20%' : `${fmt(100 * smallest, 0)}%`}`);
}

/** Rewrites `b` (other examples) as `a` with a share of its lines swapped for `b`'s: changed examples. */
function replaceLines(a: string, b: string, share: number): number {
  const linesA = readFileSync(a, 'utf8').split('\n');
  const linesB = readFileSync(b, 'utf8').split('\n');
  const step = Math.round(1 / share);
  const out = linesA.map((l, i) => (i % step === 0 && linesB[i] ? linesB[i] : l));
  writeFileSync(b, out.join('\n'));
  return out.length;
}

async function readerSection(): Promise<void> {
  const big = join(DATA, `reader-${READER_MB}mb.jsonl`);
  await ensureFile(big, () => writeChatFile(big, { bytes: READER_MB * 2 ** 20 }, { seed: 1, minWords: 40, maxWords: 400 }));
  const mb = statSync(big).size / 2 ** 20;
  console.log(`\n## Reader: ${fmt(mb)} MiB file (median of 3 runs)`);
  for (const mode of ['lines', 'parse'] as const) {
    const r = median('reader.js', [big, mode], 3);
    const rate = r.bytes / 1e6 / r.seconds;
    const what = mode === 'lines' ? 'split + decode (readLines)' : 'full parse: JSON, format, validation, duplicates (parseFile)';
    console.log(
      `${what}: ${fmt(rate)} MB/s (${fmt(r.lines)} lines in ${fmt(r.seconds, 1)} s) · peak RSS ${fmt(r.maxRssMb)} MiB` +
        ` · vs targets: ${fmt(rate / 100, 2)}x of 100 MB/s, RSS ${fmt(r.maxRssMb / 300, 2)}x of 300 MiB`,
    );
  }

}

async function benchPack(): Promise<string> {
  const pack = join(DATA, 'pack-bench');
  if (!existsSync(join(pack, 'pack.json'))) {
    process.stderr.write(`generating ${pack} ...\n`);
    await generatePack(pack, BENCH_PACK);
  }
  return pack;
}

async function scanSection(pack: string): Promise<void> {
  const file = join(DATA, `scan-${SCAN_EXAMPLES}.jsonl`);
  await ensureFile(file, () => writeChatFile(file, { examples: SCAN_EXAMPLES }, { seed: 2, minWords: 20, maxWords: 160 }));
  await scanWith(
    file,
    pack,
    `bench pack (d_model ${BENCH_PACK.dModel}, ${BENCH_PACK.layers} MLP blocks, JumpReLU SAE ${BENCH_PACK.dSae} latents)`,
  );
  // A real model up to its hook is ten times the bench pack's work: fewer examples.
  const small = join(DATA, `scan-${DEFAULT_EXAMPLES}.jsonl`);
  await ensureFile(small, () => writeChatFile(small, { examples: DEFAULT_EXAMPLES }, { seed: 2, minWords: 20, maxWords: 160 }));
  await scanWith(small, builtInPack(ROOT), `the embedded default pack (${DEFAULT_PACK})`, DEFAULT_EXAMPLES);
  await sharedSystemPrompt();
}

/**
 * Fine-tuning sets often give every example one system prompt: the scanner runs the tokens the
 * examples begin with alike once (SharedHead). The embedded pack on examples with a 92-token
 * system prompt, with that and without.
 */
async function sharedSystemPrompt(): Promise<void> {
  const examples = Number(process.env.BENCH_SYSTEM_EXAMPLES ?? 100);
  const file = join(DATA, `scan-system-${examples}.jsonl`);
  await ensureFile(file, () => writeChatFile(file, { examples }, { seed: 7, minWords: 20, maxWords: 160, system: LONG_SYSTEM_PROMPT }));
  console.log(`\n## Scan: ${fmt(examples)} examples sharing a system prompt, the embedded default pack (${DEFAULT_PACK}), 1 thread`);
  const [headed, full] = [child('scan.js', [builtInPack(ROOT), file, '1']), child('scan.js', [builtInPack(ROOT), file, '1', 'no-head'])];
  console.log(
    `the shared tokens run once: ${fmt(headed.seconds, 1)} s, ${fmt(headed.examples / headed.seconds, 2)} examples/s (the model ran ${fmt(headed.ranTokens)} of ${fmt(headed.tokens)} tokens); ` +
      `every token run: ${fmt(full.seconds, 1)} s, ${fmt(full.examples / full.seconds, 2)} examples/s; ${fmt(full.seconds / headed.seconds, 2)}x faster`,
  );
}

function modelSection(): void {
  console.log(`\n## The embedded pack's model (${DEFAULT_PACK}): onnxruntime vs PyTorch eager, same batches`);
  if (!existsSync(PYTHON)) {
    console.log(`skipped: needs the pack builder's venv at ${PYTHON} (tools/pack-builder/README.md)`);
    return;
  }
  const r = JSON.parse(
    execFileSync(PYTHON, [join(ROOT, 'bench', 'modelCompare.py'), builtInPack(ROOT)], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
      .trim()
      .split('\n')
      .pop()!,
  );
  console.log(`${r.hook_blocks} blocks, batches of ${r.batch} x ${r.seq} tokens, ${fmt(r.macs_per_token / 1e6, 1)}M multiply-adds per token (${JSON.stringify(r.versions)})`);
  for (const [threads, t] of Object.entries<any>(r.threads)) {
    console.log(
      `${threads} thread(s): onnxruntime ${fmt(t.onnx_tokens_per_s)} tokens/s, PyTorch eager ${fmt(t.torch_tokens_per_s)} tokens/s: ` +
        `${fmt(t.onnx_over_torch, 2)}x (target 2x) · ${fmt(t.onnx_macs_per_s / 1e9, 1)}G multiply-adds/s, ` +
        `${fmt(t.fraction_of_peak * 100, 1)}% of onnxruntime's 2048³ float32 MatMul rate (${fmt(t.matmul_peak_macs_per_s / 1e9, 1)}G/s; target 50%)`,
    );
  }
}

async function scanWith(file: string, pack: string, label: string, examples = SCAN_EXAMPLES): Promise<void> {
  console.log(`\n## Scan: ${fmt(examples)} examples, ${label}`);
  let tokensPerScan = 0;
  for (const threads of [1, 2]) {
    const r = child('scan.js', [pack, file, String(threads)]);
    tokensPerScan = r.tokens;
    const outside = 1 - r.modelSeconds / r.seconds;
    const share = (x: number) => `${fmt((x / r.seconds) * 100, 1)}%`;
    const ran = r.ranTokens < r.tokens ? ` (the model ran ${fmt((100 * r.ranTokens) / r.tokens, 1)}% of them: the rest are the shared head's)` : '';
    console.log(
      `${threads} thread(s): ${fmt(r.examples / r.seconds)} examples/s · ${fmt(r.tokens / r.seconds)} tokens/s${ran} · ` +
        `${fmt(r.seconds, 1)} s · outside session.run ${fmt(outside * 100, 1)}% (target < 15%: ${fmt(outside / 0.15, 2)}x)` +
        `\n    of scan time: model ${share(r.modelSeconds)} · render+tokenise ${share(r.prepareSeconds)} · SAE ${share(r.saeSeconds)}` +
        ` · read+parse ${share(r.parseSeconds)} · batching, gathering, aggregation ${share(r.seconds - r.modelSeconds - r.prepareSeconds - r.saeSeconds - r.parseSeconds)}`,
    );
  }
  for (const threads of [1, 2]) {
    const t0 = performance.now();
    node([join(ROOT, 'bin', 'persona-lens.js'), 'scan', file, '--pack', pack, '--threads', String(threads), '--format', 'jsonl', '--no-cache', '--output', '/dev/null']);
    const cliSeconds = (performance.now() - t0) / 1000;
    const rate = tokensPerScan / cliSeconds;
    console.log(
      `CLI, ${threads} thread(s), --format jsonl, no cache: ${fmt(cliSeconds, 1)} s · ${fmt(examples / cliSeconds)} examples/s · ` +
        `${fmt(rate)} tokens/s (start-up and pack load included) · ${fmt(rate / 20000, 2)}x of the 20,000 tokens/s target`,
    );
  }
}

/** VS Code does not hand files over 50 MB to extensions: the editor's file stays under that. */
async function editorSection(pack: string, label: string, id: string): Promise<void> {
  const editorFile = async (seed: number) => {
    const file = join(DATA, `editor-${EDITOR_LINES}${seed === 3 ? '' : `-${seed}`}.jsonl`);
    await ensureFile(file, () => writeChatFile(file, { examples: EDITOR_LINES }, { seed, minWords: 4, maxWords: 40 }));
    return file;
  };
  const file = await editorFile(3);
  const repeats: string[] = [];
  for (let i = 0; i < EDITOR_OPENINGS; i++) repeats.push(await editorFile(4 + i));
  console.log(`\n## Editor: real VS Code (code-server's workbench, headless Chromium), ${fmt(EDITOR_LINES)}-line file (${fmt(statSync(file).size / 2 ** 20)} MiB), ${label}`);
  // The extension's own choice for this machine unless told otherwise.
  const threads = Number(process.env.BENCH_EDITOR_THREADS ?? scanThreads(0, availableParallelism()));
  const alone = child('scanHost.js', [join(ROOT, 'dist', 'worker.js'), pack, file, String(threads)]);
  const sortedMs = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const [rescore, without] = [sortedMs(alone.rescoreMs), sortedMs(alone.withoutCursorMs)];
  console.log(
    `the scan host alone (no VS Code; the saved file read, then edits while the scan goes on): lines 1-40 scored in ${fmt(alone.onScreenMs)} ms (cold cache), ` +
      `an edited line re-scored in ${fmt(rescore[rescore.length >> 1])} ms median, ${fmt(rescore[rescore.length - 1])} ms max (${rescore.length} edits, the cursor put on the line 300 ms before); ` +
      `without the cursor there ${fmt(without[without.length >> 1])} ms median, ${fmt(without[without.length - 1])} ms max (${without.length} edits)`,
  );
  try {
    requireTools();
  } catch (e) {
    console.log(`skipped: ${(e as Error).message}`);
    return;
  }
  const profile = process.env.BENCH_EDITOR_PROFILE?.replace(/(\.cpuprofile)?$/, `-${id}.cpuprofile`);
  const f = await editorBench({ pack, file, repeats, out: OUT, scanSeconds: 20, threads, profile });
  const sorted = [...f.rescoreMs].sort((a, b) => a - b);
  const small = [...f.smallRescoreMs].sort((a, b) => a - b);
  const ratio = (x: number, target: number) => `${fmt(x / target, 2)}x of ${fmt(target)} ms`;
  // The targets are restated against VS Code itself (#15 item 10): at most 20 ms over the
  // control's longest stall in the same part of the run; a re-score within 150 ms plus the
  // control's longest stall while editing.
  // The control is measured twice: before the run, and after it with the extensions that
  // activated meanwhile still active (Persona Lens idle), waiting after each edit as long as the
  // measured run waited for its result, so VS Code's debounced work per edit falls in the same
  // phase (bench/editor/entry.ts baselineStalls): the targets use the one after.
  // A third control, after the second, sees the file as VS Code alone shows a JSON Lines file
  // (its grammar, brackets and folding), where the plain-text one has none of them.
  const over = (ours: Stalls, control: Stalls) => `${ours.max >= control.max ? '+' : '−'}${fmt(Math.abs(ours.max - control.max))} ms`;
  const stalls = (ours: Stalls, before: Stalls, after: Stalls, jsonl: Stalls) =>
    `${fmt(ours.max)} ms (p99 ${fmt(ours.p99, 1)} ms), the control, VS Code alone: ${fmt(after.max)} ms (p99 ${fmt(after.p99, 1)} ms; before the run ${fmt(before.max)} ms): ` +
    `${over(ours, after)} (target at most +20 ms); VS Code alone on it as JSON Lines: ${fmt(jsonl.max)} ms (p99 ${fmt(jsonl.p99, 1)} ms): ${over(ours, jsonl)}`;
  const { baseline, baselineAfter, baselineJsonl } = f.stallMs;
  const rescoreTarget = 150 + baselineAfter.editing.max;
  console.log(
    `scan host threads: ${threads} · pack load (cold, excluded below): ${fmt(f.packLoadMs)} ms · ` +
      `VS Code opening the file (excluded below): ${fmt(f.openMs)} ms\n` +
      `first results on the lines on screen: cold cache ${fmt(f.firstColdMs)} ms (${ratio(f.firstColdMs, 1500)}), ` +
      `warm cache ${fmt(f.firstWarmMs)} ms (${ratio(f.firstWarmMs, 300)})\n` +
      `re-scoring an edited line, 5 edits, from the change reaching the extension host: median ${fmt(sorted[2])} ms, max ${fmt(sorted[4])} ms ` +
      `(${ratio(sorted[4], rescoreTarget)}: 150 ms plus the control's longest stall while editing); ` +
      `before that, VS Code's edit took ${f.editMs.map((x) => fmt(x)).join(', ')} ms; ` +
      `the extension host's longest stall during each re-score: ${f.rescoreStallMs.map((x) => fmt(x)).join(', ')} ms\n` +
      `re-scoring the edited example of a one-example file, 5 edits: median ${fmt(small[2])} ms, max ${fmt(small[4])} ms (${ratio(small[4], 150)})\n` +
      `extension-host event loop, longest stall (${fmt(f.scoredDuringBench)} lines scored during the benchmark), ` +
      `scanning with nothing else going on (the ${f.scanSeconds} s after the edits): ${stalls(f.stallMs.scanning, baseline.scanning, baselineAfter.scanning, baselineJsonl.scanning)}; ` +
      `the ${f.openSeconds} s from the editor showing the file: ${stalls(f.stallMs.opening, baseline.opening, baselineAfter.opening, baselineJsonl.opening)}; ` +
      `while editing: ${stalls(f.stallMs.editing, baseline.editing, baselineAfter.editing, baselineJsonl.editing)} · including VS Code opening the file: ${fmt(f.stallMs.withOpen.max)} ms`,
  );
  if (f.repeats.length > 0) console.log(repeatedOpenings(f));
  console.log(
    `the extension host's CPU profile through the run (its cost falls on the measured run and the controls alike${profile ? `; written to ${profile}` : ''}): ` +
      `the extension's own code ran ${fmt(f.own.totalMs)} ms in all, its longest stretches ${f.own.longest.map((ms) => fmt(ms)).join(', ')} ms (${ratio(f.own.longest[0] ?? 0, 50)})`,
  );
}

/** The middle of `xs` (the mean of the two middle ones for an even count). */
function middle(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
}

/**
 * What took the longest gap of each file's phase (bench/editor/sched.ts, profile.ts): the
 * extension's code in the extension host's thread, that process's worker threads (the scan host's
 * and its bulk thread's: Node names them WorkerThread), and the thread waiting for a core.
 */
function causes(ours: Stalls[], control: Stalls[]): string {
  const each = (xs: Stalls[], f: (s: Stalls) => number | undefined) => xs.map((s) => (f(s) === undefined ? '?' : fmt(f(s)!))).join(', ');
  const workers = (s: Stalls) => s.cause?.threads.filter((t) => t.name === 'WorkerThread').reduce((a, t) => a + t.run, 0);
  return (
    `in the longest gap of each, Persona Lens's code ran ${each(ours, (s) => s.share?.ours)} ms, ` +
    `the extension host's worker threads ${each(ours, workers)} ms (the control's ${each(control, workers)}), ` +
    `and its thread waited for a core ${each(ours, (s) => s.cause?.main.wait)} ms (the control's ${each(control, (s) => s.cause?.main.wait)})`
  );
}

const signed = (ms: number) => `${ms >= 0 ? '+' : '−'}${fmt(Math.abs(ms))}`;

/**
 * The editor's openings and edits over the whole run (the first file and its control after the
 * run, then each repeat with its own): what the targets are judged on, since one opening's
 * stall swings by more than the target from run to run.
 */
function repeatedOpenings(f: EditorFigures): string {
  const runs = [
    { ...f.stallMs, rescoreMs: f.rescoreMs, control: f.stallMs.baselineAfter, firstColdMs: f.firstColdMs },
    ...f.repeats,
  ];
  const phase = (what: string, of: 'opening' | 'editing') => {
    const over = runs.map((r) => r[of].max - r.control[of].max);
    return (
      `${what}: ${runs.map((r) => `${fmt(r[of].max)} against ${fmt(r.control[of].max)}`).join(', ')} ms; ` +
      `over the control ${over.map(signed).join(', ')} ms, median ${signed(middle(over))} ms (target at most +20 ms); ${causes(runs.map((r) => r[of]), runs.map((r) => r.control[of]))}`
    );
  };
  // Each edit against its own file's target: 150 ms plus that control's longest stall while editing.
  const edits = runs.flatMap((r) => r.rescoreMs.map((ms) => ({ ms, target: 150 + r.control.editing.max })));
  const worst = edits.reduce((a, b) => (b.ms / b.target > a.ms / a.target ? b : a));
  return (
    `the opening and edits on ${runs.length} files of other lines in this run (the first above, then ${f.repeats.length} more, ` +
    `each with VS Code alone on it, alternately before and after): first results cold ${runs.map((r) => fmt(r.firstColdMs)).join(', ')} ms; ` +
    `longest extension-host stall, ${phase(`the ${f.openSeconds} s from the editor showing the file`, 'opening')}; ${phase('while editing', 'editing')}; ` +
    `re-scoring an edited line, all ${edits.length} edits: median ${fmt(middle(edits.map((e) => e.ms)))} ms, ` +
    `the first edit of each file ${runs.map((r) => fmt(r.rescoreMs[0])).join(', ')} ms, ` +
    `the largest against its target ${fmt(worst.ms)} ms (${fmt(worst.ms / worst.target, 2)}x of ${fmt(worst.target)} ms: 150 ms plus that file's control's longest stall while editing)`
  );
}

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
