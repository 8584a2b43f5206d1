// Child process of the benchmark: scans one file with one pack at a given
// thread count, exactly as the CLI does but without output or cache, and prints
// {examples, tokens, seconds, and where the seconds went} as JSON. `tokens`: the
// examples' tokens; `ranTokens`: those the model ran (the shared head's ran once).
// With a fourth argument `no-head`, the model runs every token (ScannerOptions.sharedHead).
//   node --import tsx bench/scan.ts PACK FILE THREADS [no-head]

import { parseFileBatches } from '../src/core/dataset';
import { loadPack } from '../src/core/pack/load';
import { Scanner } from '../src/core/score/scanner';
import { scanLines } from '../src/core/score/scanLines';

async function main(): Promise<void> {
  const [packDir, file, threads, head] = process.argv.slice(2);
  const pack = await loadPack(packDir, { threads: Number(threads) });
  const scanner = new Scanner(pack, { sharedHead: head !== 'no-head' });
  const t0 = performance.now();
  let examples = 0;
  for await (const r of scanLines(parseFileBatches(file), scanner)) if (r.result) examples++;
  const seconds = (performance.now() - t0) / 1000;
  const { tokens, sharedTokens, modelMs, prepareMs, saeMs, totalMs } = scanner.timing;
  console.log(
    JSON.stringify({
      examples,
      tokens: tokens + sharedTokens,
      ranTokens: tokens,
      seconds,
      modelSeconds: modelMs / 1000,
      prepareSeconds: prepareMs / 1000,
      saeSeconds: saeMs / 1000,
      // Reading and parsing the file, and handing results on, happen outside score().
      parseSeconds: seconds - totalMs / 1000,
    }),
  );
  await pack.dispose();
}

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
