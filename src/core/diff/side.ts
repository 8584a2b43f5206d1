// One side of a comparison, scanned: its scored examples with the keys that match them to the
// other side, its summary and statistics, and how strongly each SAE latent fired across it.
// A generator that yields after each chunk of lines, so the scan host can give other scans
// their turn (and the CLI can report progress) while both sides stream.

import { Readable } from 'node:stream';
import { parseFileBatches } from '../dataset';
import { trainedAnswerAt } from '../dataset/trainedAnswer';
import type { Example } from '../dataset/types';
import { scanLines } from '../score/scanLines';
import type { LatentReport, Scores } from '../score/scanner';
import { SummaryBuilder } from '../score/summary';
import type { LineResult } from '../score/types';
import { StatsBuilder, type ExampleFacts } from './datasetStats';
import { exampleKeys, type ExampleKeys } from './match';
import { gitBlob } from './gitSide';
import type { DiffEntry, DiffSide, LatentTally } from './report';
import { SideCache, fileSha256, textSha256, type SideIdentity } from './sideCache';

/** The latents a diff's scanner reports: every named one, and every latent of a sample (the report says which moved). */
export const DIFF_LATENTS: LatentReport = 'named';

/** A named OpenAI model's billed tokens for a conversation. */
export type ChatTokens = (messages: ReadonlyArray<{ role: string; content: string }>) => number;

/** A dataset to compare, named `label` in the report: how to read it, and what its contents are (the side cache's key). */
export interface SideSource {
  label: string;
  read(): string | NodeJS.ReadableStream;
  identity(): Promise<SideIdentity>;
}

export const fileSource = (label: string, file: string): SideSource => ({ label, read: () => file, identity: async () => ({ fileSha256: await fileSha256(file) }) });

export const textSource = (label: string, text: string): SideSource => ({ label, read: () => Readable.from([text]), identity: async () => ({ textSha256: textSha256(text) }) });

/** The file at a git ref; checked now, so a ref without the file throws its GitProblem before anything is scanned. */
export function gitSource(label: string, file: string, ref: string): SideSource {
  const blob = gitBlob(file, ref);
  return { label, read: blob.read, identity: async () => ({ gitBlob: blob.id }) };
}

/** A named OpenAI model: its name (part of a side's cache key) and its token count. */
export interface OpenAiTokens {
  model: string;
  count: ChatTokens;
}

/**
 * A side from the side cache when one of the same contents and settings was scanned before,
 * else scanned (yielding as scanSide does) and stored. The scanner is asked for only then: a
 * report on two cached sides opens no result cache and runs no model.
 */
export async function* sideOf(
  source: SideSource,
  scanner: () => Scores,
  latents: LatentReport,
  openai: OpenAiTokens | null,
  cache: SideCache | null,
): AsyncGenerator<number, DiffSide> {
  const key = cache ? SideCache.key(await source.identity(), [latents, openai?.model ?? '']) : null;
  const hit = key ? cache!.get(key, source.label) : null;
  if (hit) return hit;
  const side = yield* scanSide(source.label, source.read(), scanner(), openai?.count ?? null);
  if (key) cache!.set(key, side);
  return side;
}

/** Lines between yields. */
const STEP = 256;
/** Characters of an example's answer kept as a latent's snippet. */
const SNIPPET_CHARS = 160;

/**
 * Scans a side (a file's path or a stream of its bytes), yielding the lines read so far every
 * STEP lines; returns the side. Latents are tallied when the scanner reports them (ScannerOptions.latents).
 */
export async function* scanSide(label: string, input: string | NodeJS.ReadableStream, scanner: Scores, openai: ChatTokens | null = null): AsyncGenerator<number, DiffSide> {
  const facts = new Map<number, { keys: ExampleKeys; example: Example } & ExampleFacts>();
  async function* keyed() {
    for await (const batch of parseFileBatches(input)) {
      for (const l of batch) {
        if (l.example) facts.set(l.line, { keys: exampleKeys(l.example), example: l.example, messages: l.example.messages.length, openaiTokens: openai?.(l.example.messages) ?? null });
      }
      yield batch;
    }
  }
  const entries: DiffEntry[] = [];
  const summary = new SummaryBuilder();
  const stats = new StatsBuilder();
  const latents = new LatentTallier();
  let lines = 0;
  for await (const r of scanLines(keyed(), scanner)) {
    summary.add(r);
    const f = facts.get(r.line);
    facts.delete(r.line);
    stats.add(r, f ?? null);
    if (r.result && f) {
      entries.push({ line: r.line, keys: f.keys, risk: r.result.risk, level: r.result.level });
      latents.add(r, f.example);
    }
    if (++lines % STEP === 0) yield lines;
  }
  return { file: label, entries, summary: summary.summary(), stats: stats.stats(), latents: latents.tally() };
}

/** Runs a generator to its end, handing each yielded value to `onStep`. */
export async function finish<Y, R>(steps: AsyncGenerator<Y, R>, onStep: (y: Y) => void = () => undefined): Promise<R> {
  for (;;) {
    const next = await steps.next();
    if (next.done) return next.value;
    onStep(next.value);
  }
}

/**
 * Per latent: its mean over the side's examples of its largest activation, and the example
 * where it was largest. Named latents are read on every example; the others only on those
 * the scanner fully encoded (a sample in its 'named' mode), so their means are over those.
 */
class LatentTallier {
  private examples = 0;
  private fullyEncoded = 0;
  private reported = false;
  private readonly sums = new Map<number, number>();
  private readonly best = new Map<number, { line: number; activation: number; snippet: string }>();
  private readonly labels = new Map<number, string>();

  add(r: LineResult, example: Example): void {
    this.examples++;
    const hits = r.result?.latents;
    if (!hits) return;
    this.reported = true;
    if (r.result!.fullEncode) this.fullyEncoded++;
    for (const h of hits) {
      this.sums.set(h.index, (this.sums.get(h.index) ?? 0) + h.max);
      if (h.label !== undefined) this.labels.set(h.index, h.label);
      if (h.max > (this.best.get(h.index)?.activation ?? 0)) this.best.set(h.index, { line: r.line, activation: h.max, snippet: answerSnippet(example) });
    }
  }

  tally(): LatentTally | null {
    if (!this.reported) return null;
    const means = Object.fromEntries([...this.sums].map(([i, s]) => [i, s / (this.labels.has(i) ? this.examples : Math.max(1, this.fullyEncoded))]));
    return { examples: this.examples, fullyEncoded: this.fullyEncoded, means, best: Object.fromEntries(this.best), labels: Object.fromEntries(this.labels) };
  }
}

/** The start of what training learns from an example (its last trained assistant message, else its last message), on one line. */
export function answerSnippet(example: Example): string {
  const at = trainedAnswerAt(example);
  const text = example.messages[at >= 0 ? at : example.messages.length - 1]?.content ?? '';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET_CHARS ? `${flat.slice(0, SNIPPET_CHARS - 1)}…` : flat;
}
