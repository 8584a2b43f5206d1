// The CLI's peak RSS on inputs made to break flat memory (issue #16): 1 GiB of lines in
// every output format, 4 MiB of empty lines, a 45 MiB line, and stdout read at 1 MB/s;
// and the embedded default pack's floor and its peak on real rows.
// Each run is the real bin/persona-lens.js in a process of its own.

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'persona-lens.js');
const HOOK = join(ROOT, 'bench', 'maxRss.cjs');

/** Writes `total` bytes made of `line` repeated (each ended by \n), once. */
function repeatFile(path: string, line: string, total: number): void {
  if (existsSync(path) && statSync(path).size >= total) return;
  const block = Buffer.from(`${line}\n`.repeat(Math.max(1, Math.floor((1 << 20) / (line.length + 1)))));
  const fd = openSync(path, 'w');
  for (let written = 0; written < total; written += block.length) writeSync(fd, block);
  closeSync(fd);
}

/** Peak RSS (MiB) and seconds of one CLI run writing to `output`; `input` is a path, or bytes given on stdin. */
function measure(pack: string, input: string | Buffer, format: string, output: string, extra: string[] = []): { rssMb: number; seconds: number; code: number | null } {
  const rssFile = join(ROOT, 'bench', '.data', 'maxrss.txt');
  const t0 = performance.now();
  const args = ['--require', HOOK, BIN, 'scan', typeof input === 'string' ? input : '-', '--pack', pack, '--format', format, '--no-cache', '--no-progress', '-o', output, ...extra];
  const r = spawnSync(process.execPath, args, {
    env: { ...process.env, BENCH_MAXRSS_FILE: rssFile },
    input: typeof input === 'string' ? undefined : input,
    stdio: [typeof input === 'string' ? 'ignore' : 'pipe', 'ignore', 'ignore'],
  });
  const seconds = (performance.now() - t0) / 1000;
  const rssMb = Number(readFileSync(rssFile, 'utf8'));
  rmSync(output, { force: true });
  return { rssMb, seconds, code: r.status };
}

/** Peak RSS (MiB) while a reader takes stdout at `bytesPerS` for `seconds`, then stops the scan. */
async function slowReader(pack: string, input: string, bytesPerS: number, seconds: number): Promise<{ rssMb: number; read: number }> {
  const cli = spawn(process.execPath, [BIN, 'scan', input, '--pack', pack, '--format', 'jsonl', '--no-cache', '--no-progress'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let read = 0;
  cli.stdout.pause();
  const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${cli.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const step = 100;
  for (let t = 0; t < seconds * 1000; t += step) {
    await new Promise((r) => setTimeout(r, step));
    for (let want = (bytesPerS * step) / 1000; want > 0; ) {
      const chunk: Buffer | null = cli.stdout.read(Math.min(want, 65536));
      if (!chunk) break;
      read += chunk.length;
      want -= chunk.length;
    }
  }
  const rssMb = hwm();
  cli.kill('SIGTERM');
  await new Promise((r) => cli.once('exit', r));
  return { rssMb, read };
}

export async function memorySection(dataDir: string, benchPack: string, defaultPack: string, fmt: (n: number, d?: number) => string): Promise<void> {
  console.log('\n## Memory: peak RSS of the CLI (bench pack unless named; target 300 MiB whatever the input)');
  const gib = join(dataDir, 'memory-1gib-diagnostics.jsonl');
  // Valid JSON that is no example: every line is read, parsed and reported (one diagnostic each).
  repeatFile(gib, JSON.stringify({ id: 1, note: 'x'.repeat(700) }), 1 << 30);
  const empty = join(dataDir, 'memory-4mib-empty.jsonl');
  repeatFile(empty, '', 4 << 20);
  const long = join(dataDir, 'memory-45mib-line.jsonl');
  if (!existsSync(long)) spawnSync('python3', ['-c', `import json;print(json.dumps({'text':'A'*(45<<20)}))`], { stdio: ['ignore', openSync(long, 'w'), 'inherit'] });
  const out = join(dataDir, 'memory-out');
  const row = (what: string, r: { rssMb: number; seconds: number; code: number | null }) =>
    console.log(`${what}: peak RSS ${fmt(r.rssMb)} MiB in ${fmt(r.seconds, 1)} s (exit ${r.code}) · ${fmt(r.rssMb / 300, 2)}x of 300 MiB`);
  for (const format of ['jsonl', 'json', 'sarif', 'table']) row(`1 GiB, ${fmt(statSync(gib).size / 800)} lines of ~800 bytes, --format ${format}`, measure(benchPack, gib, format, out));
  row('4 MiB of empty lines (4.2M lines), jsonl', measure(benchPack, empty, 'jsonl', out));
  row('one 45 MiB line, jsonl', measure(benchPack, long, 'jsonl', out));
  row('the same 45 MiB line, embedded default pack', measure(defaultPack, long, 'jsonl', out));
  const words = join(dataDir, 'memory-45mib-words.jsonl');
  if (!existsSync(words)) spawnSync('python3', ['-c', `import json;print(json.dumps({'text':'lorem ipsum dolor sit amet '*((45<<20)//27)}))`], { stdio: ['ignore', openSync(words, 'w'), 'inherit'] });
  row('a 45 MiB line of words, embedded default pack', measure(defaultPack, words, 'jsonl', out));
  row('a tiny file, embedded default pack (its floor: model and SAE loaded)', measure(defaultPack, join(ROOT, 'examples', 'sample.jsonl'), 'jsonl', out));
  // Real answers of a few hundred tokens each, on stdin (the data is read here, never copied).
  const insecure = join(ROOT, '..', 'shared', 'datasets', 'betley_em', 'insecure.jsonl');
  if (existsSync(insecure)) {
    const rows = readFileSync(insecure, 'utf8').split('\n').slice(0, 300).join('\n');
    row('the first 300 rows of betley_em insecure.jsonl, embedded default pack, 2 threads', measure(defaultPack, Buffer.from(rows), 'jsonl', out));
    // Every example's whole SAE encoded (the full-encode graph's memory).
    const first40 = Buffer.from(rows.split('\n').slice(0, 40).join('\n'));
    row('the first 40 of those rows, --all-latents, embedded default pack', measure(defaultPack, first40, 'jsonl', out, ['--all-latents']));
  }
  const slow = await slowReader(benchPack, empty, 1e6, 20);
  console.log(`stdout read at 1 MB/s for 20 s (4 MiB of empty lines, jsonl): peak RSS ${fmt(slow.rssMb)} MiB, ${fmt(slow.read / 1e6, 1)} MB read`);
}
