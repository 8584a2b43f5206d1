// The extension host's side of the scan host: starts the worker thread, loads
// the pack, and turns the message protocol into promises. No `vscode` here, so
// unit tests can drive the real worker.

import { Worker } from 'node:worker_threads';
// In the spawning thread: a worker's process.env is its own copy, which onnxruntime's native code never reads.
import '../core/model/ortEnv';
import type { DiffReport } from '../core/diff/report';
import type { Device } from '../core/model/session';
import type { DatasetSummary, LatentHit, LineResult } from '../core/score/types';
import { THREAD_OPTIONS, type DiffInput, type FromWorker, type LineRange, type PackInfo, type SavedFile, type TextChange, type ToWorker } from './protocol';

/**
 * A document to scan: its key (the uri), its version, and its text at that
 * version, asked for only when the scan host lacks it and cannot read the
 * document's saved file (`file`, when the document is that file unchanged).
 */
export interface ScanSource {
  key: string;
  version: number;
  text(): string;
  file?(): SavedFile | undefined;
}

/** The lines a scan should score first (those on screen); moving it redirects a running scan. */
export class ScanFocus {
  private listener?: (range: LineRange) => void;

  constructor(private current?: LineRange) {}

  get range(): LineRange | undefined {
    return this.current;
  }

  move(range: LineRange): void {
    this.current = range;
    this.listener?.(range);
  }

  /** The scan host follows moves while a scan runs; `undefined` stops it. */
  follow(listener: ((range: LineRange) => void) | undefined): void {
    this.listener = listener;
  }
}

interface PendingScan {
  onLines: (results: LineResult[]) => void;
  settle: (summary: DatasetSummary | null, error?: Error) => void;
  /** The worker lacks the document (its saved file was not what the editor has). */
  needText: () => void;
}

interface PendingDiff {
  onProgress: (side: 'a' | 'b', lines: number) => void;
  settle: (report: DiffReport | null, error?: Error) => void;
}

