// A comparison of two datasets (A, the old; B, the new) from their scanned examples:
// each side's mean risk with its interval, the difference with its interval and a
// permutation p-value, a verdict a person can act on, and what was added, removed and
// changed, new high-risk examples first.

import type { DatasetSummary, RiskLevel } from '../score/types';
import { matchExamples, type ExampleKeys } from './match';
import { seededRandom } from '../random';
import { contaminationAlarm, type Alarm } from './alarm';
import type { DatasetStats } from './datasetStats';
import { latentMoves, type LatentMoves, type LatentTally } from './latentMoves';
import { bootstrapDifference, bootstrapMean, mean, permutationP } from './stats';

export type { LatentTally };

/** One scored example of a side. */
export interface DiffEntry {
  line: number;
  keys: ExampleKeys;
  risk: number;
  level: RiskLevel;
}

export interface DiffSide {
  file: string;
  entries: DiffEntry[];
  summary: DatasetSummary;
  stats: DatasetStats;
  /** Null when the side was scanned without its latents. */
  latents: LatentTally | null;
}

export interface SideReport {
  file: string;
  examples: number;
  meanRisk: number | null;
  interval: [number, number] | null;
  counts: Record<RiskLevel, number>;
  histogram: number[];
  summary: DatasetSummary;
  stats: DatasetStats;
}

export interface ChangedExample {
  /** Null for an added example. */
  lineA: number | null;
  /** Null for a removed example. */
  lineB: number | null;
  riskA: number | null;
  riskB: number | null;
  levelA: RiskLevel | null;
  levelB: RiskLevel | null;
}

/** SARIF's baselineState of a finding (an example at elevated or high risk) in B against A. */
export type BaselineState = 'new' | 'updated' | 'unchanged' | 'absent';

export interface DiffReport {
  a: SideReport;
  b: SideReport;
  difference: { meanRisk: number | null; interval: [number, number] | null; p: number | null; draws: number; permutations: number };
  /** Risk rose or fell beyond chance: p < 0.05 and the interval clear of zero. */
  significant: boolean;
  /** The contamination alarm (alarm.ts); null when a side has no scored example. */
  alarm: Alarm | null;
  verdict: string;
  changes: { unchanged: number; moved: number; added: ChangedExample[]; removed: ChangedExample[]; changed: ChangedExample[] };
  /** Added or changed examples that are high risk in B and were not in A. */
  newHighRisk: ChangedExample[];
  /**
   * Every finding of either side with its baseline state: B's flagged examples (new: not
   * flagged in A, or not in A; updated: changed and flagged in both; unchanged), and A's
   * flagged examples gone from B or no longer flagged (absent).
   */
  findings: Array<ChangedExample & { state: BaselineState }>;
  /** The latents that moved most (latentMoves.ts); null when the sides were scanned without latents. */
  latents: LatentMoves | null;
}

export interface DiffOptions {
  draws?: number;
  permutations?: number;
  seed?: number;
}

