// Judges many examples: a few requests at a time, verdicts cached by (server,
// model, rubric version, example), each example's outcome reported as it comes,
// in any order. A failure is that example's outcome; the others go on.

import { exampleHash, ResultCache, type CacheNotice } from '../cache/resultCache';
import { JudgeFailure, type FailureKind, type JudgeOne } from './client';
import { RUBRIC_VERSION, type Verdict } from './rubric';
import type { JudgedTurn } from './turn';

export type JudgeOutcome =
  | { line: number; verdict: Verdict; cached: boolean }
  | { line: number; error: string; kind: FailureKind };

export interface JudgeRunOptions {
  judge: JudgeOne;
  /** Identifies the judge in cache keys: the server and the model. */
  server: string;
  model: string;
  cache: ResultCache<Verdict> | null;
  /** Requests in flight at once. */
  concurrency: number;
  signal?: AbortSignal;
  onOutcome: (outcome: JudgeOutcome) => void;
}

export function verdictKey(server: string, model: string, turn: JudgedTurn): string {
  return exampleHash([server, model, RUBRIC_VERSION, turn.prompt, turn.answer]);
}

/** The cache's namespace (a folder name): one per rubric version. */
export const VERDICT_CACHE = `judge-${RUBRIC_VERSION}`;

export function isVerdict(v: unknown): v is Verdict {
  const o = v as Verdict;
  return (
    typeof o === 'object' && o !== null && Number.isInteger(o.alignment) && Number.isInteger(o.coherence) && typeof o.rationale === 'string'
  );
}

/** Judges every turn (cached ones without a request); resolves when all are done or the run was cancelled. */
export async function judgeAll(turns: readonly JudgedTurn[], opts: JudgeRunOptions): Promise<void> {
  const todo: JudgedTurn[] = [];
  for (const turn of turns) {
    const hit = opts.cache?.get(verdictKey(opts.server, opts.model, turn));
    if (hit) opts.onOutcome({ line: turn.line, verdict: hit, cached: true });
    else todo.push(turn);
  }
  let next = 0;
  /** After the server refused the key, every request would be refused too: none is sent. */
  let refusedKey: JudgeFailure | null = null;
  const worker = async () => {
    while (next < todo.length && !opts.signal?.aborted) {
      const turn = todo[next++];
      if (refusedKey) {
        opts.onOutcome({ line: turn.line, error: `not sent: ${refusedKey.message}`, kind: 'auth' });
        continue;
      }
      try {
        const verdict = await opts.judge(turn, opts.signal);
        opts.cache?.set(verdictKey(opts.server, opts.model, turn), verdict);
        opts.onOutcome({ line: turn.line, verdict, cached: false });
      } catch (e) {
        // A cancelled run reports no outcome for what it did not finish.
        if (opts.signal?.aborted) return;
        const f = e instanceof JudgeFailure ? e : new JudgeFailure('server', (e as Error).message);
        if (f.kind === 'auth') refusedKey = f;
        opts.onOutcome({ line: turn.line, error: f.message, kind: f.kind });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, todo.length)) }, worker));
  opts.cache?.flush();
}

/** The verdict cache under a cache root (the CLI's and the editor's), or why it cannot open. */
export function openVerdictCache(root: string, onNotice: (n: CacheNotice) => void): ResultCache<Verdict> | { problem: string } {
  try {
    return ResultCache.open<Verdict>({ root, packHash: VERDICT_CACHE, validate: isVerdict, onNotice });
  } catch (e) {
    return { problem: `verdict cache disabled (${(e as Error).message})` };
  }
}
