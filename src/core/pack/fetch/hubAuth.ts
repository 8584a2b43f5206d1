// The Hugging Face token for private and gated repositories, found where huggingface_hub
// finds it: HF_TOKEN (or the older HUGGING_FACE_HUB_TOKEN), else the file `hf auth login`
// writes ($HF_TOKEN_PATH, else $HF_HOME/token, HF_HOME defaulting to
// $XDG_CACHE_HOME/huggingface or ~/.cache/huggingface).
// It goes only to the Hugging Face endpoint's own origin, and only for a source there: a
// redirect to another host (LFS files go to a CDN by signed URLs) or a source elsewhere
// never carries it, and no message ever shows it.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { PackSource } from './source';

export interface HubToken {
  value: string;
  /** Where it came from, for messages: the variable's name or the file's path. */
  from: string;
}

/** Who may receive the token: requests to `origin`, the endpoint's scheme, host and port. */
export interface HubAuth {
  origin: string;
  /** Null: none is set, and a refusal says how to set one. */
  token: HubToken | null;
}

/** The token file `hf auth login` writes. */
export function hubTokenFile(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (env.HF_TOKEN_PATH) return env.HF_TOKEN_PATH;
  const xdg = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(home, '.cache');
  return join(env.HF_HOME || join(xdg, 'huggingface'), 'token');
}

/** The variables huggingface_hub reads a token from, in its order (the second is the name it used before). */
const TOKEN_VARIABLES = ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN'] as const;

/** HF_TOKEN, else HUGGING_FACE_HUB_TOKEN, else the token file's content (trimmed, as huggingface_hub reads it); null when none holds one. */
export function hubToken(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): HubToken | null {
  const variable = TOKEN_VARIABLES.find((v) => env[v]?.trim());
  const found = variable ? { value: env[variable]!.trim(), from: variable } : readToken(hubTokenFile(env, home));
  // A header cannot hold a space or a control character: say where the bad value is, never what it is.
  if (found && !/^[\x21-\x7e]+$/.test(found.value)) throw new Error(`${found.from} does not hold a Hugging Face token (it has spaces or characters a token cannot have)`);
  return found;
}

function readToken(file: string): HubToken | null {
  try {
    const value = readFileSync(file, 'utf8').trim();
    return value ? { value, from: file } : null;
  } catch {
    return null;
  }
}

/**
 * The credentials a fetch of `source` may use: for a source on the endpoint's origin (an
 * hf: source, or a URL there), that origin and the token if one is set; else undefined,
 * and the fetch sends no credentials at all. Reads the token only then.
 */
export function hubAuthFor(source: PackSource, endpoint: string, env: NodeJS.ProcessEnv = process.env, home: string = homedir()): HubAuth | undefined {
  let origin: string;
  try {
    origin = new URL(endpoint).origin;
  } catch {
    return undefined;
  }
  const url = source.kind === 'folder' ? source.base : source.url;
  return url.origin === origin ? { origin, token: hubToken(env, home) } : undefined;
}

/** The Authorization header for a request to `url`: only to the token's own origin, whatever redirect led there. */
export function authorization(url: URL, auth: HubAuth | undefined): string | undefined {
  return auth?.token && url.origin === auth.origin ? `Bearer ${auth.token.value}` : undefined;
}

/** What a 401 or 403 from `url` means: a private or gated repository, and what to do. */
export function refusalHint(url: URL, auth: HubAuth | undefined): string {
  if (!auth || url.origin !== auth.origin) return `: the server refuses it (pack fetch sends no credentials to ${url.host})`;
  // Hugging Face answers 401 alike for a private, a gated and a missing repository.
  if (!auth.token) return ': the repository may be private, gated or missing: for a private or gated one, set HF_TOKEN to a Hugging Face access token that can read it (or log in with `hf auth login`)';
  return `: the token from ${auth.token.from} was refused: the repository may be private or gated, and that token cannot read it (a gated one needs its terms accepted on its page)`;
}
