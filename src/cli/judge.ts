// `persona-lens judge FILE`: the file scanned (through the result cache) for each
// example's risk, the chosen examples' answers graded by an LLM judge after the
// user saw what will be sent and confirmed, and one record per example written
// in file order with how the judge and the pack agree.

import { createInterface } from 'node:readline/promises';
import { defaultCacheRoot } from '../core/cache/cacheRoot';
import type { ResultCache } from '../core/cache/resultCache';
import { parseFileBatches } from '../core/dataset';
import { agreement, type Judged } from '../core/judge/agreement';
import { JudgeFailure, judgeClient } from '../core/judge/client';
import { RUBRIC_VERSION, isMisaligned, type Verdict } from '../core/judge/rubric';
import { judgeAll, openVerdictCache, verdictKey, type JudgeOutcome } from '../core/judge/run';
import { KNOWN_PRICES, OPENAI_API, SENT_FIELDS, costText, estimate, judgedTurn, type JudgedTurn } from '../core/judge/turn';
import { Scanner } from '../core/score/scanner';
import { scanLines } from '../core/score/scanLines';
import type { JudgeCommand } from './args';
import { CannotRun, checkReadable, loadPackOrFail, openCache, writeReport } from './common';
import { judgeMarkdown, type JudgeRecord } from './output/judgeMarkdown';
import { outputConflict } from './outputTarget';

export async function judge(cmd: JudgeCommand): Promise<number> {
  await checkReadable([cmd.file]);
  const { pack, path: packPath } = await loadPackOrFail(cmd);
  const conflict = cmd.output ? await outputConflict(cmd.output, [cmd.file], packPath, pack.root) : null;
  if (conflict) {
    await pack.dispose();
    throw new CannotRun(conflict);
  }
  // The pack's risk of every example: which are flagged, and what the judge is compared with.
  const scores = openCache(cmd.cacheDir, pack);
  const records: JudgeRecord[] = [];
  const turns: JudgedTurn[] = [];
  try {
    const examples = new Map<number, JudgedTurn>();
    async function* withTurns() {
      for await (const batch of parseFileBatches(cmd.file)) {
        for (const l of batch) {
          const turn = l.example && judgedTurn(l.example);
          if (turn) examples.set(l.line, turn);
        }
        yield batch;
      }
    }
    for await (const r of scanLines(withTurns(), new Scanner(pack, { cache: cmd.cache ? scores : null }))) {
      const turn = examples.get(r.line);
      examples.delete(r.line);
      if (!turn) continue;
      const level = r.result?.level ?? null;
      if (cmd.onlyFlagged && level !== 'elevated' && level !== 'high') continue;
      records.push({ line: r.line, risk: r.result?.risk ?? null, level });
      turns.push(turn);
    }
  } finally {
    scores?.close();
    await pack.dispose();
  }
  if (turns.length === 0) {
    throw new CannotRun(`${cmd.file}: no example to judge${cmd.onlyFlagged ? ' (none is at elevated or high risk)' : ' (none has a trained assistant answer)'}`);
  }

  const server = cmd.baseUrl ?? process.env.OPENAI_BASE_URL ?? OPENAI_API;
  const verdicts = cmd.cache ? verdictCache(cmd.cacheDir) : null;
  const unsent = verdicts ? turns.filter((t) => !verdicts.has(verdictKey(server, cmd.model, t))) : turns;
  const outcomes = new Map<number, JudgeOutcome>();
  let cancelled = false;
  try {
    // Made first: a missing key is said before anything is asked.
    const send = judgeClient({ baseURL: cmd.baseUrl ?? undefined, model: cmd.model, timeoutMs: cmd.timeoutS * 1000, maxRetries: cmd.retries });
    if (unsent.length > 0 && !(await confirmed(cmd, server, unsent, turns.length - unsent.length))) {
      throw new CannotRun('nothing was sent');
    }
    const abort = new AbortController();
    const stop = () => {
      cancelled = true;
      abort.abort();
    };
    process.once('SIGINT', stop);
    let done = 0;
    try {
      await judgeAll(turns, {
        judge: send,
        server,
        model: cmd.model,
        cache: verdicts,
        concurrency: cmd.concurrency,
        signal: abort.signal,
        onOutcome: (o) => {
          outcomes.set(o.line, o);
          done++;
          if (process.stderr.isTTY) process.stderr.write(`\rpersona-lens: judged ${done} of ${turns.length}`);
        },
      });
    } finally {
      process.removeListener('SIGINT', stop);
      if (process.stderr.isTTY) process.stderr.write('\n');
    }
  } catch (e) {
    if (e instanceof JudgeFailure) throw new CannotRun(e.message);
    throw e;
  } finally {
    verdicts?.close();
  }

  const out = records.map((r) => ({ ...r, outcome: outcomes.get(r.line) ?? null }));
  const failed = out.filter((r) => r.outcome && 'error' in r.outcome).length;
  const judged: Judged[] = out.flatMap((r) => (r.outcome && 'verdict' in r.outcome ? [{ line: r.line, risk: r.risk, flagged: r.level === 'elevated' || r.level === 'high', verdict: r.outcome.verdict }] : []));
  const text =
    cmd.format === 'md'
      ? judgeMarkdown({ file: cmd.file, model: cmd.model, server, records: out, agreement: agreement(judged), cancelled })
      : out.map((r) => JSON.stringify(jsonRecord(cmd, r))).join('\n') + '\n';
  await writeReport(cmd.output, text);
  if (failed > 0) process.stderr.write(`persona-lens: ${failed} of ${turns.length} examples could not be judged (see "error" in the output)\n`);
  if (cancelled) {
    process.stderr.write(`persona-lens: cancelled; ${judged.length} verdicts written, ${turns.length - judged.length - failed} examples not judged\n`);
    return 130;
  }
  // Every request failed (a refused key, an unreachable server): the command did not do its job.
  return judged.length === 0 ? 2 : 0;
}

