// The scan host: a worker thread that owns the pack and runs every scan, so
// the model never runs on the extension host's thread. Speaks protocol.ts.
//
// Scans take turns a step (a chunk of lines) at a time, the newest first: the
// document just opened or edited shows its results at once, while a long scan
// of another file waits and then goes on where it was. The lines in focus are
// scored here; the pass in order and diffs go to the bulk thread (bulkThread.ts),
// so a newer scan starts while the older one's chunk is still running there.
// This thread runs only that short work (and every chunk where the bulk thread
// cannot run), so it keeps the normal priority, and the bulk thread yields to the
// editor: at nice 10 here as well, an edited line waited out VS Code's own work
// after each edit (embedded pack, 100k-line file: re-score median 526 against 297 ms).

import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { diffReport, type DiffReport } from '../core/diff/report';
import { DIFF_LATENTS, fileSource, gitSource, sideOf, textSource, type SideSource } from '../core/diff/side';
import { SideCache } from '../core/diff/sideCache';
import { parseLine, type Example } from '../core/dataset';
import { PrefixCache } from '../core/model/prefixCache';
import type { Device } from '../core/model/session';
import { loadPack, type LoadedPack } from '../core/pack/load';
import { statedPrior } from '../core/pack/manifest';
import type { LatentsFile } from '../core/pack/types';
import type { ResultCache } from '../core/cache/resultCache';
import { Scanner, type LatentReport, type Scores } from '../core/score/scanner';
import type { ExampleScore } from '../core/score/types';
import { openScoreCache } from '../core/score/validate';
import { SummaryBuilder } from '../core/score/summary';
import { BulkLane } from './bulkLane';
import { LineCache } from './lineCache';
import { FileDiffers, UnreadFile, WorkerDocument, type ScanDocument } from './document';
import type { DiffInput, FromWorker, LineRange, NamedInfo, ToWorker } from './protocol';
import { scanText, type Score, type ScanChunk, type Scorers } from './scanText';

const port = parentPort!;
const send = (m: FromWorker) => port.postMessage(m);

interface ScanJob {
  kind: 'scan';
  id: number;
  /** The extension's key of the document. */
  key: string;
  doc: ScanDocument;
  /** Made when the scan first runs. */
  chunks?: AsyncGenerator<ScanChunk>;
  summary: SummaryBuilder;
  /** Lines to score next; null: none now. Taken between chunks. */
  focus: LineRange | null;
  /** Lines scored after the focus and before the rest (protocol.ts). */
  sample: number[];
  /** While held (protocol.ts), the model runs wait for this; `release` ends it. */
  held: Promise<void>;
  release: () => void;
  cancelled: boolean;
}

/** A comparison: its steps are both sides' scans, a chunk of lines at a time, then the report. */
interface DiffJob {
  kind: 'diff';
  id: number;
  a: DiffInput;
  b: DiffInput;
  /** Made when the diff first runs. */
  steps?: AsyncGenerator<{ side: 'a' | 'b'; lines: number }, DiffReport>;
  cancelled: boolean;
}

/** One line's latents, for the inspector. */
interface LatentsJob {
  kind: 'latents';
  id: number;
  text: string;
  cancelled: boolean;
}

/** The line with the cursor, run ahead of an edit so that the edit re-scores from there (Scanner.warm). */
interface WarmJob {
  kind: 'warm';
  id: number;
  doc: string;
  line: number;
  cancelled: boolean;
}

type Job = ScanJob | DiffJob | LatentsJob | WarmJob;

/** The pack's scanners: for scans (here, and in the bulk thread), for diffs (the latents the report needs: in the bulk thread), and for the inspector's one line (every latent). */
interface Scanners {
  /** The scorer of the lines in focus, which keeps keys and values for edits. */
  here: Scanner;
  /** A scan's sample and its pass in order. */
  bulk: Score;
  diff: Scores;
  inspect: Scanner;
}