export function diffReport(a: DiffSide, b: DiffSide, opts: DiffOptions = {}): DiffReport {
  const draws = opts.draws ?? 2000;
  const permutations = opts.permutations ?? 2000;
  const rand = seededRandom(opts.seed ?? 20261205);
  const ra = a.entries.map((e) => e.risk);
  const rb = b.entries.map((e) => e.risk);
  const both = ra.length > 0 && rb.length > 0;
  const difference = {
    meanRisk: both ? mean(rb) - mean(ra) : null,
    interval: both ? bootstrapDifference(ra, rb, draws, rand) : null,
    p: both ? permutationP(ra, rb, permutations, rand) : null,
    draws,
    permutations,
  };
  const significant = difference.p !== null && difference.p < 0.05 && !(difference.interval![0] <= 0 && difference.interval![1] >= 0);

  const m = matchExamples(a.entries, b.entries);
  const entry = (x: DiffEntry | null, y: DiffEntry | null): ChangedExample => ({
    lineA: x?.line ?? null,
    lineB: y?.line ?? null,
    riskA: x?.risk ?? null,
    riskB: y?.risk ?? null,
    levelA: x?.level ?? null,
    levelB: y?.level ?? null,
  });
  const byRiskB = (p: ChangedExample, q: ChangedExample) => (q.riskB ?? -1) - (p.riskB ?? -1) || (p.lineB ?? 0) - (q.lineB ?? 0);
  const added = m.added.map((y) => entry(null, y)).sort(byRiskB);
  const changed = m.changed.map(([x, y]) => entry(x, y)).sort(byRiskB);
  const removed = m.removed.map((x) => entry(x, null)).sort((p, q) => (q.riskA ?? 0) - (p.riskA ?? 0));
  const wasHigh = new Map(m.changed.map(([x, y]) => [y.line, x.level === 'high']));
  const newHighRisk = [...added, ...changed].filter((c) => c.levelB === 'high' && !wasHigh.get(c.lineB!)).sort(byRiskB);

  const flaggedLevel = (l: RiskLevel | null) => l !== null && l !== 'low';
  const findings: DiffReport['findings'] = [];
  const pairs: Array<[DiffEntry | null, DiffEntry | null, 'same' | 'changed']> = [
    ...m.unchanged.map(([x, y]): [DiffEntry, DiffEntry, 'same'] => [x, y, 'same']),
    ...m.changed.map(([x, y]): [DiffEntry, DiffEntry, 'changed'] => [x, y, 'changed']),
    ...m.added.map((y): [null, DiffEntry, 'changed'] => [null, y, 'changed']),
    ...m.removed.map((x): [DiffEntry, null, 'changed'] => [x, null, 'changed']),
  ];
  for (const [x, y, how] of pairs) {
    const inA = flaggedLevel(x?.level ?? null);
    const inB = flaggedLevel(y?.level ?? null);
    if (inB) findings.push({ ...entry(x, y), state: !inA ? 'new' : how === 'same' ? 'unchanged' : 'updated' });
    else if (inA) findings.push({ ...entry(x, y), state: 'absent' });
  }
  findings.sort(byRiskB);

  const report: DiffReport = {
    a: side(a, draws, rand),
    b: side(b, draws, rand),
    difference,
    significant,
    alarm: contaminationAlarm(ra, rb, draws, (opts.seed ?? 20261205) + 1),
    verdict: '',
    changes: { unchanged: m.unchanged.length, moved: m.unchanged.filter(([x, y]) => x.line !== y.line).length, added, removed, changed },
    newHighRisk,
    findings,
    latents: latentMoves(a.latents, b.latents),
  };
  report.verdict = verdict(report);
  return report;
}

function side(s: DiffSide, draws: number, rand: () => number): SideReport {
  const risks = s.entries.map((e) => e.risk);
  return {
    file: s.file,
    examples: risks.length,
    meanRisk: risks.length > 0 ? mean(risks) : null,
    interval: risks.length > 0 ? bootstrapMean(risks, draws, rand) : null,
    counts: { ...s.summary.counts },
    histogram: [...s.summary.histogram],
    summary: s.summary,
    stats: s.stats,
  };
}

const pText = (p: number, permutations: number) => (p <= 1 / (permutations + 1) + 1e-12 ? `p < ${(1 / permutations).toPrecision(1)}` : `p = ${p.toFixed(3)}`);

/** The alarm in a sentence, e.g. "Alarm: 6.0% of B is above A's 99th-percentile risk (0.41); clean resamples reach 2.3% only 1% of the time (p = 0.001)." */
export function alarmSentence(alarm: Alarm | null): string {
  if (!alarm) return 'No alarm: a side has no scored example.';
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const facts = `${pct(alarm.shareB)} of B is above A's 99th-percentile risk (${alarm.cut.toFixed(2)}); clean resamples pass ${pct(alarm.threshold)} only 1% of the time (p = ${alarm.p.toFixed(3)})`;
  return alarm.fired ? `Alarm: B may hold EM-inducing examples that A does not: ${facts}.` : `No alarm: ${facts}.`;
}

/** One sentence: e.g. "Risk rose from 0.08 to 0.19 (p < 0.001): 41 new high-risk examples." */
export function verdict(r: Pick<DiffReport, 'a' | 'b' | 'difference' | 'significant' | 'newHighRisk'>): string {
  const high = r.newHighRisk.length;
  const newHigh = `${high} new high-risk example${high === 1 ? '' : 's'}`;
  if (r.a.meanRisk === null || r.b.meanRisk === null) return `Nothing to compare: ${r.a.meanRisk === null ? 'A' : 'B'} has no scored example; ${newHigh}.`;
  const from = `from ${r.a.meanRisk.toFixed(2)} to ${r.b.meanRisk.toFixed(2)}`;
  const p = pText(r.difference.p!, r.difference.permutations);
  if (!r.significant) return `No significant change in risk (${from}, ${p}); ${newHigh}.`;
  return `Risk ${r.difference.meanRisk! > 0 ? 'rose' : 'fell'} ${from} (${p}): ${newHigh}.`;
}
