// The shape of a stored ExampleScore, checked when a cached record is read back: a record
// can pass its checksum and still not be a result (another version wrote it, or a person).

import { ResultCache, type ResultCacheOptions } from '../cache/resultCache';
import type { ExampleScore } from './types';

const LEVELS = new Set(['low', 'elevated', 'high']);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function isExampleScore(v: unknown): v is ExampleScore {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return (
    isNumber(s.score) &&
    isNumber(s.risk) &&
    s.risk >= 0 &&
    s.risk <= 1 &&
    LEVELS.has(s.level as string) &&
    isNumber(s.tokens) &&
    isNumber(s.scoredTokens) &&
    typeof s.truncated === 'boolean' &&
    Array.isArray(s.topTokens) &&
    s.topTokens.every((t) => typeof t === 'object' && t !== null && typeof t.text === 'string' && isNumber(t.score)) &&
    (s.fullEncode === undefined || typeof s.fullEncode === 'boolean') &&
    (s.latents === undefined || (Array.isArray(s.latents) && s.latents.every((l) => typeof l === 'object' && l !== null && isNumber(l.index) && isNumber(l.max))))
  );
}

/**
 * The result cache of a pack's example scores under `root`, records checked by
 * isExampleScore; or, when it cannot open, why (scans go on without it). The CLI and
 * the editor's scan host share it.
 */
export function openScoreCache(root: string, packHash: string, onNotice?: ResultCacheOptions['onNotice']): ResultCache<ExampleScore> | { problem: string } {
  try {
    return ResultCache.open<ExampleScore>({ root, packHash, validate: isExampleScore, onNotice });
  } catch (e) {
    return { problem: `result cache disabled (${(e as Error).message})` };
  }
}
