// VS Code's own work on a large document just shown comes before the model runs of its first
// scan. Link detection runs over the whole text in the extension host's thread a moment after
// the editor shows it (100k lines, 38 MB: 0.15-0.4 s, starting 0.1-0.5 s after), and with the
// model running beside it on 2 cores it took 0.35-0.55 s (editor bench). That work shows as
// this thread's timers coming late, so the model waits for a long stall and then a stretch
// without one: the document's showing can be a long stall of its own just before link
// detection, and a model released after it ran beside link detection (editor bench: the thread
// waited 188 ms for a core). At most `mostMs` (lines already in a cache come at once).

/** A timer this late means the thread ran a long task meanwhile. */
const STALL_MS = 100;
/** How long after the last stall the model runs, when no other stall came meanwhile. */
const QUIET_MS = 150;
const TICK_MS = 20;

/** Resolves once this thread has had a stall of STALL_MS or more and then QUIET_MS without another, or after `mostMs`. */
export function afterVsCodesWork(mostMs: number): Promise<void> {
  const start = performance.now();
  return new Promise((resolve) => {
    let last = start;
    /** When the last stall ended; null: none yet. */
    let quietSince: number | null = null;
    const tick = () => {
      const now = performance.now();
      if (now - last - TICK_MS >= STALL_MS) quietSince = now;
      if ((quietSince !== null && now - quietSince >= QUIET_MS) || now - start >= mostMs) return resolve();
      last = now;
      setTimeout(tick, TICK_MS);
    };
    setTimeout(tick, TICK_MS);
  });
}
