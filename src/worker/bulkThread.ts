// The scan host's bulk thread (dist/bulk.js): a second model session that scores the chunks
// of scans going through a file in order, and of diffs. onnxruntime-node runs a model on the calling thread,
// so a chunk scored in the scan host holds it, and an edited line or the lines scrolled to
// waited for the chunk in flight (a long example: seconds). With this thread the scan host
// scores those at once, beside the chunk running here. Speaks ToBulk / FromBulk (protocol.ts).

import { parentPort } from 'node:worker_threads';
import type { Example } from '../core/dataset';
import type { ResultCache } from '../core/cache/resultCache';
import { loadPack, type LoadedPack } from '../core/pack/load';
import { Scanner, type LatentReport } from '../core/score/scanner';
import type { ExampleScore } from '../core/score/types';
import { openScoreCache } from '../core/score/validate';
import { yieldToTheEditor } from './priority';
import type { FromBulk, ToBulk } from './protocol';

const port = parentPort!;
yieldToTheEditor();
const send = (m: FromBulk) => port.postMessage(m);

let pack: LoadedPack | null = null;
let diskCache: ResultCache<ExampleScore> | null = null;
let loaded: Promise<LoadedPack | null> = new Promise(() => undefined);
/** A scanner for each set of latents asked for (scans: none; diffs: DIFF_LATENTS). */
const scanners = new Map<LatentReport, Scanner>();
/** Requests in the order asked: one model run at a time. */
let queue: Promise<void> = Promise.resolve();

port.on('message', (m: ToBulk) => {
  switch (m.type) {
    case 'load':
      loaded = load(m);
      break;
    case 'score':
      queue = queue.then(() => score(m.id, m.examples, m.latents));
      break;
    case 'stop':
      void stop();
      break;
  }
});

async function load(m: Extract<ToBulk, { type: 'load' }>): Promise<LoadedPack | null> {
  try {
    pack = await loadPack(m.packPath, { threads: m.threads, device: m.device });
    // The scan host reports a cache that cannot open; here it is only gone without.
    const opened = m.cacheDir === null ? null : openScoreCache(m.cacheDir, pack.hash);
    diskCache = opened && 'problem' in opened ? null : opened;
    send({ type: 'loaded' });
    return pack;
  } catch (e) {
    send({ type: 'loadFailed', message: (e as Error).message });
    return null;
  }
}

async function score(id: number, examples: Example[], latents: LatentReport): Promise<void> {
  try {
    const p = await loaded;
    if (!p) throw new Error('the bulk thread has no pack');
    let scanner = scanners.get(latents);
    if (!scanner) scanners.set(latents, (scanner = new Scanner(p, { cache: diskCache, latents })));
    send({ type: 'scored', id, scored: await scanner.score(examples) });
  } catch (e) {
    send({ type: 'failed', id, message: (e as Error).message });
  }
}

/** Ends the thread once the run in flight is done (a thread ended during a model run aborts the process). */
async function stop(): Promise<void> {
  await queue;
  await loaded;
  diskCache?.close();
  await pack?.dispose();
  process.exit(0);
}