/** Set once the pack loaded (or failed to). */
let loaded: Promise<Scanners | null> = new Promise(() => undefined);
const cache = new LineCache();
/** The open documents, by the extension's key. */
const docs = new Map<string, WorkerDocument | UnreadFile>();
/** The line (1-based) the cursor was last on in each open document, where it moved (line 1 where not). */
const cursors = new Map<string, number>();
/** Scans not finished (and warm-ups of the line with the cursor), oldest first. */
const jobs: Job[] = [];
/** The step each job is running now, if any (a cancelled job's may still be running). */
const running = new Map<Job, Promise<void>>();
/** The loaded pack, released when the scan host stops. */
let pack: LoadedPack | null = null;
/** The keys and values of lines kept for edits (the cursor's and those on screen), once the pack loaded. */
let prefixes: PrefixCache | null = null;
/** The bulk thread, once the pack loaded. */
let bulk: BulkLane | null = null;
/** The result cache shared with the CLI, when the extension asked for it. */
let diskCache: ResultCache<ExampleScore> | null = null;
/** Whole scanned sides of comparisons, beside it. */
let sideCache: SideCache | null = null;

port.on('message', (m: ToWorker) => {
  const job = 'id' in m ? jobs.find((j) => j.id === m.id) : undefined;
  switch (m.type) {
    case 'load':
      loaded = load(m.packPath, m.threads, m.cacheDir, m.device);
      break;
    case 'open':
      docs.set(m.doc, WorkerDocument.fromText(m.text));
      break;
    case 'openFile':
      docs.set(m.doc, new UnreadFile(m.file));
      break;
    case 'change':
      held(m.doc)?.apply(m.changes);
      bulk?.editing();
      break;
    case 'close':
      docs.delete(m.doc);
      cursors.delete(m.doc);
      // The kept lines (up to about 90 MB with the embedded pack) serve open documents' edits.
      if (docs.size === 0) prefixes?.clear();
      break;
    case 'scan': {
      const doc = docs.get(m.doc);
      if (!doc) {
        send({ type: 'needText', id: m.id });
        break;
      }
      let release = (): void => undefined;
      const held = m.held ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      jobs.push({ kind: 'scan', id: m.id, key: m.doc, doc: doc.snapshot(), summary: new SummaryBuilder(), focus: m.focus ?? null, sample: m.sample ?? [], held, release, cancelled: false });
      pump();
      break;
    }
    case 'release':
      if (job?.kind === 'scan') job.release();
      break;
    case 'diff':
      jobs.push({ kind: 'diff', id: m.id, a: m.a, b: m.b, cancelled: false });
      pump();
      break;
    case 'latents':
      jobs.push({ kind: 'latents', id: m.id, text: m.text, cancelled: false });
      pump();
      break;
    case 'cursor':
      // Only the newest line is worth running; one running already finishes.
      for (const j of jobs) if (j.kind === 'warm' && !running.has(j)) j.cancelled = true;
      cursors.set(m.doc, m.line);
      bulk?.editing();
      jobs.push({ kind: 'warm', id: m.id, doc: m.doc, line: m.line, cancelled: false });
      pump();
      break;
    case 'focus':
      // A scan that ended already has no use for it.
      if (job?.kind === 'scan') job.focus = m.focus;
      break;
    case 'cancel':
      if (job) cancel(job);
      break;
    case 'stop':
      void stop();
      break;
  }
});

/** The open document `key`, its saved file read now if it was not yet (one that differs is dropped). */
function held(key: string): WorkerDocument | undefined {
  const doc = docs.get(key);
  if (!(doc instanceof UnreadFile)) return doc;
  const read = doc.read();
  if (read) docs.set(key, read);
  else docs.delete(key);
  return read ?? undefined;
}

