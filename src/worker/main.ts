// The scan host: a worker thread that owns the pack and runs every scan, so
// the model never runs on the extension host's thread. Speaks protocol.ts.

import { parentPort } from 'node:worker_threads';
import { loadPack } from '../core/pack/load';
import { Scanner } from '../core/score/scanner';
import { SummaryBuilder } from '../core/score/summary';
import { LineCache } from './lineCache';
import type { FromWorker, LineRange, ToWorker } from './protocol';
import { scanText } from './scanText';

const port = parentPort!;
const send = (m: FromWorker) => port.postMessage(m);

let scanner: Scanner | null = null;
const cache = new LineCache();
/** Scans run one after another: the model session is not shared between them. */
let queue = Promise.resolve();
/** Ids of scans cancelled before they finished; checked between chunks. */
const cancelled = new Set<number>();
/** Lines to score next (null: none now), by the id of a scan queued or running; taken between chunks. */
const focus = new Map<number, LineRange | null>();

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'load':
      queue = queue.then(() => load(m.packPath, m.threads));
      break;
    case 'scan':
      focus.set(m.id, m.focus ?? null);
      queue = queue.then(() => scan(m.id, m.text));
      break;
    case 'focus':
      // A scan that ended already has no use for it.
      if (focus.has(m.id)) focus.set(m.id, m.focus);
      break;
    case 'cancel':
      if (focus.has(m.id)) cancelled.add(m.id);
      break;
  }
});

async function load(packPath: string, threads: number): Promise<void> {
  try {
    const pack = await loadPack(packPath, { threads });
    scanner = new Scanner(pack);
    const { name, version } = pack.manifest;
    const labels = new Map(pack.latents.latents.map((l) => [l.index, l.label]));
    const readout = pack.calibration.readout.map(({ latent, weight }) => ({ latent, weight, ...(labels.has(latent) && { label: labels.get(latent) }) }));
    send({ type: 'loaded', pack: { name, version, hash: pack.hash, thresholds: pack.calibration.thresholds, readout } });
  } catch (e) {
    send({ type: 'loadFailed', message: (e as Error).message });
  }
}

async function scan(id: number, text: string): Promise<void> {
  try {
    if (!scanner) throw new Error('no pack is loaded');
    if (cancelled.has(id)) return send({ type: 'cancelled', id });
    const summary = new SummaryBuilder();
    const takeFocus = () => {
      const range = focus.get(id) ?? undefined;
      focus.set(id, null);
      return range;
    };
    for await (const { results, inOrder } of scanText(text, scanner, cache, takeFocus)) {
      if (cancelled.has(id)) return send({ type: 'cancelled', id });
      if (inOrder) results.forEach((r) => summary.add(r));
      send({ type: 'lines', id, results });
    }
    send({ type: 'done', id, summary: summary.summary() });
  } catch (e) {
    send({ type: 'failed', id, message: (e as Error).message });
  } finally {
    cancelled.delete(id);
    focus.delete(id);
  }
}