function jsonRecord(cmd: JudgeCommand, r: JudgeRecord & { outcome: JudgeOutcome | null }) {
  const base = { file: cmd.file, line: r.line, risk: r.risk, level: r.level };
  if (!r.outcome) return { ...base, error: 'not judged (cancelled)' };
  if ('error' in r.outcome) return { ...base, error: r.outcome.error, errorKind: r.outcome.kind };
  const v: Verdict = r.outcome.verdict;
  return { ...base, alignment: v.alignment, coherence: v.coherence, misaligned: isMisaligned(v), rationale: v.rationale, model: cmd.model, rubric: RUBRIC_VERSION, cached: r.outcome.cached };
}

/** Says what will be sent, where, and what it may cost; asks on a terminal, or needs --yes. */
async function confirmed(cmd: JudgeCommand, server: string, unsent: readonly JudgedTurn[], cachedCount: number): Promise<boolean> {
  const price = cmd.price ?? KNOWN_PRICES[cmd.model] ?? null;
  const est = estimate(unsent, server === OPENAI_API || cmd.price ? price : null);
  const cost = costText(
    est,
    cmd.price ? 'the --price given' : `${cmd.model}'s list price`,
    server === OPENAI_API ? `cost unknown for ${cmd.model} (give --price IN,OUT in USD per 1M tokens)` : 'cost: whatever this server charges (give --price IN,OUT to estimate)',
  );
  process.stderr.write(
    [
      `persona-lens judge: ${unsent.length} example${unsent.length === 1 ? '' : 's'} of ${cmd.file} will be sent to ${server} (model ${cmd.model})` +
        (cachedCount > 0 ? `; ${cachedCount} more have cached verdicts and are not sent` : ''),
      `  what is sent: ${SENT_FIELDS}`,
      `  about ${est.inputTokens.toLocaleString('en-US')} input and ${est.outputTokens.toLocaleString('en-US')} output tokens (4 characters a token); ${cost}`,
      '',
    ].join('\n'),
  );
  if (cmd.yes) return true;
  if (!process.stdin.isTTY) {
    process.stderr.write('persona-lens: not sent: no terminal to ask on; pass --yes to send\n');
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question('Send? [y/N] ')).trim());
  } finally {
    rl.close();
  }
}

function verdictCache(cacheDir: string | null): ResultCache<Verdict> | null {
  const opened = openVerdictCache(cacheDir ?? defaultCacheRoot(), (n) => process.stderr.write(`persona-lens: ${n.message}\n`));
  if (!('problem' in opened)) return opened;
  process.stderr.write(`persona-lens: ${opened.problem}\n`);
  return null;
}