async function load(packPath: string, threads: number, cacheDir: string | null, device: Device): Promise<Scanners | null> {
  try {
    pack = await loadPack(packPath, { threads, device });
    const opened = cacheDir === null ? null : openScoreCache(cacheDir, pack.hash);
    diskCache = opened && 'problem' in opened ? null : opened;
    sideCache = diskCache && cacheDir !== null ? SideCache.of(cacheDir, pack.hash) : null;
    const { name, version } = pack.manifest;
    const { latents, calibration } = pack;
    const named = [...latents.latents.map((l) => namedInfo(l, l.index, null)), ...(latents.directions ?? []).map((d) => namedInfo(d, null, d.name))];
    send({ type: 'loaded', pack: { name, version, hash: pack.hash, thresholds: calibration.thresholds, prior: statedPrior(calibration), named }, cacheProblem: opened && 'problem' in opened ? opened.problem : null, deviceProblem: pack.model.deviceProblem });
    prefixes = new PrefixCache();
    const here = new Scanner(pack, { cache: diskCache, prefixes });
    const lane = new BulkLane(join(__dirname, 'bulk.js'), { type: 'load', packPath, threads, cacheDir, device });
    bulk = lane;
    // In the bulk thread; here only where it cannot run.
    const inBulk = (latents: LatentReport, fallback: () => Scanner) => async (examples: Example[], wanted?: () => boolean) =>
      (await lane.score(examples, latents, wanted)) ?? fallback().score(examples);
    let diffHere: Scanner | undefined;
    return {
      here,
      bulk: inBulk('none', () => here),
      diff: { score: inBulk(DIFF_LATENTS, () => (diffHere ??= new Scanner(pack!, { cache: diskCache, latents: DIFF_LATENTS }))) },
      inspect: new Scanner(pack, { cache: diskCache, latents: 'all' }),
    };
  } catch (e) {
    send({ type: 'loadFailed', message: (e as Error).message });
    return null;
  }
}

/** Examples of a named latent or direction the inspector shows. */
const NAMED_EXAMPLES = 3;

function namedInfo(about: LatentsFile['latents'][number] | NonNullable<LatentsFile['directions']>[number], latent: number | null, direction: string | null): NamedInfo {
  return { latent, direction, label: about.label, method: about.foundBy.method, examples: (about.topExamples ?? []).slice(0, NAMED_EXAMPLES).map((e) => e.text) };
}

/**
 * Starts the newest job's next step unless it is running one. Older jobs wait until the newer
 * ones end, but a newer job never waits for an older one's step: its lines in focus are scored
 * here while that step's chunk is still in the bulk thread.
 */
function pump(): void {
  void loaded.then((scanners) => {
    // Cancelled scans end at once, wherever they are in the line (their snapshots are let go).
    for (const j of jobs.filter((j) => j.cancelled)) finish(j, j.kind === 'warm' ? { type: 'warmed', id: j.id, tokens: null } : { type: 'cancelled', id: j.id });
    const job = jobs.at(-1);
    if (!job || running.has(job)) return;
    if (!scanners) {
      finish(job, { type: 'failed', id: job.id, message: 'no pack is loaded' });
      return pump();
    }
    running.set(job, step(job, scanners).finally(() => {
      running.delete(job);
      pump();
    }));
  });
}

async function step(job: Job, scanners: Scanners): Promise<void> {
  if (job.kind === 'diff') return diffStep(job, scanners.diff);
  if (job.kind === 'latents') return latentsOf(job, scanners.inspect);
  if (job.kind === 'warm') return warm(job, scanners.here);
  job.chunks ??= scanText(job.doc, heldBy(job, scorersOf(job, scanners)), cache, () => takeFocus(job), job.sample);
  try {
    const next = await job.chunks.next();
    // Cancelled while the chunk ran: pump ends it.
    if (job.cancelled) return;
    if (next.done) return finish(job, { type: 'done', id: job.id, summary: job.summary.summary() });
    const { results, inOrder } = next.value;
    if (inOrder) results.forEach((r) => job.summary.add(r));
    send({ type: 'lines', id: job.id, results });
  } catch (e) {
    // Cancelled while held (heldBy): pump ends it.
    if (job.cancelled) return;
    finish(job, e instanceof FileDiffers ? { type: 'needText', id: job.id } : { type: 'failed', id: job.id, message: (e as Error).message });
  }
}

async function latentsOf(job: LatentsJob, scanner: Scanner): Promise<void> {
  try {
    const { example } = parseLine({ line: 1, byteStart: 0, byteEnd: job.text.length, text: job.text, issues: [] });
    const [scored] = example ? await scanner.score([example]) : [];
    finish(job, { type: 'latents', id: job.id, latents: scored?.score?.latents ?? null });
  } catch (e) {
    finish(job, { type: 'failed', id: job.id, message: (e as Error).message });
  }
}

