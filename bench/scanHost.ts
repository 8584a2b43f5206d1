// Child process of the benchmark: the editor's path through the scan host
// alone, without VS Code (the extension host's own stalls are not in it), as
// the extension drives it: a saved 100k-line file opened, its first 40 lines
// in focus; then edits typed into lines on screen while the scan goes on, each
// timed to its line's new result: first with the cursor put on the line 300 ms before, as a
// person clicks there before typing (the scan host runs that line ahead: a format-9 pack then
// re-scores from the edit on), then without (an edit made some other way). Prints JSON.
//   node bench/scanHost.js WORKER PACK FILE THREADS

import { readFileSync } from 'node:fs';
import { ScanFocus, ScanHost } from '../src/worker/client';
import { checkedLines } from '../src/worker/protocol';

const FOCUS = { first: 1, last: 40 };
const EDITS = 8;

async function main(): Promise<void> {
  const [worker, pack, file, threads] = process.argv.slice(2);
  const host = await ScanHost.start(worker, pack, Number(threads));
  const lines = readFileSync(file, 'utf8').split('\n');
  const key = 'bench';
  let version = 1;
  let scan = new AbortController();
  let running: Promise<unknown> = Promise.resolve();
  const start = (onLine: (line: number) => void) => {
    scan = new AbortController();
    const source = {
      key,
      version,
      text: () => lines.join('\n'),
      // Saved only before the first edit, as in the editor.
      file: version > 1 ? undefined : () => ({ path: file, lineCount: lines.length, lines: checkedLines(lines.length, FOCUS).map((i): [number, string] => [i, lines[i]]) }),
    };
    running = host.scan(source, (results) => results.forEach((r) => onLine(r.line)), scan.signal, new ScanFocus(FOCUS));
  };

  const t0 = performance.now();
  const onScreenMs = await new Promise<number>((resolve) => {
    const seen = new Set<number>();
    start((line) => {
      if (line <= FOCUS.last && seen.add(line).size === FOCUS.last) resolve(performance.now() - t0);
    });
  });
  await new Promise((r) => setTimeout(r, 2000));

  const rescoreMs: number[] = [];
  const withoutCursorMs: number[] = [];
  for (let i = 0; i < 2 * EDITS; i++) {
    const line = 3 + i;
    const cursor = i < EDITS;
    if (cursor) {
      void host.cursor(key, line);
      await new Promise((r) => setTimeout(r, 300));
    }
    const at = lines[line - 1].lastIndexOf('."');
    lines[line - 1] = lines[line - 1].slice(0, at) + ' indeed' + lines[line - 1].slice(at);
    scan.abort();
    version++;
    const t = performance.now();
    host.change(key, version, [{ start: { line: line - 1, character: at }, end: { line: line - 1, character: at }, text: ' indeed' }]);
    const ms = await new Promise<number>((resolve) => start((l) => l === line && resolve(performance.now() - t)));
    (cursor ? rescoreMs : withoutCursorMs).push(ms);
    await new Promise((r) => setTimeout(r, 300));
  }
  scan.abort();
  await running;
  await host.dispose();
  console.log(JSON.stringify({ onScreenMs, rescoreMs, withoutCursorMs }));
}

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
