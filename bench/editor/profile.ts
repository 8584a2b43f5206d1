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

function parents(profile: Profiler.Profile): Map<number, number> {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  return parent;
}

/** Each node: whether the extension's bundle (a file name ending) is on its stack. */
function oursByNode(profile: Profiler.Profile, bundle: string): (id: number) => boolean {
  const parent = parents(profile);
  const url = new Map(profile.nodes.map((n) => [n.id, n.callFrame.url]));
  const ours = new Map<number, boolean>();
  const isOurs = (id: number): boolean => {
    let known = ours.get(id);
    if (known === undefined) {
      const up = parent.get(id);
      known = url.get(id)!.endsWith(bundle) || (up !== undefined && isOurs(up));
      ours.set(id, known);
    }
    return known;
  };
  return isOurs;
}

/** Milliseconds of the longest stretches of consecutive samples in the extension's code, longest first, and their total. */
export function ownStretches(profile: Profiler.Profile, bundle: string): { longest: number[]; totalMs: number } {
  const isOurs = oursByNode(profile, bundle);
  const deltas = profile.timeDeltas ?? [];
  const stretches: number[] = [];
  let current = 0;
  (profile.samples ?? []).forEach((id, i) => {
    if (isOurs(id)) current += deltas[i] / 1000;
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
export function profileShare(profile: Profiler.Profile, from: number, to: number, bundle: string): ProfileShare {
  const isOurs = oursByNode(profile, bundle);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const parent = parents(profile);
  const frame = (id: number) => {
    const { functionName, url } = nodes.get(id)!;
    return `${functionName || '(anonymous)'}${url ? ` (${url.split('/').pop()})` : ''}`;
  };
  const named = (id: number) => {
    const chain = [frame(id)];
    for (let up = parent.get(id); up !== undefined && chain.length <= CALLERS && nodes.get(up)!.functionName !== '(root)'; up = parent.get(up)) chain.push(frame(up));
    return chain.join(' ← ');
  };
  const deltas = profile.timeDeltas ?? [];
  let at = profile.startTime;
  let oursUs = 0;
  const self = new Map<string, number>();
  (profile.samples ?? []).forEach((id, i) => {
    at += deltas[i];
    if (at / 1000 < from || at / 1000 > to) return;
    if (isOurs(id)) oursUs += deltas[i];
    const name = named(id);
    self.set(name, (self.get(name) ?? 0) + deltas[i]);
  });
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, us]) => ({ name, ms: Math.round(us / 1000) }));
  return { ours: Math.round(oursUs / 1000), top };
}
