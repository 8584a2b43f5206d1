// Who had the cores during an extension-host stall (Linux): a thread of its own samples, every
// SAMPLE_MS, the scheduler's counts of each thread of this process (/proc/self/task/*/schedstat:
// ns on a core, ns waiting for one) and the machine's busy time (/proc/stat). A stall in which
// the extension host's thread waited for a core is contention (the scan host's threads, say);
// one in which it ran is work in that thread (VS Code's or the extension's).

import { Worker } from 'node:worker_threads';

const SAMPLE_MS = 5;
/** Samples older than this are let go. */
const KEEP_MS = 120_000;

/** process.hrtime in ms: the clock of both threads and of V8's CPU profiles. */
export const hrMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Where a stretch of time went, in ms. */
export interface StallCause {
  /** The extension host's thread on a core, and waiting for one. */
  main: { run: number; wait: number };
  /** The process's other threads on a core, by name (the scan host and its bulk thread among them), the busiest first. */
  threads: { name: string; run: number }[];
  /** Every core of the machine busy, all processes (a 10 ms tick). */
  machine: number;
  /** Of which the hypervisor ran something else on the machine's cores (steal time). */
  steal: number;
}

interface Sample {
  /** hrMs(). */
  at: number;
  /** tid → [name, ns on a core, ns waiting]. */
  tasks: Record<string, [string, number, number]>;
  /** Busy jiffies of all cores, and stolen ones among them. */
  busy: number;
  steal: number;
}

// The sampler: a thread of its own, so that it samples while the extension host's thread is stalled.
const SAMPLER = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
// Files kept open and read at offset 0: a sample costs little of the cores it measures.
const self = fs.readlinkSync('/proc/thread-self').split('/').pop();
const tasks = new Map();
const buf = Buffer.alloc(4096);
const stat = fs.openSync('/proc/stat', 'r');
const samples = [];
let n = 0;
const text = (fd) => buf.toString('utf8', 0, fs.readSync(fd, buf, 0, buf.length, 0));
function findTasks() {
  for (const tid of fs.readdirSync('/proc/self/task')) {
    if (tid === self || tasks.has(tid)) continue;
    try {
      const name = fs.readFileSync('/proc/self/task/' + tid + '/comm', 'utf8').trim();
      tasks.set(tid, { name, fd: fs.openSync('/proc/self/task/' + tid + '/schedstat', 'r') });
    } catch {}
  }
}
function sample() {
  if (n++ % 20 === 0) findTasks();
  const now = {};
  for (const [tid, t] of tasks) {
    try {
      const [run, wait] = text(t.fd).split(' ').map(Number);
      now[tid] = [t.name, run, wait];
    } catch {
      fs.closeSync(t.fd);
      tasks.delete(tid);
    }
  }
  const cpu = text(stat).split('\\n')[0].trim().split(/\\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice (guest time is in user's)
  const busy = cpu.slice(0, 8).reduce((a, b) => a + b, 0) - cpu[3] - cpu[4];
  const at = Number(process.hrtime.bigint()) / 1e6;
  samples.push({ at, tasks: now, busy, steal: cpu[7] });
  while (samples[0].at < at - ${KEEP_MS}) samples.shift();
}
sample();
setInterval(sample, ${SAMPLE_MS});
// The samples around a stretch: the last before it to the first after (taken now).
parentPort.on('message', ({ id, from, to }) => {
  sample();
  const first = samples.findLastIndex((s) => s.at <= from);
  const last = samples.findIndex((s) => s.at >= to);
  parentPort.postMessage({ id, samples: first < 0 || last < 0 ? [] : [samples[first], samples[last]] });
});
`;

const JIFFY_MS = 10;

/** Samples the scheduler's counts from its start on (the last KEEP_MS). */
export class SchedSampler {
  private readonly worker: Worker;
  private nextId = 1;

  private constructor() {
    this.worker = new Worker(SAMPLER, { eval: true });
    this.worker.unref();
  }

  static create(): SchedSampler | null {
    return process.platform === 'linux' ? new SchedSampler() : null;
  }

  /** Where the time from `from` to `to` (hrMs) went. */
  cause(from: number, to: number): Promise<StallCause | null> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const answer = (m: { id: number; samples: Sample[] }) => {
        if (m.id !== id) return;
        this.worker.off('message', answer);
        resolve(m.samples.length === 2 ? causeOf(m.samples[0], m.samples[1]) : null);
      };
      this.worker.on('message', answer);
      this.worker.postMessage({ id, from, to });
    });
  }
}

/** Where the time between two samples went. */
function causeOf(a: Sample, b: Sample): StallCause {
  const ms = (ns: number) => Math.round(ns / 1e6);
  const main = String(process.pid);
  const threads = new Map<string, number>();
  for (const [tid, [name, run]] of Object.entries(b.tasks)) {
    if (tid === main) continue;
    // A thread started within the stretch counts from zero.
    const before = a.tasks[tid]?.[1] ?? 0;
    if (run > before) threads.set(name, (threads.get(name) ?? 0) + run - before);
  }
  return {
    main: { run: ms(b.tasks[main][1] - a.tasks[main][1]), wait: ms(b.tasks[main][2] - a.tasks[main][2]) },
    threads: [...threads].map(([name, run]) => ({ name, run: ms(run) })).filter((t) => t.run > 0).sort((x, y) => y.run - x.run),
    machine: (b.busy - a.busy) * JIFFY_MS,
    steal: (b.steal - a.steal) * JIFFY_MS,
  };
}

export function describeCause(c: StallCause | null): string {
  if (!c) return 'not sampled';
  const threads = c.threads.slice(0, 4).map((t) => `${t.name} ${t.run}`).join(', ') || 'none';
  return `its thread ran ${c.main.run} ms, waited ${c.main.wait} ms for a core; its other threads ran ${threads} ms; all cores busy ${c.machine} ms (stolen by the hypervisor ${c.steal} ms)`;
}
