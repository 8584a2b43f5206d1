// VS Code's own work on a large document just shown comes before the model runs of its first
// scan. Link detection runs over the whole text in the extension host's thread a moment after
// the editor shows it (100k lines, 38 MB: 0.2-0.4 s, starting 0.1-0.5 s after), and with the
// model running beside it on 2 cores it took 0.35-0.55 s (editor bench). That work shows as
// this thread's timers coming late, so the model waits for the first long stall to end, or
// `mostMs` if none comes (lines already in a cache come at once).

/** A timer this late means the thread ran a long task meanwhile. */
const STALL_MS = 100;
const TICK_MS = 20;

/** Resolves just after this thread's first stall of STALL_MS or more ends, or after `mostMs`. */
export function afterFirstStall(mostMs: number): Promise<void> {
  const start = performance.now();
  return new Promise((resolve) => {
    let last = start;
    const tick = () => {
      const now = performance.now();
      if (now - last - TICK_MS >= STALL_MS || now - start >= mostMs) return resolve();
      last = now;
      setTimeout(tick, TICK_MS);
    };
    setTimeout(tick, TICK_MS);
  });
}
