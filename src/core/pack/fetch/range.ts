// Resuming a download (RFC 9110 range requests): what a server's answer to
// `Range: bytes=N-` means for the N bytes already on disk. Pure.

export interface ContentRange {
  /** First and last byte of the body, inclusive; null for "bytes *\/TOTAL" (a 416's). */
  start: number | null;
  end: number | null;
  /** The whole file's length, when the server knows it. */
  total: number | null;
}

/** `Content-Range: bytes 100-199/1000`, `bytes 100-199/*` or `bytes *\/1000`; null when it is none of them. */
export function parseContentRange(header: string | undefined): ContentRange | null {
  const m = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const total = m[3] === '*' ? null : Number(m[3]);
  if (m[1] === undefined) return total === null ? null : { start: null, end: null, total };
  const [start, end] = [Number(m[1]), Number(m[2])];
  if (end < start || (total !== null && end >= total)) return null;
  return { start, end, total };
}

export type ResumeDecision =
  /** The body continues the part at `from`: append it. */
  | { action: 'append'; total: number | null }
  /** The body is the whole file (200: no Range was sent, or the server ignored it): write it from the start. */
  | { action: 'restart'; total: number | null }
  /** 416 and the file is exactly as long as the part: nothing is missing. */
  | { action: 'complete' }
  /** The part does not fit the file (longer than it, or the server answered another range): ask for the whole file. */
  | { action: 'refetch' }
  /** Any other status: a failure the caller names. */
  | { action: 'fail' };

/**
 * What to do with a response to a request for the bytes from `from` on (0: the whole file,
 * asked without Range). `contentLength` is the body's length, when the server sent one.
 */
export function resumeDecision(status: number, from: number, contentRange: string | undefined, contentLength: number | null): ResumeDecision {
  if (status === 200) return { action: 'restart', total: contentLength };
  if (status === 206 && from > 0) {
    const r = parseContentRange(contentRange);
    // Only a range that starts at `from` continues the part; any other would leave a hole or an overlap.
    // (One that stops short of the end is fine: the caller asks for the rest.)
    if (!r || r.start !== from) return { action: 'refetch' };
    return { action: 'append', total: r.total ?? (contentLength === null ? null : from + contentLength) };
  }
  if (status === 416 && from > 0) {
    const r = parseContentRange(contentRange);
    return r?.total === from ? { action: 'complete' } : { action: 'refetch' };
  }
  return { action: 'fail' };
}
