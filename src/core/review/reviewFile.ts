// Reviewer decisions, as kept in the sidecar `<dataset>.persona-lens.json` that
// a team commits beside its dataset (the dataset itself is never rewritten).
// An example is keyed by the sha256 of its line's text, so a decision follows
// the example when lines move; the line number is only a hint for people
// reading the file. No `vscode` here: unit tests cover parsing and updates.

import { createHash } from 'node:crypto';
import { DECISIONS, type Decision } from './decision';

export type { Decision, DecisionAt } from './decision';

export interface ReviewEntry {
  decision: Decision;
  /** The 1-based line the example was on when decided. */
  line: number;
  note?: string;
  by?: string;
  /** ISO 8601 time of the decision. */
  at?: string;
}

export interface ReviewFile {
  version: 1;
  /** By line key (see lineKey). */
  decisions: Record<string, ReviewEntry>;
}

export const EMPTY_REVIEWS: ReviewFile = { version: 1, decisions: {} };

export function sidecarPath(dataset: string): string {
  return `${dataset}.persona-lens.json`;
}

/** The key of an example: the sha256 (hex) of its line's text, without the line break. */
export function lineKey(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Parses a sidecar's text; throws, saying what is wrong, when it is damaged or of another version. */
export function parseReviews(text: string): ReviewFile {
  const data: unknown = JSON.parse(text);
  if (!isObject(data)) throw new Error('not a JSON object');
  if (data.version !== 1) throw new Error(`unsupported version ${JSON.stringify(data.version)}`);
  if (!isObject(data.decisions)) throw new Error('"decisions" is not an object');
  const decisions: Record<string, ReviewEntry> = {};
  for (const [key, e] of Object.entries(data.decisions)) {
    const where = `decision ${JSON.stringify(key)}`;
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`${where}: the key is not a sha256`);
    if (!isObject(e) || typeof e.decision !== 'string' || !(DECISIONS as readonly string[]).includes(e.decision)) throw new Error(`${where}: "decision" must be one of ${DECISIONS.map((d) => `"${d}"`).join(', ')}`);
    if (!Number.isInteger(e.line) || (e.line as number) < 1) throw new Error(`${where}: "line" must be a positive integer`);
    for (const field of ['note', 'by', 'at'] as const) {
      if (e[field] !== undefined && typeof e[field] !== 'string') throw new Error(`${where}: "${field}" must be a string`);
    }
    decisions[key] = e as unknown as ReviewEntry;
  }
  return { version: 1, decisions };
}

/** The sidecar's text: keys sorted, so that a change shows as a small diff in review. */
export function serializeReviews(file: ReviewFile): string {
  const decisions = Object.fromEntries(Object.keys(file.decisions).sort().map((k) => [k, file.decisions[k]]));
  return JSON.stringify({ version: file.version, decisions }, null, 2) + '\n';
}

/**
 * `file` with the decision on each key set, or cleared where the entry is null;
 * a note already there is kept. One copy for all changes: a reviewer may mark
 * thousands of rows at once.
 */
export function withDecisions(file: ReviewFile, changes: Iterable<[key: string, entry: ReviewEntry | null]>): ReviewFile {
  const decisions = { ...file.decisions };
  for (const [key, entry] of changes) {
    if (entry) {
      const note = entry.note ?? decisions[key]?.note;
      decisions[key] = { ...entry, ...(note !== undefined && { note }) };
    } else delete decisions[key];
  }
  return { version: 1, decisions };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
