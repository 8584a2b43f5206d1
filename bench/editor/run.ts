// Runs bench/editor/entry.ts in the real workbench (test/vscode/suite.ts) and
// answers its figures. Needs the tools of test/vscode/install.sh.

import * as esbuild from 'esbuild';
import { copyFileSync, writeFileSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { TOOLS } from '../../test/vscode/paths';
import { runSuite } from '../../test/vscode/suite';
import type { PhaseStalls, Repeat } from './entry';

export type { Stalls } from './entry';

export interface EditorFigures {
  lines: number;
  packLoadMs: number;
  openMs: number;
  firstColdMs: number;
  firstWarmMs: number;
  rescoreMs: number[];
  /** The same on a small file (two lines), edited before the big one opens. */
  smallRescoreMs: number[];
  /** The extension host's longest event-loop stall during each re-score. */
  rescoreStallMs: number[];
  /** From editor.edit() to the change event in the extension host: VS Code's part. */
  editMs: number[];
  stallMs: PhaseStalls & {
    withOpen: { max: number };
    /** VS Code alone: the file as plain text, not scanned, the same edits and waits. */
    baseline: PhaseStalls;
    /** The same after the measured run, with the extensions it activated still active and each edit followed by the measured run's wait for its result: the control the targets use. */
    baselineAfter: PhaseStalls;
    /** The same again, the file served as a JSON Lines document Persona Lens does not scan (bench/editor/entry.ts AloneFs). */
    baselineJsonl: PhaseStalls;
  };
  scanSeconds: number;
  /** Seconds from the editor showing the file to the first edit. */
  openSeconds: number;
  scoredDuringBench: number;
  /** The opening and edits on each of `repeats`' files, with the control on it. */
  repeats: Repeat[];
  /** The extension's own code in the extension host's CPU profile of the whole run (bench/editor/profile.ts). */
  own: { longest: number[]; totalMs: number };
}

/**
 * `repeats`: files of other lines, each opened and edited again after the run, with the
 * control on it. `profile`: a file for a CPU profile of the extension host (bench/editor/entry.ts).
 */
export async function editorBench(opts: { pack: string; file: string; repeats: string[]; out: string; scanSeconds: number; threads: number; profile?: string }): Promise<EditorFigures> {
  const entry = join(opts.out, 'editor.js');
  await esbuild.build({
    entryPoints: [join(__dirname, 'entry.ts')],
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    logLevel: 'warning',
  });
  // The benchmark edits its file (never saved): it works on a copy all the same.
  const file = join(opts.out, 'editor.jsonl');
  copyFileSync(opts.file, file);
  const repeats = opts.repeats.map((r) => join(opts.out, basename(r)));
  opts.repeats.forEach((r, i) => copyFileSync(r, repeats[i]));
  const small = join(opts.out, 'editor-small.jsonl');
  writeFileSync(small, JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }] }) + '\n');
  let figures: EditorFigures | undefined;
  const code = await runSuite({
    entry,
    run: join(TOOLS, 'bench-run'),
    env: {
      BENCH_EDITOR_PACK: opts.pack,
      BENCH_EDITOR_FILE: file,
      BENCH_EDITOR_SMALL: small,
      BENCH_EDITOR_REPEATS: repeats.join(delimiter),
      BENCH_EDITOR_SCAN_SECONDS: String(opts.scanSeconds),
      BENCH_EDITOR_THREADS: String(opts.threads),
      ...(opts.profile && { BENCH_EDITOR_PROFILE: opts.profile }),
      ...(process.env.BENCH_EDITOR_NO_MERGE_CONFLICT && { BENCH_EDITOR_NO_MERGE_CONFLICT: '1' }),
    },
    timeoutMs: 20 * 60_000,
    onLine: (line) => {
      if (line.startsWith('{')) figures = JSON.parse(line);
      else process.stderr.write(line + '\n');
    },
  });
  if (code !== 0 || !figures) throw new Error(`the editor benchmark failed (exit ${code}): see ${join(TOOLS, 'bench-run')}/browser.log`);
  return figures;
}
