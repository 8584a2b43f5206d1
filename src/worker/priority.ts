// The scan host's threads yield to the editor's.

import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * On Linux the calling thread (and onnxruntime's, which it starts) runs at a lower priority
 * (nice 10): the editor's own threads come first when the cores are busy. Elsewhere, and where
 * the system refuses, it runs as it is.
 */
export function yieldToTheEditor(): void {
  try {
    // A thread's id names it to setpriority on Linux.
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 10);
  } catch {
    // Not Linux, or not allowed: no harm done.
  }
}
