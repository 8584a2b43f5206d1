// GET over http(s) with node's own modules (in the editor, VS Code's proxy support
// applies to them): redirects followed (never from https down to http), no content
// coding (a range must count the file's own bytes), and a timeout on silence (while
// connecting, waiting, or mid-body) rather than on the whole transfer, which may
// rightly take an hour. A Hugging Face token goes only to its own origin (hubAuth.ts),
// decided again at every hop, so a redirect to a CDN does not carry it.

import * as http from 'node:http';
import * as https from 'node:https';
import { authorization, refusalHint, type HubAuth } from './hubAuth';

/** A transfer that failed: the message says what and where, for the user. */
export class FetchError extends Error {
  constructor(
    message: string,
    /** The user (or a signal) stopped it. */
    readonly cancelled = false,
  ) {
    super(message);
  }
}

export interface GetOptions {
  /** Ask for the bytes from this offset on (a Range request) when above 0. */
  from?: number;
  /** Milliseconds without a byte before giving up. */
  timeoutMs: number;
  signal?: AbortSignal;
  userAgent: string;
  /** The Hugging Face token and the one origin that may receive it. */
  auth?: HubAuth;
}

export interface Response {
  status: number;
  header(name: string): string | undefined;
  contentLength: number | null;
  /** The body; a cut, a reset or a silence throws a FetchError saying which. */
  body(): AsyncGenerator<Buffer>;
  /** Drops the body unread. */
  discard(): void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

export async function httpGet(url: URL, opts: GetOptions): Promise<Response> {
  let at = url;
  for (let hops = 0; ; hops++) {
    const r = await getOnce(at, opts);
    const location = r.header('location');
    if (!REDIRECTS.has(r.status) || location === undefined) return r;
    r.discard();
    const next = new URL(location, at);
    if (hops === MAX_REDIRECTS) throw new FetchError(`${url.href}: more than ${MAX_REDIRECTS} redirects`);
    if (next.protocol !== 'https:' && (next.protocol !== 'http:' || at.protocol === 'https:')) {
      throw new FetchError(`${url.href}: refused a redirect from ${at.protocol} to ${next.protocol} (${next.host})`);
    }
    at = next;
  }
}

function getOnce(url: URL, opts: GetOptions): Promise<Response> {
  return new Promise((resolve, reject) => {
    /** Why the request was destroyed, when this module did it. */
    let failure: FetchError | null = null;
    const headers: http.OutgoingHttpHeaders = { 'user-agent': opts.userAgent, 'accept-encoding': 'identity' };
    if (opts.from) headers.range = `bytes=${opts.from}-`;
    const auth = authorization(url, opts.auth);
    if (auth) headers.authorization = auth;
    const get = url.protocol === 'https:' ? https.get : http.get;
    const req = get(url, { headers, signal: opts.signal });
    const why = (e: Error): FetchError => {
      if (failure) return failure;
      if (opts.signal?.aborted) return new FetchError('cancelled', true);
      const code = (e as NodeJS.ErrnoException).code;
      return new FetchError(code === 'ECONNRESET' || e.message === 'aborted' ? 'the connection closed' : `${e.message}${code && !e.message.includes(code) ? ` (${code})` : ''}`);
    };
    req.setTimeout(opts.timeoutMs, () => {
      failure = new FetchError(`no data from ${url.host} for ${opts.timeoutMs / 1000} s`);
      req.destroy(failure);
    });
    // on, not once: a request destroyed after its answer came may report more than one error.
    req.on('error', (e) => reject(failure ?? (opts.signal?.aborted ? why(e) : new FetchError(`cannot connect to ${url.host}: ${why(e).message}`))));
    req.once('response', (res) => {
      const length = res.headers['content-length'];
      resolve({
        status: res.statusCode ?? 0,
        header: (name) => {
          const v = res.headers[name.toLowerCase()];
          return Array.isArray(v) ? v[0] : v;
        },
        contentLength: length !== undefined && /^\d+$/.test(length) ? Number(length) : null,
        async *body() {
          try {
            for await (const chunk of res) yield chunk as Buffer;
          } catch (e) {
            throw why(e as Error);
          }
          // A socket closed mid-body can also end the stream quietly.
          if (!res.complete) throw failure ?? new FetchError('the connection closed');
        },
        discard: () => {
          res.resume();
          req.destroy();
        },
      });
    });
  });
}

/** A failed status as a message: the URL, the status, and what it likely means (`auth`: what was sent). */
export function statusError(url: URL, status: number, auth?: HubAuth): FetchError {
  const hint = status === 404 ? ': no such file there' : status === 401 || status === 403 ? refusalHint(url, auth) : '';
  return new FetchError(`${url.href}: HTTP ${status} ${http.STATUS_CODES[status] ?? ''}`.trimEnd() + hint);
}

/** A whole small file (pack.json), at most `max` bytes. */
export async function fetchBytes(url: URL, max: number, opts: GetOptions): Promise<Buffer> {
  const r = await httpGet(url, opts);
  if (r.status !== 200) {
    r.discard();
    throw statusError(url, r.status, opts.auth);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of r.body()) {
      size += chunk.length;
      if (size > max) {
        r.discard();
        throw new FetchError(`${url.href}: larger than ${max} bytes; not a pack manifest`);
      }
      chunks.push(chunk);
    }
  } catch (e) {
    throw e instanceof FetchError && !e.cancelled && !e.message.startsWith(url.href) ? new FetchError(`${url.href}: ${e.message}`) : e;
  }
  return Buffer.concat(chunks);
}