export class ScanHost {
  private nextId = 1;
  private readonly scans = new Map<number, PendingScan>();
  private readonly diffs = new Map<number, PendingDiff>();
  private readonly latentAsks = new Map<number, (latents: LatentHit[] | null, error?: Error) => void>();
  private readonly warmAsks = new Map<number, (tokens: number | null) => void>();
  /** The version of each document the worker holds. */
  private readonly docs = new Map<string, number>();
  /** Set once the worker has died; every later scan fails with it. */
  private dead: Error | null = null;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    readonly pack: PackInfo,
    /** Why the result cache could not open, if it could not. */
    readonly cacheProblem: string | null,
    /** Why the model runs on the CPU though another device was asked for. */
    readonly deviceProblem: string | null,
  ) {
    worker.on('message', (m: FromWorker) => this.receive(m));
    worker.on('error', (e) => this.die(e));
    this.exited = new Promise((resolve) =>
      worker.on('exit', (code) => {
        this.die(new Error(`the scan host exited (code ${code})`));
        resolve();
      }),
    );
  }

  /**
   * Starts the worker (`workerFile`: the bundled src/worker/main.ts) and loads the pack in it;
   * with `cacheDir`, scores are read from and written to the result cache the CLI uses there.
   */
  static start(workerFile: string, packPath: string, threads: number, cacheDir: string | null = null, device: Device = 'cpu'): Promise<ScanHost> {
    const worker = new Worker(workerFile, THREAD_OPTIONS);
    const send = (m: ToWorker) => worker.postMessage(m);
    return new Promise((resolve, reject) => {
      const fail = (e: Error) => {
        worker.off('error', fail).off('exit', exited);
        void worker.terminate();
        reject(e);
      };
      const exited = (code: number) => fail(new Error(`the scan host exited (code ${code}) before the pack loaded`));
      worker.once('error', fail).once('exit', exited);
      worker.once('message', (m: FromWorker) => {
        if (m.type !== 'loaded') return fail(new Error(m.type === 'loadFailed' ? m.message : `unexpected ${m.type} before the pack loaded`));
        worker.off('error', fail).off('exit', exited);
        resolve(new ScanHost(worker, m.pack, m.cacheProblem, m.deviceProblem));
      });
      send({ type: 'load', packPath, threads, cacheDir, device });
    });
  }

  /**
   * Scans a document, having the worker read its saved file or sending its
   * text first, unless the worker holds this version. `onLines` gets the
   * results as they stream: in input order, but the lines in `focus` first, then the
   * `sample` lines (see protocol.ts). With `settled`, the model runs wait for it (lines from the
   * caches do not). Resolves with the summary, or null when `signal` aborted the scan.
   */
  scan(source: ScanSource, onLines: (results: LineResult[]) => void, signal?: AbortSignal, focus?: ScanFocus, sample?: number[], settled?: Promise<void>): Promise<DatasetSummary | null> {
    if (this.dead) return Promise.reject(this.dead);
    if (signal?.aborted) return Promise.resolve(null);
    if (this.docs.get(source.key) !== source.version) this.open(source);
    const id = this.nextId++;
    let held = settled !== undefined;
    void settled?.then(() => {
      held = false;
      if (this.scans.has(id)) this.post({ type: 'release', id });
    });
    const request = () => this.post({ type: 'scan', id, doc: source.key, focus: focus?.range, sample, held });
    const cancel = () => this.post({ type: 'cancel', id });
    signal?.addEventListener('abort', cancel, { once: true });
    return new Promise((resolve, reject) => {
      const settle = (summary: DatasetSummary | null, error?: Error) => {
        this.scans.delete(id);
        signal?.removeEventListener('abort', cancel);
        focus?.follow(undefined);
        if (error) reject(error);
        else resolve(summary);
      };
      this.scans.set(id, {
        onLines,
        settle,
        needText: () => {
          // Aborted: an edit made the text newer than this scan's version; the edit's own scan follows.
          if (signal?.aborted) return settle(null);
          this.sendText(source);
          request();
        },
      });
      request();
      focus?.follow((range) => this.post({ type: 'focus', id, focus: range }));
    });
  }

  /**
   * Compares two datasets in the worker (core/diff), taking turns with scans. `onProgress`
   * hears how many lines of each side were read. Resolves with the report, or null when
   * `signal` aborted it; rejects with what went wrong (a ref without the file, say).
   */
  diff(a: DiffInput, b: DiffInput, onProgress: (side: 'a' | 'b', lines: number) => void, signal?: AbortSignal): Promise<DiffReport | null> {
    if (this.dead) return Promise.reject(this.dead);
    if (signal?.aborted) return Promise.resolve(null);
    const id = this.nextId++;
    const cancel = () => this.post({ type: 'cancel', id });
    signal?.addEventListener('abort', cancel, { once: true });
    return new Promise((resolve, reject) => {
      this.diffs.set(id, {
        onProgress,
        settle: (report, error) => {
          this.diffs.delete(id);
          signal?.removeEventListener('abort', cancel);
          if (error) reject(error);
          else resolve(report);
        },
      });
      this.post({ type: 'diff', id, a, b });
    });
  }

  /** A line's strongest latents and every named one that fired, in its turn among the scans; null for a line that is no example. */
  latents(text: string): Promise<LatentHit[] | null> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.latentAsks.set(id, (latents, error) => {
        this.latentAsks.delete(id);
        if (error) reject(error);
        else resolve(latents);
      });
      this.post({ type: 'latents', id, text });
    });
  }

  /**
   * The worker is to hold the document from now on (edits made meanwhile follow
   * it): read from its saved file when there is one, else sent whole.
   */
  private open(source: ScanSource): void {
    const file = source.file?.();
    if (!file) return this.sendText(source);
    this.post({ type: 'openFile', doc: source.key, file });
    this.docs.set(source.key, source.version);
  }

  private sendText(source: ScanSource): void {
    this.post({ type: 'open', doc: source.key, text: source.text() });
    this.docs.set(source.key, source.version);
  }

  /**
   * A document the worker holds was edited (to `version`): the worker applies
   * the change. One it holds at another version is dropped, to be sent whole
   * with its next scan.
   */
  change(key: string, version: number, changes: readonly TextChange[]): void {
    const held = this.docs.get(key);
    if (held === undefined) return;
    if (held === version - 1) {
      this.post({ type: 'change', doc: key, changes: [...changes] });
      this.docs.set(key, version);
    } else this.close(key);
  }

  /**
   * The cursor is on `line` (1-based) of a document the worker holds: it runs that line ahead of
   * an edit. Resolves with the tokens it keeps (0: nothing to keep), or null when a later cursor
   * came first or the worker does not hold the document.
   */
  cursor(key: string, line: number): Promise<number | null> {
    if (this.dead || !this.docs.has(key)) return Promise.resolve(null);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.warmAsks.set(id, resolve);
      this.post({ type: 'cursor', id, doc: key, line });
    });
  }

  /** The worker forgets the document. */
  close(key: string): void {
    if (this.docs.delete(key)) this.post({ type: 'close', doc: key });
  }

  /**
   * Stops the worker: it finishes the chunk it is scoring, releases the pack
   * and exits. It is never terminated: ending a thread during a model run aborts
   * the whole process (the extension host). Under load the bulk thread's chunk (at
   * nice 10) can take a minute; a forced end after 30 s aborted the scan-host bench's
   * process in 2 runs of 2 beside two busy loops.
   */
  async dispose(): Promise<void> {
    this.die(new Error('the scan host was stopped'));
    this.worker.postMessage({ type: 'stop' } satisfies ToWorker);
    await this.exited;
  }

  private post(m: ToWorker): void {
    if (!this.dead) this.worker.postMessage(m);
  }

  private receive(m: FromWorker): void {
    if (m.type === 'loaded' || m.type === 'loadFailed') return;
    const warmed = this.warmAsks.get(m.id);
    if (warmed) {
      this.warmAsks.delete(m.id);
      return warmed(m.type === 'warmed' ? m.tokens : null);
    }
    const asked = this.latentAsks.get(m.id);
    if (asked) {
      if (m.type === 'latents') asked(m.latents);
      else if (m.type === 'failed') asked(null, new Error(m.message));
      return;
    }
    const diff = this.diffs.get(m.id);
    if (diff) {
      if (m.type === 'diffProgress') diff.onProgress(m.side, m.lines);
      else if (m.type === 'diffDone') diff.settle(m.report);
      else if (m.type === 'cancelled') diff.settle(null);
      else if (m.type === 'failed') diff.settle(null, new Error(m.message));
      return;
    }
    const scan = this.scans.get(m.id);
    if (!scan) return;
    switch (m.type) {
      case 'lines':
        scan.onLines(m.results);
        break;
      case 'done':
        scan.settle(m.summary);
        break;
      case 'cancelled':
        scan.settle(null);
        break;
      case 'failed':
        scan.settle(null, new Error(m.message));
        break;
      case 'needText':
        scan.needText();
        break;
      default:
        break;
    }
  }

  private die(error: Error): void {
    if (this.dead) return;
    this.dead = error;
    for (const scan of [...this.scans.values()]) scan.settle(null, error);
    for (const diff of [...this.diffs.values()]) diff.settle(null, error);
    for (const asked of [...this.latentAsks.values()]) asked(null, error);
    for (const warmed of this.warmAsks.values()) warmed(null);
    this.warmAsks.clear();
  }
}
