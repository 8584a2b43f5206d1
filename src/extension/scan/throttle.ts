// At most one run per key and interval: the first call runs at once, calls
// within the interval fold into one run when it ends. Streaming results call
// for redraws many times a second; each kind of redraw has its own pace.

import type * as vscode from 'vscode';

export class Throttle implements vscode.Disposable {
  private readonly last = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly intervalMs: number) {}

  /**
   * Runs `fn` now when nothing ran for `key` within the interval (the
   * throttle's, or `intervalMs`), else once it has passed; answers whether it ran now.
   */
  run(key: string, fn: () => void, intervalMs = this.intervalMs): boolean {
    if (this.timers.has(key)) return false;
    const wait = (this.last.get(key) ?? -Infinity) + intervalMs - performance.now();
    if (wait <= 0) this.fire(key, fn);
    else this.timers.set(key, setTimeout(() => this.fire(key, fn), wait));
    return wait <= 0;
  }

  /** Runs `fn` now, in place of a run that was waiting. */
  now(key: string, fn: () => void): void {
    clearTimeout(this.timers.get(key));
    this.fire(key, fn);
  }

  /** Drops what is known of `key` (its document closed). */
  forget(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.last.delete(key);
  }

  dispose(): void {
    this.timers.forEach(clearTimeout);
    this.timers.clear();
  }

  private fire(key: string, fn: () => void): void {
    this.timers.delete(key);
    this.last.set(key, performance.now());
    fn();
  }
}
