// Where the result cache lives by default: the XDG cache folder.

import * as os from 'node:os';
import * as path from 'node:path';

/** `$XDG_CACHE_HOME/persona-lens`, or `~/.cache/persona-lens` (XDG ignores a relative XDG_CACHE_HOME). */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const xdg = env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.cache'), 'persona-lens');
}
