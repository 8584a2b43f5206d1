// `persona-lens diff A B` and `persona-lens diff FILE --against REF`: both sides scanned
// (streamed, through the result cache), matched and compared (core/diff), the report
// written as Markdown, HTML, JSON or SARIF. Exit 1 with --fail-on-rise when risk rose
// significantly; with --fail-on-alarm also when the contamination alarm fired.

import { spawn, spawnSync } from 'node:child_process';
import { basename, dirname, resolve } from 'node:path';
import { parseFileBatches } from '../core/dataset';
import { exampleKeys, type ExampleKeys } from '../core/diff/match';
import { StatsBuilder, type ExampleFacts } from '../core/diff/datasetStats';
import { diffReport, type DiffEntry, type DiffSide } from '../core/diff/report';
import { Scanner } from '../core/score/scanner';
import { scanLines } from '../core/score/scanLines';
import { SummaryBuilder } from '../core/score/summary';
import type { DiffCommand } from './args';
import { CannotRun, INFO_URI, VERSION, checkReadable, loadPackOrFail, openCache, writeReport } from './common';
import { diffHtml } from './output/diffHtml';
import { diffMarkdown } from './output/diffMarkdown';
import { diffSarif } from './output/diffSarif';
import { outputConflict } from './outputTarget';

export async function diff(cmd: DiffCommand): Promise<number> {
  await checkReadable(cmd.files);
  const gitSide = cmd.against === null ? null : gitBlob(cmd.files[0], cmd.against);
  const { pack, path: packPath } = await loadPackOrFail(cmd.pack, cmd.threads);
  const cache = cmd.cache ? openCache(cmd.cacheDir, pack) : null;
  try {
    const conflict = cmd.output ? await outputConflict(cmd.output, cmd.files, packPath, pack.root) : null;
    if (conflict) throw new CannotRun(conflict);
    const scanner = new Scanner(pack, { cache });
    const openai = cmd.openaiModel ? openaiTokens(cmd.openaiModel) : null;
    const a = gitSide ? await scanSide(`${cmd.files[0]} at ${cmd.against}`, gitSide(), scanner, openai) : await scanSide(cmd.files[0], cmd.files[0], scanner, openai);
    const b = await scanSide(cmd.files[cmd.files.length - 1], cmd.files[cmd.files.length - 1], scanner, openai);
    const report = diffReport(a, b);
    const text =
      cmd.format === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : cmd.format === 'sarif'
          ? diffSarif(report, { a: gitSide ? null : cmd.files[0], b: cmd.files[cmd.files.length - 1] }, { toolVersion: VERSION, informationUri: INFO_URI, cwd: process.cwd() })
          : cmd.format === 'html'
            ? diffHtml(report)
            : diffMarkdown(report);
    await writeReport(cmd.output, text);
    const rose = report.significant && report.difference.meanRisk! > 0;
    return (cmd.failOnRise && rose) || (cmd.failOnAlarm && (rose || report.alarm?.fired)) ? 1 : 0;
  } finally {
    cache?.close();
    await pack.dispose();
  }
}

/** One side's scored examples, each with the keys that match it to the other side, and its statistics. */
async function scanSide(label: string, input: string | NodeJS.ReadableStream, scanner: Scanner, openai: ChatTokens | null): Promise<DiffSide> {
  const facts = new Map<number, { keys: ExampleKeys } & ExampleFacts>();
  async function* keyed() {
    for await (const batch of parseFileBatches(input)) {
      for (const l of batch) {
        if (l.example) facts.set(l.line, { keys: exampleKeys(l.example), messages: l.example.messages.length, openaiTokens: openai?.(l.example.messages) ?? null });
      }
      yield batch;
    }
  }
  const entries: DiffEntry[] = [];
  const summary = new SummaryBuilder();
  const stats = new StatsBuilder();
  for await (const r of scanLines(keyed(), scanner)) {
    summary.add(r);
    const f = facts.get(r.line);
    facts.delete(r.line);
    stats.add(r, f ?? null);
    if (r.result && f) entries.push({ line: r.line, keys: f.keys, risk: r.result.risk, level: r.result.level });
  }
  return { file: label, entries, summary: summary.summary(), stats: stats.stats() };
}

/** A named OpenAI model's billed tokens for a conversation. */
type ChatTokens = (messages: ReadonlyArray<{ role: string; content: string }>) => number;

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

/**
 * The file as it is at `ref`, read by the real git: a function that starts the read. Checked
 * first, so a file outside git, a shallow clone and a ref without the file each get a message.
 */
function gitBlob(file: string, ref: string): () => NodeJS.ReadableStream {
  const dir = dirname(resolve(file));
  const git = (args: string[]) => spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  const top = git(['rev-parse', '--show-toplevel']);
  if (top.error) throw new CannotRun(`--against needs git, which could not run: ${top.error.message}`);
  if (top.status !== 0) throw new CannotRun(`${file} is not in a git repository, so there is nothing to compare --against ${ref}`);
  const spec = `${ref}:./${basename(file)}`;
  const found = git(['cat-file', '-e', spec]);
  if (found.status !== 0) {
    const shallow = git(['rev-parse', '--is-shallow-repository']).stdout.trim() === 'true';
    const why = found.stderr.trim().split('\n')[0] || 'no such file at that ref';
    throw new CannotRun(
      `${ref} does not hold ${file} (git: ${why})` + (shallow ? '; this clone is shallow, so the ref may not have been fetched (git fetch --unshallow)' : ''),
    );
  }
  return () => spawn('git', ['-C', dir, 'cat-file', 'blob', spec], { stdio: ['ignore', 'pipe', 'ignore'] }).stdout;
}

