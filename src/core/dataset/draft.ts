// What format readers produce before parseLine knows positions: messages that
// point at their source by JSON path, and problems tied to a path. parseLine
// turns paths into spans with one pass over the line.

import type { CodeName } from './codes';
import { formatPath, type JsonPath } from './jsonSpans';
import type { Role } from './types';

export interface Problem {
  code: CodeName;
  /** The value the problem is about ([] = the whole line). */
  path: JsonPath;
  /** Names the place (e.g. `messages[2].role`) and the problem; parseLine prefixes the line. */
  message: string;
}

export interface DraftMessage {
  role: Role;
  content: string;
  /** Path of a JSON string whose decoded value is exactly `content`; null when synthesised. */
  path: JsonPath | null;
  /** Path of the message itself, for naming it in diagnostics. */
  at: JsonPath;
  trained: boolean;
}

export interface Draft {
  messages: DraftMessage[];
  rejected?: DraftMessage[];
  problems: Problem[];
}

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How a JSON value reads in a message: `"robot"`, `a number (3)`, `an empty list`, `null`. */
export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v} (${String(v)})`;
}

/** PL020 for a value at `path` that should be a list of messages (or hold one). */
export function notAList(path: JsonPath, v: unknown, expected: string): Problem {
  return { code: 'messages-not-list', path, message: `${formatPath(path)} is ${describe(v)}; expected ${expected}` };
}
