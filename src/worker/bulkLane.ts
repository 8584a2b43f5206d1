// The scan host's side of its bulk thread (bulkThread.ts). A second session of the pack costs
// memory (the embedded pack: about 180 MB more at peak), so the thread is started when a scan
// first sends it a chunk (loading it never delays the first lines on screen) and ended when it
// has had nothing to do for IDLE_MS. Until it is up, or if it cannot start, the scan host
// scores every chunk itself.

import { Worker } from 'node:worker_threads';
import type { Example } from '../core/dataset';
import type { Scored } from '../core/score/scanner';
import type { FromBulk, ToBulk } from './protocol';

type Load = Extract<ToBulk, { type: 'load' }>;

/** An idle bulk thread ends after this long: a finished scan's edits need no pass in order. */
export const IDLE_MS = 30_000;

export class BulkLane {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (s: Scored[]) => void; reject: (e: Error) => void }>();
  private worker: Worker | null = null;
  /** Loaded and not stopping: chunks go to it. */
  private ready = false;
  /** It could not load, or failed: never started again. */
  private failed = false;
  private idle: NodeJS.Timeout | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    /** The bundled bulkThread.ts. */
    private readonly file: string,
    private readonly load: Load,
    private readonly idleMs = IDLE_MS,
  ) {}

  /** Whether chunks go to the thread now; asked while none is running, it starts one. */
  get up(): boolean {
    if (!this.worker && !this.failed) this.spawn();
    return this.ready;
  }

  /** Scores in the bulk thread (only when `up`). */
  score(examples: Example[]): Promise<Scored[]> {
    clearTimeout(this.idle);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ type: 'score', id, examples } satisfies ToBulk);
    });
  }

  /** Ends the thread once its run in flight is done; `up` starts a new one. */
  async stop(): Promise<void> {
    clearTimeout(this.idle);
    this.ready = false;
    this.worker?.postMessage({ type: 'stop' } satisfies ToBulk);
    await this.exited;
  }

  private spawn(): void {
    // The same young generation as the scan host (client.ts): the model's outputs die sooner.
    let worker: Worker;
    try {
      worker = new Worker(this.file, { resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    } catch {
      this.failed = true; // the scan host scores alone, as it can
      return;
    }
    this.worker = worker;
    worker.on('message', (m: FromBulk) => this.receive(m));
    worker.on('error', () => (this.failed = true));
    this.exited = new Promise((resolve) =>
      worker.on('exit', (code) => {
        this.worker = null;
        this.ready = false;
        clearTimeout(this.idle);
        for (const p of this.pending.values()) p.reject(new Error(`the bulk thread exited (code ${code})`));
        this.pending.clear();
        resolve();
      }),
    );
    worker.postMessage(this.load satisfies ToBulk);
  }

  private receive(m: FromBulk): void {
    if (m.type === 'loaded') {
      this.ready = true;
      this.idleSoon();
    } else if (m.type === 'loadFailed') {
      this.failed = true;
      void this.worker?.terminate(); // idle: it never ran a model
    } else {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.type === 'scored') p?.resolve(m.scored);
      else p?.reject(new Error(m.message));
      if (this.pending.size === 0) this.idleSoon();
    }
  }

  private idleSoon(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => void this.stop(), this.idleMs);
    this.idle.unref();
  }
}
