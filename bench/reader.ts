// Child process of the benchmark: reads one file through the dataset layer and
// prints {lines, bytes, seconds, maxRssMb} as JSON. A process of its own, so its
// peak RSS is the reader's alone.
//   node --import tsx bench/reader.ts FILE lines|parse

import { statSync } from 'node:fs';
import { parseFileBatches, readLineBatches } from '../src/core/dataset';

async function main(): Promise<void> {
  const [file, mode] = process.argv.slice(2);
  const t0 = performance.now();
  let lines = 0;
  // Batches, as the CLI reads them.
  if (mode === 'lines') for await (const batch of readLineBatches(file)) lines += batch.length;
  else for await (const batch of parseFileBatches(file)) lines += batch.length;
  const seconds = (performance.now() - t0) / 1000;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ lines, bytes: statSync(file).size, seconds, maxRssMb }));
}

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
