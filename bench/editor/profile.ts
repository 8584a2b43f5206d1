// Reads the extension host's CPU profile (taken through the editor benchmark, bench/editor/entry.ts)
// for the part of its thread's time that is the extension's own: samples with the extension's
// bundle on the stack (its code, and what that code called). Everything else in that thread is
// VS Code's (its document sync, built-in extensions). The profile's times are process.hrtime's,
// in µs; a sample stands for the time since the one before.

import type { Profiler } from 'node:inspector';

/** The extension's share of a stall. */
export interface ProfileShare {
  /** ms of samples with the extension's bundle on the stack. */
  ours: number;
  /** The functions with the most samples at the top of the stack, the most first, each with its callers (`a ← b ← c`). */
  top: { name: string; ms: number }[];
}

/** CALLERS frames up the stack name where a function was called from (a bare `spawn`, say). */
const CALLERS = 3;

/** One profile, its stack maps built once for every question asked of it. */
export class ProfileReader {
  private readonly parent = new Map<number, number>();
  private readonly frames: Map<number, Profiler.ProfileNode['callFrame']>;
  private readonly ours = new Map<number, boolean>();

  /** `bundle`: the extension's script (a url ending). */
  constructor(
    private readonly profile: Profiler.Profile,
    private readonly bundle: string,
  ) {
    for (const n of profile.nodes) for (const c of n.children ?? []) this.parent.set(c, n.id);
    this.frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  }

  /** Milliseconds of the longest stretches of consecutive samples in the extension's code, longest first, and their total. */
  ownStretches(): { longest: number[]; totalMs: number } {
    const deltas = this.profile.timeDeltas ?? [];
    const stretches: number[] = [];
    let current = 0;
    (this.profile.samples ?? []).forEach((id, i) => {
      if (this.isOurs(id)) current += deltas[i] / 1000;
      else if (current > 0) {
        stretches.push(current);
        current = 0;
      }
    });
    if (current > 0) stretches.push(current);
    stretches.sort((a, b) => b - a);
    return { longest: stretches.slice(0, 5), totalMs: stretches.reduce((a, b) => a + b, 0) };
  }

  /** The extension's share of the time from `from` to `to` (ms, process.hrtime's clock), and what took the most of it. */
  share(from: number, to: number): ProfileShare {
    const deltas = this.profile.timeDeltas ?? [];
    let at = this.profile.startTime;
    let oursUs = 0;
    const self = new Map<string, number>();
    (this.profile.samples ?? []).forEach((id, i) => {
      at += deltas[i];
      if (at / 1000 < from || at / 1000 > to) return;
      if (this.isOurs(id)) oursUs += deltas[i];
      const name = this.named(id);
      self.set(name, (self.get(name) ?? 0) + deltas[i]);
    });
    const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, us]) => ({ name, ms: Math.round(us / 1000) }));
    return { ours: Math.round(oursUs / 1000), top };
  }

  /** Whether the extension's bundle is on the node's stack. */
  private isOurs(id: number): boolean {
    let known = this.ours.get(id);
    if (known === undefined) {
      const up = this.parent.get(id);
      known = this.frames.get(id)!.url.endsWith(this.bundle) || (up !== undefined && this.isOurs(up));
      this.ours.set(id, known);
    }
    return known;
  }

  /** The node's function and its callers, `a (file) ← b (file) ← …`. */
  private named(id: number): string {
    const frame = (n: number) => {
      const { functionName, url } = this.frames.get(n)!;
      return `${functionName || '(anonymous)'}${url ? ` (${url.split('/').pop()})` : ''}`;
    };
    const chain = [frame(id)];
    for (let up = this.parent.get(id); up !== undefined && chain.length <= CALLERS && this.frames.get(up)!.functionName !== '(root)'; up = this.parent.get(up)) chain.push(frame(up));
    return chain.join(' ← ');
  }
}
