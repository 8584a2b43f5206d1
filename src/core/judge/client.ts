// One judge request through the official `openai` client: OpenAI itself or any
// OpenAI-compatible server (vLLM, Ollama, llama.cpp's server) at a base URL. The
// client retries 408/409/429/5xx with backoff and honours `retry-after`; a failure
// becomes a JudgeFailure whose message names what went wrong and never the key.

import OpenAI from 'openai';
import { MalformedReply, VERDICT_SCHEMA, judgeMessages, parseVerdict, type Verdict } from './rubric';
import type { JudgedTurn } from './turn';

export interface JudgeClientOptions {
  /** Default: OPENAI_BASE_URL, else OpenAI's API. */
  baseURL?: string;
  /** Default: OPENAI_API_KEY. A local server may need none. */
  apiKey?: string;
  model: string;
  /** How long each try may take; a retry gets as long again. */
  timeoutMs: number;
  /** Retries after the first try (429, 5xx, timeouts, dropped connections). */
  maxRetries: number;
}

export type FailureKind = 'auth' | 'rate-limit' | 'timeout' | 'connection' | 'server' | 'refused' | 'malformed' | 'cancelled';

export class JudgeFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** Replies are short: two numbers and a sentence or two. */
const MAX_REPLY_TOKENS = 400;

export type JudgeOne = (turn: JudgedTurn, signal?: AbortSignal) => Promise<Verdict>;

export function judgeClient(opts: JudgeClientOptions): JudgeOne {
  const apiKey = opts.apiKey ?? process.env.OPENAI_API_KEY;
  const baseURL = opts.baseURL ?? process.env.OPENAI_BASE_URL;
  if (!apiKey && !baseURL) {
    throw new JudgeFailure('auth', 'no API key: set OPENAI_API_KEY, or name an OpenAI-compatible server that needs none with --base-url');
  }
  const client = new OpenAI({
    // A local server without keys still gets a bearer header; "none" says there is no key.
    apiKey: apiKey || 'none',
    baseURL,
    timeout: opts.timeoutMs,
    maxRetries: opts.maxRetries,
    // The client's own logging could print requests: ours says what is needed.
    logLevel: 'off',
  });
  const secret = apiKey || null;
  return async (turn, signal) => {
    let completion;
    try {
      completion = await client.chat.completions.create(
        {
          model: opts.model,
          messages: judgeMessages(turn),
          temperature: 0,
          max_completion_tokens: MAX_REPLY_TOKENS,
          response_format: { type: 'json_schema', json_schema: { name: 'verdict', strict: true, schema: VERDICT_SCHEMA } },
        },
        { signal },
      );
    } catch (e) {
      throw failure(e, opts, secret);
    }
    const choice = completion.choices?.[0];
    try {
      return parseVerdict(choice?.message?.content, choice?.finish_reason);
    } catch (e) {
      if (e instanceof MalformedReply) throw new JudgeFailure('malformed', redact(e.message, secret));
      throw e;
    }
  };
}

function failure(e: unknown, opts: JudgeClientOptions, secret: string | null): JudgeFailure {
  const retries = opts.maxRetries === 1 ? '1 retry' : `${opts.maxRetries} retries`;
  if (e instanceof OpenAI.APIUserAbortError) return new JudgeFailure('cancelled', 'cancelled');
  if (e instanceof OpenAI.APIConnectionTimeoutError) return new JudgeFailure('timeout', `no reply within ${opts.timeoutMs / 1000} s (after ${retries})`);
  if (e instanceof OpenAI.APIConnectionError) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return new JudgeFailure('connection', `cannot reach the server (${cause?.code ?? cause?.message ?? e.message}) after ${retries}`);
  }
  if (e instanceof OpenAI.AuthenticationError || e instanceof OpenAI.PermissionDeniedError) {
    // The server's own text may quote the key, even masked: leave it out.
    return new JudgeFailure('auth', `the server refused the API key (HTTP ${e.status}); check OPENAI_API_KEY`);
  }
  if (e instanceof OpenAI.RateLimitError) return new JudgeFailure('rate-limit', `rate-limited (HTTP 429) after ${retries}: ${serverText(e, secret)}`);
  if (e instanceof OpenAI.APIError && typeof e.status === 'number') {
    const kind = e.status >= 500 ? 'server' : 'refused';
    return new JudgeFailure(kind, `the server answered HTTP ${e.status}${e.status >= 500 ? ` after ${retries}` : ''}: ${serverText(e, secret)}`);
  }
  return new JudgeFailure('server', redact((e as Error).message ?? String(e), secret));
}

function serverText(e: InstanceType<typeof OpenAI.APIError>, secret: string | null): string {
  const body = e.error as { message?: unknown } | undefined;
  const text = typeof body?.message === 'string' ? body.message : e.message;
  return redact(text.length > 200 ? `${text.slice(0, 200)}…` : text, secret);
}

/** The key, and anything shaped like an OpenAI key, never reaches a message. */
export function redact(text: string, secret: string | null): string {
  let out = secret ? text.split(secret).join('[key]') : text;
  out = out.replace(/\bsk-[A-Za-z0-9_*-]{6,}/g, '[key]');
  return out;
}
