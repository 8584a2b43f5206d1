// Scores by line text, so a rescan after an edit runs the model only on lines
// whose text changed (moved lines are hits too). Keys are SHA-1 digests, not the
// texts, to keep long lines out of memory; least recently used entries go first.

import { hash } from 'node:crypto';
import type { Scored } from '../core/score/scanner';

export interface CachedScore {
  /** The line the score was computed on: its diagnostics name that line. */
  line: number;
  scored: Scored;
}

export class LineCache {
  private readonly entries = new Map<string, CachedScore>();

  constructor(private readonly capacity = 100_000) {}

  static key(text: string): string {
    return hash('sha1', text);
  }

  get(key: string): CachedScore | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      // Re-insert: Map order is insertion order, so the oldest key is the least recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: CachedScore): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}
