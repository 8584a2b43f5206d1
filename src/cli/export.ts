// `persona-lens export FILE --clean|--flagged|--with-risk|--realign N`: the file
// scanned (through the result cache), reviewers' decisions read from its sidecar,
// and the chosen lines written verbatim (or with risk columns) to a new file.
// Never over an existing file: the output is written aside and linked into place,
// which fails rather than replace a file that appeared meanwhile.

import { createWriteStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { link, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { basename, dirname, join } from 'node:path';
import { FileChecker, parseLines, readLineBatches } from '../core/dataset';
import { freeName } from '../core/export/freeName';
import { CSV_COLUMNS, csvRow, withRiskKeys } from '../core/export/riskColumns';
import { inSubset, realignCandidate, realignSet, type RealignCandidate } from '../core/export/subsets';
import type { Decision } from '../core/review/decision';
import { lineKey, parseReviews, sidecarPath } from '../core/review/reviewFile';
import { Scanner } from '../core/score/scanner';
import { scanLines } from '../core/score/scanLines';
import type { LineResult } from '../core/score/types';
import type { ExportCommand } from './args';
import { CannotRun, checkReadable, loadPackOrFail, openCache } from './common';

interface Line {
  text: string;
  decision?: Decision;
}

export async function exportSubset(cmd: ExportCommand): Promise<number> {
  await checkReadable([cmd.file]);
  if (cmd.output && existsSync(cmd.output)) throw new CannotRun(`${cmd.output} exists; export never overwrites a file (name another)`);
  const decisions = readDecisions(cmd.file);
  const { pack } = await loadPackOrFail(cmd);
  const cache = cmd.cache ? openCache(cmd.cacheDir, pack) : null;
  const scanner = new Scanner(pack, { cache });
  let eol: string | null = null;
  /** Each line's text (and decision), kept from reading until its result comes out of the scan. */
  const lines = new Map<number, Line>();
  async function* parsed() {
    const checker = new FileChecker();
    for await (const raws of readLineBatches(cmd.file)) {
      // Hashed only when there are decisions to look up.
      for (const r of raws) lines.set(r.line, { text: r.text, decision: decisions.size > 0 ? decisions.get(lineKey(r.text)) : undefined });
      // The file's line break, from its first two lines: exported lines keep it.
      if (eol === null && raws.length > 1) eol = raws[1].byteStart - raws[0].byteEnd === 2 ? '\r\n' : '\n';
      yield parseLines(raws, checker);
    }
  }
  const results = (): AsyncGenerator<LineResult> => scanLines(parsed(), scanner);
  let out: OutputFile | null = null;
  try {
    if (cmd.mode === 'realign') return await realign(cmd, results, lines, () => eol ?? '\n', (o) => (out = o));
    out = newFile(cmd, cmd.mode);
    let taken = 0;
    let examples = 0;
    let invalid = 0;
    if (cmd.format === 'csv') await out.write(CSV_COLUMNS.join(',') + '\r\n');
    for await (const r of results()) {
      const line = lines.get(r.line)!;
      lines.delete(r.line);
      if (r.result) examples++;
      else if (line.text.trim() !== '') invalid++;
      if (cmd.mode === 'with-risk') {
        await out.write(cmd.format === 'csv' ? csvRow(r.line, line.text, r) + '\r\n' : withRiskKeys(line.text, r) + (eol ?? '\n'));
        taken++;
      } else if (r.result && inSubset(cmd.mode, r.result.level, line.decision)) {
        await out.write(line.text + (eol ?? '\n'));
        taken++;
      }
    }
    const file = await out.commit();
    const what =
      cmd.mode === 'with-risk'
        ? `${taken} lines with their risk`
        : `${taken} of ${examples} examples (${cmd.mode === 'clean' ? 'not flagged, not rejected by a reviewer' : 'elevated or high risk, not suppressed by a reviewer'}${invalid > 0 ? `; ${invalid} lines that are not valid examples left out` : ''})`;
    process.stderr.write(`persona-lens: wrote ${what} to ${file}\n`);
    return 0;
  } finally {
    (out as OutputFile | null)?.abandon();
    cache?.close();
    await pack.dispose();
  }
}

/** The N lowest-risk clean examples: ranked over the whole file, then copied in a second read. */
async function realign(
  cmd: ExportCommand,
  results: () => AsyncGenerator<LineResult>,
  lines: Map<number, Line>,
  eol: () => string,
  opened: (out: OutputFile) => void,
): Promise<number> {
  const candidates: RealignCandidate[] = [];
  for await (const r of results()) {
    const line = lines.get(r.line)!;
    lines.delete(r.line);
    const candidate = realignCandidate(r, line.decision);
    if (candidate) candidates.push(candidate);
  }
  const set = realignSet(candidates, cmd.realign!);
  if (set.lines.length === 0) throw new CannotRun(`${cmd.file}: no clean, valid ${set.format ?? ''} example to export`);
  const out = newFile(cmd, 'realign');
  opened(out);
  const wanted = new Set(set.lines);
  for await (const raws of readLineBatches(cmd.file)) {
    for (const r of raws) if (wanted.has(r.line)) await out.write(r.text + eol());
  }
  const file = await out.commit();
  const [lo, hi] = set.range!;
  process.stderr.write(
    [
      `persona-lens: wrote a re-alignment set of ${set.lines.length} examples to ${file}.`,
      `  Why: Wang et al. report that fine-tuning a misaligned model on a few hundred benign examples restores its alignment.`,
      `  Which: the ${set.lines.length} lowest-risk of ${set.qualified} ${set.format} examples that are valid, without warnings, not flagged and not rejected` +
        (set.lines.length < cmd.realign! ? ` (fewer than the ${cmd.realign} asked for: no more qualified)` : '') +
        '.',
      `  Risk range: ${lo.toFixed(3)} to ${hi.toFixed(3)}; the file's median risk is ${set.fileMedian!.toFixed(3)}.`,
      '',
    ].join('\n'),
  );
  return 0;
}

/** Decisions by line key from the dataset's sidecar; a damaged one stops the export (a rejection must not be missed). */
function readDecisions(file: string): Map<string, Decision> {
  const sidecar = sidecarPath(file);
  if (!existsSync(sidecar)) return new Map();
  try {
    const reviews = parseReviews(readFileSync(sidecar, 'utf8'));
    return new Map(Object.entries(reviews.decisions).map(([k, e]) => [k, e.decision]));
  } catch (e) {
    throw new CannotRun(`${sidecar}: the reviewers' decisions cannot be read (${(e as Error).message}); an export could include rejected examples, so none was written`);
  }
}

/**
 * A new output file: --output (which must not exist), or a free name beside the dataset
 * (`data.clean.jsonl`, `data.clean-2.jsonl`, ...; a `.gz` dataset's export is plain text).
 */
interface OutputFile {
  write(text: string): Promise<void>;
  /** Links the written file into place; returns its name. */
  commit(): Promise<string>;
  /** Removes what was written, unless committed. */
  abandon(): void;
}

function newFile(cmd: ExportCommand, tag: string): OutputFile {
  const plain = cmd.file.replace(/\.gz$/i, '');
  const base = cmd.format === 'csv' ? plain.replace(/(\.[^./]*)?$/, '.csv') : plain;
  const temp = join(dirname(cmd.output ?? cmd.file), `.${basename(cmd.output ?? base)}.${process.pid}.partial`);
  const stream = createWriteStream(temp, { flags: 'wx' });
  let failed: Error | null = null;
  stream.on('error', (e) => (failed ??= e));
  const cannot = () => new CannotRun(`cannot write ${temp}: ${failed!.message}`);
  let committed = false;
  return {
    abandon() {
      if (committed) return;
      stream.destroy();
      rmSync(temp, { force: true });
    },
    async write(text) {
      if (failed) throw cannot();
      if (!stream.write(text)) await once(stream, 'drain').catch(() => Promise.reject(cannot()));
    },
    async commit() {
      stream.end();
      await once(stream, 'finish').catch(() => Promise.reject(cannot()));
      try {
        // link() fails on an existing name: the export never replaces a file, even one made meanwhile.
        for (;;) {
          const target = cmd.output ?? freeName(base, tag, existsSync);
          try {
            await link(temp, target);
            committed = true;
            return target;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || cmd.output) throw new CannotRun(`cannot write ${target}: ${(e as Error).message}`);
          }
        }
      } finally {
        await unlink(temp).catch(() => {});
      }
    },
  };
}
