// `persona-lens`: scans fine-tuning JSONL files and reports risk per example;
// `diff-models` ranks SAE latents between a model and its fine-tune; `convert-sae` turns a
// public SAE into a pack's sae/ files.
// Exit codes (DESIGN.md): 0 done, 1 a risk exceeded --fail-over, 2 could not run.

import './heap';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { WriteStream } from 'node:fs';
import { parseFileBatches } from '../core/dataset';
import { Scanner } from '../core/score/scanner';
import { scanLines } from '../core/score/scanLines';
import { SummaryBuilder } from '../core/score/summary';
import { parseCommand, USAGE, UsageError, type ScanCommand } from './args';
import { CannotRun, INFO_URI, VERSION, checkReadable, loadPackOrFail, openCache } from './common';
import { convertSae } from './convertSae';
import { diff } from './diff';
import { diffModelsCommand } from './diffModels';
import { exportSubset } from './export';
import { evaluate } from './packEvaluate';
import { fetchPackCommand } from './packFetch';
import { listPacksCommand } from './packList';
import { judge } from './judge';
import { createOutput, useColor } from './output';
import { openOutput, outputConflict } from './outputTarget';
import { Progress } from './progress';

/** The file name that means standard input (`cat data.jsonl | persona-lens scan -`). */
const STDIN = '-';

/** Diagnostics that mean a file was not read to its end (gzip damage, a read error). */
const READ_FAILURES = new Set(['PL004', 'PL005']);


async function main(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv);
  if (cmd.kind === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (cmd.kind === 'version') {
    process.stdout.write(VERSION + '\n');
    return 0;
  }
  if (cmd.kind === 'convert-sae') return convertSae(cmd);
  if (cmd.kind === 'diff') return diff(cmd);
  if (cmd.kind === 'diff-models') return diffModelsCommand(cmd);
  if (cmd.kind === 'judge') return judge(cmd);
  if (cmd.kind === 'export') return exportSubset(cmd);
  if (cmd.kind === 'pack-evaluate') return evaluate(cmd);
  if (cmd.kind === 'pack-fetch') return fetchPackCommand(cmd);
  if (cmd.kind === 'pack-list') return listPacksCommand(cmd);
  return scan(cmd);
}

async function scan(cmd: ScanCommand): Promise<number> {
  if (cmd.files.filter((f) => f === STDIN).length > 1) throw new CannotRun('"-" (standard input) can be named once');
  await checkReadable(cmd.files.filter((f) => f !== STDIN));
  const { pack, path: packPath } = await loadPackOrFail(cmd);
  const conflict = cmd.output ? await outputConflict(cmd.output, cmd.files, packPath, pack.root) : null;
  if (conflict) {
    await pack.dispose();
    throw new CannotRun(conflict);
  }
  const cache = cmd.cache ? openCache(cmd.cacheDir, pack) : null;
  const target = cmd.output ? openOutput(cmd.output) : null;
  const out = target?.stream ?? null;
  // A write error (a full disk) ends the scan with one message, not an internal error.
  let writeError: Error | null = null;
  out?.on('error', (err) => (writeError ??= err));
  const cannotWrite = () => new CannotRun(`cannot write ${cmd.output}: ${writeError?.message}`);
  const dest: NodeJS.WritableStream & { writableNeedDrain?: boolean } = out ?? process.stdout;
  const write = (text: string) => dest.write(text);
  const writer = createOutput(cmd.format, {
    write,
    pack: { name: pack.manifest.name, version: pack.manifest.version, hash: pack.hash },
    color: !out && useColor(process.stdout, process.env),
    sarif: { toolVersion: VERSION, informationUri: INFO_URI, cwd: process.cwd() },
  });
  const scanner = new Scanner(pack, { cache, latents: cmd.allLatents ? 'all' : 'none' });
  const progress = new Progress(process.stderr, cmd.progress === 'auto');
  const total = new SummaryBuilder();
  let exceeded = false;
  let done = false;
  /** Files whose reading stopped at damage (PL004, PL005): a gate cannot vouch for lines it never read. */
  const unread = new Set<string>();
  try {
    for (const file of cmd.files) {
      writer.beginFile(file);
      const perFile = new SummaryBuilder();
      for await (const result of scanLines(parseFileBatches(file === STDIN ? process.stdin : file), scanner)) {
        writer.line(result);
        perFile.add(result);
        total.add(result);
        progress.update(file, result.line);
        // Back-pressure: a slow reader of stdout (or a slow disk) holds the scan, not its output in memory.
        if (dest.writableNeedDrain) await once(dest, 'drain').catch(() => Promise.reject(cannotWrite()));
        if (writeError) throw cannotWrite();
        if (cmd.failOver !== null && result.result && result.result.risk > cmd.failOver) exceeded = true;
        if (result.diagnostics.some((d) => READ_FAILURES.has(d.code))) unread.add(file);
      }
      progress.clear();
      writer.endFile(perFile.summary());
    }
    const summary = total.summary();
    writer.end(summary);
    done = true;
    // A gate that read nothing must not pass: the files held no example it could score.
    if (cmd.failOver !== null && summary.examples === 0) {
      throw new CannotRun(`--fail-over: no example could be scored in ${cmd.files.join(', ')}, so the gate cannot pass`);
    }
    if (cmd.failOver !== null && unread.size > 0) {
      throw new CannotRun(`--fail-over: ${[...unread].join(', ')} could not be read to the end (PL004/PL005 in the report), so the gate cannot pass`);
    }
  } finally {
    progress.clear();
    cache?.close();
    writeError ??= await closeStream(out);
    if (done && !writeError) await target?.commit();
    else target?.abandon();
    await pack.dispose();
  }
  if (writeError) throw cannotWrite();
  return exceeded ? 1 : 0;
}

/** Ends `out` and waits until its bytes are written or it failed: the error, or null. */
async function closeStream(out: WriteStream | null): Promise<Error | null> {
  if (!out) return null;
  out.end();
  return finished(out).then(
    () => null,
    (err: Error) => err,
  );
}

/** Ends the process from an asynchronous error: the command could not run. */
function fail(message: string): never {
  process.stderr.write(`persona-lens: ${message}\n`);
  process.exit(2);
}

// A reader that stops early (`persona-lens scan ... | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  fail(`cannot write to stdout: ${err.message}`);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`persona-lens: ${err.message}\n\n${USAGE}\n`);
    else if (err instanceof CannotRun) process.stderr.write(`persona-lens: ${err.message}\n`);
    else process.stderr.write(`persona-lens: internal error: ${(err as Error)?.stack ?? err}\n`);
    process.exitCode = 2;
  },
);
