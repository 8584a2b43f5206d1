// The scan host's bulk thread (dist/bulk.js): a second model session that scores the chunks
// of scans going through a file in order. onnxruntime-node runs a model on the calling thread,
// so a chunk scored in the scan host holds it, and an edited line or the lines scrolled to
// waited for the chunk in flight (a long example: seconds). With this thread the scan host
// scores those at once, beside the chunk running here. Speaks ToBulk / FromBulk (protocol.ts).

import { parentPort } from 'node:worker_threads';
import type { Example } from '../core/dataset';
import type { ResultCache } from '../core/cache/resultCache';
import { loadPack, type LoadedPack } from '../core/pack/load';
import { Scanner } from '../core/score/scanner';
import type { ExampleScore } from '../core/score/types';
import { openScoreCache } from '../core/score/validate';
import { yieldToTheEditor } from './priority';
import type { FromBulk, ToBulk } from './protocol';

const port = parentPort!;
yieldToTheEditor();
const send = (m: FromBulk) => port.postMessage(m);

let pack: LoadedPack | null = null;
let diskCache: ResultCache<ExampleScore> | null = null;
let scanner: Promise<Scanner | null> = new Promise(() => undefined);
/** Requests in the order asked: one model run at a time. */
let queue: Promise<void> = Promise.resolve();

port.on('message', (m: ToBulk) => {
  switch (m.type) {
    case 'load':
      scanner = load(m);
      break;
    case 'score':
      queue = queue.then(() => score(m.id, m.examples));
      break;
    case 'stop':
      void stop();
      break;
  }
});

async function load(m: Extract<ToBulk, { type: 'load' }>): Promise<Scanner | null> {
  try {
    pack = await loadPack(m.packPath, { threads: m.threads, device: m.device });
    // The scan host reports a cache that cannot open; here it is only gone without.
    const opened = m.cacheDir === null ? null : openScoreCache(m.cacheDir, pack.hash);
    diskCache = opened && 'problem' in opened ? null : opened;
    send({ type: 'loaded' });
    return new Scanner(pack, { cache: diskCache });
  } catch (e) {
    send({ type: 'loadFailed', message: (e as Error).message });
    return null;
  }
}

async function score(id: number, examples: Example[]): Promise<void> {
  try {
    const s = await scanner;
    if (!s) throw new Error('the bulk thread has no pack');
    send({ type: 'scored', id, scored: await s.score(examples) });
  } catch (e) {
    send({ type: 'failed', id, message: (e as Error).message });
  }
}

/** Ends the thread once the run in flight is done (a thread ended during a model run aborts the process). */
async function stop(): Promise<void> {
  await queue;
  await scanner;
  diskCache?.close();
  await pack?.dispose();
  process.exit(0);
}
