// Which findings of a file go to the Problems panel. VS Code keeps at most 1,000 per
// file (the first by severity), so on a large dataset format notes would crowd out the
// risk findings a reviewer is there for: risk findings go first, riskiest first, then
// the rest by severity, and past the cap one entry says how many were left out.

/** VS Code's own limit of diagnostics per file. */
export const PROBLEMS_PER_FILE = 1000;

export interface CappedProblems<T> {
  shown: T[];
  /** Left out: risk findings and other diagnostics. */
  hidden: { risk: number; other: number };
}

/**
 * `risk`: risk findings with their risk; `others`: other diagnostics with a rank (0 most
 * severe). Past `cap`, cap - 1 are shown, leaving room for the entry that counts the rest.
 */
export function capProblems<T>(
  risk: ReadonlyArray<{ item: T; risk: number }>,
  others: ReadonlyArray<{ item: T; rank: number }>,
  cap = PROBLEMS_PER_FILE,
): CappedProblems<T> {
  const ordered = [
    ...[...risk].sort((a, b) => b.risk - a.risk).map((r) => ({ item: r.item, isRisk: true })),
    ...[...others].sort((a, b) => a.rank - b.rank).map((o) => ({ item: o.item, isRisk: false })),
  ];
  if (ordered.length <= cap) return { shown: ordered.map((o) => o.item), hidden: { risk: 0, other: 0 } };
  const kept = ordered.slice(0, cap - 1);
  const left = ordered.slice(cap - 1);
  return {
    shown: kept.map((o) => o.item),
    hidden: { risk: left.filter((o) => o.isRisk).length, other: left.filter((o) => !o.isRisk).length },
  };
}
