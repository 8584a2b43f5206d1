// How many threads the scan host's model sessions use.

/**
 * The `threads` setting, or for 0 (its default) half the machine's cores, at least one: the
 * editor needs the rest while it shows and edits a file. Measured on 2 cores with the embedded
 * pack and a 100k-line file: an edited line re-scored in a median of 234-244 ms at one thread,
 * 356-425 ms at two (VS Code's own processes wait for the cores after each edit).
 */
export function scanThreads(setting: number | undefined, cores: number): number {
  const asked = Math.floor(setting ?? 0);
  return asked >= 1 ? asked : Math.max(1, Math.floor(cores / 2));
}
