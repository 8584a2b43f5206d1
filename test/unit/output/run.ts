// Drives a writer the way the CLI does and returns everything it wrote.

import { summarize } from '../../../src/core/score/summary';
import type { LineResult } from '../../../src/core/score/types';
import type { OutputWriter, Write } from '../../../src/cli/output/writer';

export function run(make: (write: Write) => OutputWriter, files: Array<[string, LineResult[]]>): string {
  const chunks: string[] = [];
  const writer = make((text) => chunks.push(text));
  for (const [file, lines] of files) {
    writer.beginFile(file);
    for (const line of lines) writer.line(line);
    writer.endFile(summarize(lines));
  }
  writer.end(summarize(files.flatMap(([, lines]) => lines)));
  return chunks.join('');
}
