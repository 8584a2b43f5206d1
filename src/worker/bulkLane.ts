// The scan host's side of its bulk thread (bulkThread.ts). A second session of the pack costs
// memory (the embedded pack: about 180 MB more at peak), so the thread is started when a scan or
// a diff first sends it a chunk and ended when it has had nothing to do for IDLE_MS. If it
// cannot start, the scan host scores every chunk itself. While the editor is in use (an edit, the
// cursor moved to another line) it is sent nothing for QUIET_MS: at nice 10 its runs, beside VS
// Code's own work on an edit, still slowed the scan host's re-scores (README, "Performance").

import { Worker } from 'node:worker_threads';
import type { Example } from '../core/dataset';
import type { LatentReport, Scored } from '../core/score/scanner';
import { THREAD_OPTIONS, type FromBulk, type ToBulk } from './protocol';

type Load = Extract<ToBulk, { type: 'load' }>;

/** An idle bulk thread ends after this long: a finished scan's edits need no pass in order. */
const IDLE_MS = 30_000;
/** How long after the editor's last use no chunk is sent (a run already going finishes). */
const QUIET_MS = 1000;

export class BulkLane {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (s: Scored[]) => void; reject: (e: Error) => void }>();
  private worker: Worker | null = null;
  /** The thread in use: true once it loaded the pack, false if it cannot; null: none started. */
  private loading: Promise<boolean> | null = null;
  /** It could not load, or failed: never started again. */
  private failed = false;
  /** Set while the thread ends: resolves when it has. */
  private stopping: Promise<void> | null = null;
  private idle: NodeJS.Timeout | undefined;
  /** No chunk is sent before this (performance.now()): the editor is in use. */
  private quietAt = 0;

  constructor(
    /** The bundled bulkThread.ts. */
    private readonly file: string,
    private readonly load: Load,
    private readonly idleMs = IDLE_MS,
    private readonly quietMs = QUIET_MS,
  ) {}

  /** The editor is in use: chunks (and the thread's start) wait `quietMs` from now. */
  editing(): void {
    this.quietAt = performance.now() + this.quietMs;
  }

  /**
   * Scores in the bulk thread, starting it if none runs; null when it cannot run. A chunk no
   * longer `wanted` once the editor is quiet (its scan cancelled meanwhile) fails unsent.
   */
  async score(examples: Example[], latents: LatentReport, wanted: () => boolean = () => true): Promise<Scored[] | null> {
    clearTimeout(this.idle);
    for (let wait = this.quietAt - performance.now(); wait > 0; wait = this.quietAt - performance.now()) await new Promise((r) => setTimeout(r, wait));
    if (!wanted()) throw new Error('cancelled');
    if (this.stopping) await this.stopping;
    this.loading ??= this.spawn();
    if (!(await this.loading) || !this.worker) return null;
    if (this.stopping) return this.score(examples, latents); // it began to end meanwhile: the next one
    const id = this.nextId++;
    const worker = this.worker;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'score', id, examples, latents } satisfies ToBulk);
    });
  }

  /** Ends the thread once its run in flight is done; a later `score` starts a new one. */
  stop(): Promise<void> {
    clearTimeout(this.idle);
    if (!this.worker) return Promise.resolve();
    if (!this.stopping) {
      const worker = this.worker;
      this.stopping = new Promise((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'stop' } satisfies ToBulk);
    }
    return this.stopping;
  }

  private spawn(): Promise<boolean> {
    let worker: Worker;
    try {
      worker = new Worker(this.file, THREAD_OPTIONS);
    } catch {
      this.failed = true;
      return Promise.resolve(false);
    }
    this.worker = worker;
    return new Promise((resolve) => {
      worker.on('message', (m: FromBulk) => {
        if (m.type === 'loaded') {
          resolve(true);
          this.idleSoon();
        } else if (m.type === 'loadFailed') {
          this.failed = true;
          resolve(false);
          void worker.terminate(); // idle: it never ran a model
        } else this.answer(m);
      });
      worker.on('error', () => (this.failed = true));
      worker.on('exit', (code) => {
        resolve(false);
        this.worker = null;
        this.stopping = null;
        // A thread that failed stays failed (every chunk would start and fail another).
        this.loading = this.failed ? Promise.resolve(false) : null;
        clearTimeout(this.idle);
        for (const p of this.pending.values()) p.reject(new Error(`the bulk thread exited (code ${code})`));
        this.pending.clear();
      });
      worker.postMessage(this.load satisfies ToBulk);
    });
  }

  private answer(m: Extract<FromBulk, { type: 'scored' | 'failed' }>): void {
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    if (m.type === 'scored') p?.resolve(m.scored);
    else p?.reject(new Error(m.message));
    if (this.pending.size === 0) this.idleSoon();
  }

  private idleSoon(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      if (this.pending.size === 0) void this.stop();
    }, this.idleMs);
    this.idle.unref();
  }
}
