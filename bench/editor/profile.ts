// Reads the extension host's CPU profile (BENCH_EDITOR_PROFILE) for the part of
// the event-loop stalls that is the extension's own: the longest stretches of
// consecutive samples with the extension's bundle on the stack. Everything
// else in that thread is VS Code's (its document sync, built-in extensions).

import { readFileSync } from 'node:fs';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { url: string }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/** Milliseconds of the longest stretches in code from `bundle` (a file name ending), longest first, and their total. */
export function ownStretches(file: string, bundle: string): { longest: number[]; totalMs: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
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
  const stretches: number[] = [];
  let current = 0;
  profile.samples.forEach((id, i) => {
    // A sample's delta is the time since the one before: it counts for this one.
    if (isOurs(id)) current += profile.timeDeltas[i] / 1000;
    else if (current > 0) {
      stretches.push(current);
      current = 0;
    }
  });
  if (current > 0) stretches.push(current);
  stretches.sort((a, b) => b - a);
  return { longest: stretches.slice(0, 5), totalMs: stretches.reduce((a, b) => a + b, 0) };
}