async function warm(job: WarmJob, scanner: Scanner): Promise<void> {
  let tokens = 0;
  try {
    const doc = docs.get(job.doc)?.snapshot();
    const [raw] = doc && job.line <= doc.length ? doc.raws(job.line - 1, job.line) : [];
    const example = raw && parseLine(raw).example;
    if (example) tokens = await scanner.warm(example);
  } catch {
    // A saved file that differs from the editor's (FileDiffers), or a model run that failed: the
    // edit's re-score then runs in full, and says what fails if it fails again.
  }
  finish(job, { type: 'warmed', id: job.id, tokens });
}

/** Runs a diff's next chunk: progress, or its report at the end. */
async function diffStep(job: DiffJob, scanner: Scores): Promise<void> {
  try {
    job.steps ??= diffSteps(job.a, job.b, scanner);
    const next = await job.steps.next();
    if (job.cancelled) return;
    if (next.done) finish(job, { type: 'diffDone', id: job.id, report: next.value });
    else send({ type: 'diffProgress', id: job.id, ...next.value });
  } catch (e) {
    finish(job, { type: 'failed', id: job.id, message: (e as Error).message });
  }
}

async function* diffSteps(a: DiffInput, b: DiffInput, scanner: Scores): AsyncGenerator<{ side: 'a' | 'b'; lines: number }, DiffReport> {
  // Both sides are checked before either is scanned: a ref without the file fails at once.
  const [sourceA, sourceB] = [a, b].map(sourceOf);
  const sideA = yield* tagged('a', sideOf(sourceA, () => scanner, DIFF_LATENTS, null, sideCache));
  const sideB = yield* tagged('b', sideOf(sourceB, () => scanner, DIFF_LATENTS, null, sideCache));
  return diffReport(sideA, sideB);
}

/** A side's steps (lines read so far), each said to be of `side`. */
async function* tagged<R>(side: 'a' | 'b', steps: AsyncGenerator<number, R>): AsyncGenerator<{ side: 'a' | 'b'; lines: number }, R> {
  for (;;) {
    const next = await steps.next();
    if (next.done) return next.value;
    yield { side, lines: next.value };
  }
}

/** A side: its file, its file at a git ref (checked now), or its text. */
function sourceOf(input: DiffInput): SideSource {
  if ('text' in input) return textSource(input.label, input.text);
  return input.ref === undefined ? fileSource(input.label, input.file) : gitSource(input.label, input.file, input.ref);
}

/**
 * Ends the thread once onnxruntime is idle: every scan cancelled, the chunk
 * running now finished, the pack released. (A thread ended during a model run
 * aborts the whole process: VS Code's extension host.)
 */
async function stop(): Promise<void> {
  for (const job of jobs) cancel(job);
  await Promise.all(running.values());
  await loaded;
  await bulk?.stop();
  diskCache?.close();
  await pack?.dispose();
  process.exit(0);
}

/**
 * A scan's scorers: its lines on screen here, keeping their keys and values (the nearest the
 * cursor first: PrefixCache), so that an edit there re-scores from the edit on; the rest in the
 * bulk thread.
 */
function scorersOf(job: ScanJob, { here, bulk }: Scanners): Scorers {
  return { now: (examples) => here.score(examples, (line) => Math.abs(line - (cursors.get(job.key) ?? 1))), bulk };
}

/** Scorers whose runs wait while `job` is held; a run it no longer needs (cancelled meanwhile) fails, and nothing is cached. */
function heldBy(job: ScanJob, { now, bulk }: Scorers): Scorers {
  const after = (score: Score) => (examples: Example[]) =>
    job.held.then(() => (job.cancelled ? Promise.reject(new Error('cancelled')) : score(examples, () => !job.cancelled)));
  return { now: after(now), bulk: after(bulk) };
}

/** A held scan's step waiting for its model runs ends too. */
function cancel(job: Job): void {
  job.cancelled = true;
  if (job.kind === 'scan') job.release();
}

function takeFocus(job: ScanJob): LineRange | undefined {
  const range = job.focus ?? undefined;
  job.focus = null;
  return range;
}

function finish(job: Job, last: FromWorker): void {
  const at = jobs.indexOf(job);
  if (at < 0) return; // ended already (cancelled while its step ran)
  jobs.splice(at, 1);
  send(last);
}
