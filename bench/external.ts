// A pack above protobuf's 2 GB (pack format 4): the bench pack with its model replaced by one
// whose embedding table is 2.2 GB, kept in model.onnx.data. Measures what the user waits for
// before the first result: the CLI's load (staging the data in a private folder by a link or,
// for a file others may write, a copy, and hashing it), with peak RSS, against the bench pack.
// The pack is made in a child process (`node --import tsx bench/external.ts DATA_DIR BENCH_PACK`):
// a child's peak RSS starts from its parent's, so the parent must never hold the table.

import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, cpSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encodeOnnxModelExternal, GraphBuilder } from '../src/core/model/onnxWriter';
import { MODEL_INPUTS, MODEL_OUTPUT } from '../src/core/model/session';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'persona-lens.js');
const HOOK = join(ROOT, 'bench', 'maxRss.cjs');
const DATA_FILE = 'model.onnx.data';
const TABLE_BYTES = 2.2e9;

/** The bench pack with a 2.2 GB embedding-only model in external data (made once, kept in bench/.data). */
function largePack(dataDir: string, benchPack: string): string {
  const dir = join(dataDir, 'pack-external');
  if (existsSync(join(dir, 'pack.json'))) return dir;
  process.stderr.write(`generating ${dir} ...\n`);
  const part = `${dir}.part`; // renamed once whole, so a run cut short is not taken for the pack
  rmSync(part, { recursive: true, force: true });
  cpSync(benchPack, part, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(part, 'pack.json'), 'utf8'));
  const d = manifest.model.dModel as number;
  const rows = Math.ceil(TABLE_BYTES / (4 * d));
  const table = new Float32Array(rows * d);
  // Finite values of both signs, cheaply: random ones would take a minute for 550M floats.
  for (let i = 0; i < table.length; i++) table[i] = (((i * 2654435761) >>> 0) / 2 ** 32 - 0.5) * 0.1;
  const g = new GraphBuilder();
  g.op('Gather', [g.constant('embedding', [rows, d], table), MODEL_INPUTS[0]], { axis: { int: 0 } }, MODEL_OUTPUT);
  const graph = g.build(
    'persona_lens_bench_external',
    MODEL_INPUTS.map((name) => ({ name, type: 'int64' as const, shape: ['batch', 'seq'] })),
    [{ name: MODEL_OUTPUT, type: 'float32', shape: ['batch', 'seq', d] }],
  );
  const { model, data } = encodeOnnxModelExternal(graph, DATA_FILE, 'persona-lens bench');
  writeFileSync(join(part, 'model.onnx'), model);
  // One write or hash update takes at most 2 GB: 1 GiB pieces.
  const pieces = Array.from({ length: Math.ceil(data.length / 2 ** 30) }, (_, i) => data.subarray(i * 2 ** 30, (i + 1) * 2 ** 30));
  const fd = openSync(join(part, DATA_FILE), 'w');
  for (const p of pieces) writeSync(fd, p);
  closeSync(fd);
  const dataHash = createHash('sha256');
  for (const p of pieces) dataHash.update(p);
  const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
  manifest.formatVersion = 4;
  manifest.model.externalData = [DATA_FILE];
  manifest.files['model.onnx'] = sha(model);
  manifest.files[DATA_FILE] = dataHash.digest('hex');
  writeFileSync(join(part, 'pack.json'), JSON.stringify(manifest, null, 2));
  renameSync(part, dir);
  return dir;
}

function run(pack: string, input: string, dataDir: string): { seconds: number; rssMb: number } {
  const rssFile = join(dataDir, 'maxrss.txt');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', HOOK, BIN, 'scan', input, '--pack', pack, '--format', 'jsonl', '--no-cache', '--no-progress', '-o', '/dev/null'], {
    env: { ...process.env, BENCH_MAXRSS_FILE: rssFile },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`scan with ${pack} exited ${r.status}`);
  return { seconds: (performance.now() - t0) / 1000, rssMb: Number(readFileSync(rssFile, 'utf8')) };
}

export async function externalSection(dataDir: string, benchPack: string, examples: string, fmt: (n: number, d?: number) => string): Promise<void> {
  console.log('\n## A pack above 2 GB (format 4: model.onnx + 2.2 GB of external data): the CLI on one example');
  const made = spawnSync(process.execPath, ['--import', 'tsx', __filename, dataDir, benchPack], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`making the large pack failed (exit ${made.status})`);
  const pack = made.stdout.trim();
  const one = join(dataDir, 'one-example.jsonl');
  writeFileSync(one, readFileSync(examples, 'utf8').split('\n')[0] + '\n');
  const data = join(pack, DATA_FILE);
  const row = (label: string, p: string, input: string) => {
    const { seconds, rssMb } = run(p, input, dataDir);
    console.log(`${label}: ${fmt(seconds, 2)} s, peak RSS ${fmt(rssMb)} MiB`);
  };
  chmodSync(data, 0o600);
  row('bench pack, one example (start-up and load)', benchPack, one);
  row('large pack, one example, data linked (only this user may write it)', pack, one);
  chmodSync(data, 0o664);
  row('large pack, one example, data copied (group-writable)', pack, one);
  chmodSync(data, 0o600);
}

if (require.main === module) console.log(largePack(process.argv[2], process.argv[3]));
