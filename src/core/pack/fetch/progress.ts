// How a fetch's progress reads, the same on the CLI's stderr and in the editor's notification. Pure.

export interface FetchProgress {
  /** The file being downloaded (a pack path, or the archive's name). */
  file: string;
  /** Its place among the files to download, from 1. */
  index: number;
  count: number;
  /** Bytes of it on disk (a resumed part's included), and its length when the server said. */
  done: number;
  total: number | null;
  /** Bytes per second received in this run so far. */
  rate: number;
}

/** SI units, as download tools and this project's README give sizes: 512 B, 14.5 kB, 99.5 MB, 1.20 GB. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  for (; v >= 1000 && i < units.length - 1; i++) v /= 1000;
  // Three significant figures, decided on the rounded value (99.96 MB reads 100 MB, not 100.0).
  return `${v >= 99.95 ? v.toFixed(0) : v >= 9.995 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

/** "model.onnx (3 of 7): 12.3 MB of 45.6 MB, 3.20 MB/s". */
export function progressText(p: FetchProgress): string {
  const amount = p.total === null ? formatBytes(p.done) : `${formatBytes(p.done)} of ${formatBytes(p.total)}`;
  return `${p.file} (${p.index} of ${p.count}): ${amount}, ${formatBytes(p.rate)}/s`;
}
