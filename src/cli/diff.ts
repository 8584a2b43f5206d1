// `persona-lens diff A B` and `persona-lens diff FILE --against REF`: both sides scanned
// (streamed, through the result cache), matched and compared (core/diff), the report
// written as Markdown, HTML, JSON or SARIF. Exit 1 with --fail-on-rise when risk rose
// significantly; with --fail-on-alarm also when the contamination alarm fired.

import { GitProblem } from '../core/diff/gitSide';
import { diffReport } from '../core/diff/report';
import { fileSource, finish, gitSource, sideOf, type ChatTokens, type SideSource } from '../core/diff/side';
import { SideCache } from '../core/diff/sideCache';
import { defaultCacheRoot } from '../core/cache/cacheRoot';
import type { ResultCache } from '../core/cache/resultCache';
import { DIFF_LATENTS } from '../core/diff/side';
import { Scanner } from '../core/score/scanner';
import type { ExampleScore } from '../core/score/types';
import type { DiffCommand } from './args';
import { CannotRun, INFO_URI, VERSION, checkReadable, loadPackOrFail, openCache, writeReport } from './common';
import { diffHtml } from '../core/diff/render/html';
import { diffMarkdown } from '../core/diff/render/markdown';
import { diffSarif } from './output/diffSarif';
import { outputConflict } from './outputTarget';

export async function diff(cmd: DiffCommand): Promise<number> {
  await checkReadable(cmd.files);
  const last = cmd.files[cmd.files.length - 1];
  const gitSide = cmd.against !== null;
  const sourceA = gitSide ? atRef(cmd.files[0], cmd.against!) : fileSource(cmd.files[0], cmd.files[0]);
  const { pack, path: packPath } = await loadPackOrFail(cmd);
  // Opened only when a side is not in the side cache (indexing a large result cache takes a while).
  let cache: ResultCache<ExampleScore> | null = null;
  let scanner: Scanner | null = null;
  const scan = () => {
    cache ??= cmd.cache ? openCache(cmd.cacheDir, pack) : null;
    // The named latents of every example, and every latent of a sample: the report says which moved.
    return (scanner ??= new Scanner(pack, { cache, latents: DIFF_LATENTS }));
  };
  try {
    const conflict = cmd.output ? await outputConflict(cmd.output, cmd.files, packPath, pack.root) : null;
    if (conflict) throw new CannotRun(conflict);
    const openai = cmd.openaiModel ? { model: cmd.openaiModel, count: openaiTokens(cmd.openaiModel) } : null;
    const sides = cmd.cache ? SideCache.of(cmd.cacheDir ?? defaultCacheRoot(), pack.hash) : null;
    const a = await finish(sideOf(sourceA, scan, DIFF_LATENTS, openai, sides));
    const b = await finish(sideOf(fileSource(last, last), scan, DIFF_LATENTS, openai, sides));
    const report = diffReport(a, b);
    const text =
      cmd.format === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : cmd.format === 'sarif'
          ? diffSarif(report, { a: gitSide ? null : cmd.files[0], b: last }, { toolVersion: VERSION, informationUri: INFO_URI, cwd: process.cwd() })
          : cmd.format === 'html'
            ? diffHtml(report)
            : diffMarkdown(report);
    await writeReport(cmd.output, text);
    const rose = report.significant && report.difference.meanRisk! > 0;
    return (cmd.failOnRise && rose) || (cmd.failOnAlarm && (rose || report.alarm?.fired)) ? 1 : 0;
  } finally {
    (cache as ResultCache<ExampleScore> | null)?.close();
    await pack.dispose();
  }
}

/**
 * The tokenizer of an OpenAI model, from the maintained `gpt-tokenizer` package (one module a
 * model, loaded only when named), or CannotRun naming the problem.
 */
function openaiTokens(model: string): ChatTokens {
  let api: { encodeChat(chat: Array<{ role: string; content: string }>): number[] };
  try {
    if (!/^[\w.-]+$/.test(model)) throw new Error('not a model name');
    api = require(`gpt-tokenizer/model/${model}`);
  } catch {
    throw new CannotRun(`--openai-model ${model}: gpt-tokenizer knows no such model (e.g. gpt-4o-mini, gpt-4.1, gpt-3.5-turbo)`);
  }
  const roles = new Set(['system', 'user', 'assistant']);
  return (messages) => api.encodeChat(messages.map((m) => ({ role: roles.has(m.role) ? m.role : 'user', content: m.content }))).length;
}

/** The old side at a git ref, or CannotRun saying why git cannot give it. */
function atRef(file: string, ref: string): SideSource {
  try {
    return gitSource(`${file} at ${ref}`, file, ref);
  } catch (e) {
    throw e instanceof GitProblem ? new CannotRun(e.message) : e;
  }
}
