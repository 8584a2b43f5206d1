// Where `pack fetch` downloads a pack from, parsed from what the user typed:
//   hf:ORG/NAME[/PATH][@REV]     a Hugging Face repository at a revision (default main),
//                                 its files under ENDPOINT/ORG/NAME/resolve/REV/[PATH/]: a pack
//                                 folder in the repository (its root, or PATH), or a .tar / .tar.gz
//                                 / .tgz of one at PATH
//   https://host/path/           a pack folder: pack.json and the files it lists, relative to it
//   https://host/path/pack.json  the same folder, named by its manifest
//   https://host/pack.tar.gz     a .tar / .tar.gz / .tgz of a pack folder
// Pure: no I/O.

import { isSafeRelativePath } from '../manifest';

export const HF_ENDPOINT = 'https://huggingface.co';

/** The server of hf: sources: --endpoint when given, else HF_ENDPOINT (an empty one is unset), else Hugging Face. */
export function hubEndpoint(flag: string | null, env: NodeJS.ProcessEnv): string {
  return flag ?? (env.HF_ENDPOINT || HF_ENDPOINT);
}

export type PackSource =
  /** `base` ends in "/": every file's URL is its pack path relative to it. */
  | { kind: 'folder'; base: URL; label: string }
  | { kind: 'archive'; url: URL; label: string };

/** What the user typed is not a source (the CLI's usage error, the editor's input check). */
export class SourceError extends Error {}

// Hugging Face's own rule for an owner's or a repository's name.
const HF_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?$/;
const ARCHIVE = /\.(tar|tar\.gz|tgz)$/i;

export const SOURCE_FORMS = 'hf:ORG/NAME[/PATH][@REV], a URL of a pack folder (ending in / or /pack.json), or a URL of a .tar / .tar.gz of one';

/** `text` as a source; `endpoint` (HF_ENDPOINT, --endpoint) serves hf: sources. */
export function parsePackSource(text: string, endpoint: string = HF_ENDPOINT): PackSource {
  const t = text.trim();
  if (t.startsWith('hf:')) return hfSource(t.slice(3), endpoint);
  const url = httpUrl(t, 'a pack source');
  if (url.pathname.endsWith('/')) return { kind: 'folder', base: url, label: url.href };
  if (url.pathname.endsWith('/pack.json')) return { kind: 'folder', base: new URL('./', url), label: new URL('./', url).href };
  if (ARCHIVE.test(url.pathname)) return { kind: 'archive', url, label: url.href };
  throw new SourceError(`"${t}" names neither a pack folder nor an archive: expected ${SOURCE_FORMS}`);
}

function hfSource(spec: string, endpoint: string): PackSource {
  const at = spec.indexOf('@');
  const repo = at < 0 ? spec : spec.slice(0, at);
  const rev = at < 0 ? 'main' : spec.slice(at + 1);
  const [org, name, ...path] = repo.replace(/\/+$/, '').split('/');
  if (![org, name].every((p) => p !== undefined && HF_NAME.test(p) && !p.includes('..'))) {
    throw new SourceError(`"hf:${spec}": expected hf:ORG/NAME, hf:ORG/NAME/PATH or either @REV (letters, digits, "-", "_", ".")`);
  }
  // A path inside the repository, by the rule for a pack's own file paths.
  if (path.length > 0 && !isSafeRelativePath(path.join('/'))) {
    throw new SourceError(`"hf:${spec}": the path after ORG/NAME must name a folder or archive inside the repository (no empty or ".." parts)`);
  }
  // A revision may hold "/" (refs/pr/1): Hugging Face takes it encoded as one path segment.
  if (rev === '' || /[\s\u0000-\u001f]/.test(rev)) throw new SourceError(`"hf:${spec}": the revision after "@" must be a branch, tag or commit`);
  const root = new URL(`${httpUrl(endpoint, 'the Hugging Face endpoint').href.replace(/\/+$/, '')}/${org}/${name}/resolve/${encodeURIComponent(rev)}/`);
  const label = `hf:${[org, name, ...path].join('/')}@${rev}`;
  if (path.length > 0 && ARCHIVE.test(path[path.length - 1])) return { kind: 'archive', url: fileUrl(root, path.join('/')), label };
  return { kind: 'folder', base: path.length > 0 ? fileUrl(root, `${path.join('/')}/`) : root, label };
}

function httpUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SourceError(`"${text}" is not a URL: expected ${what === 'a pack source' ? SOURCE_FORMS : 'an http(s) URL'}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SourceError(`${what} must be an http(s) URL; got "${url.protocol}"`);
  // A password in the URL would show in every message that names it.
  if (url.username || url.password) throw new SourceError(`${what} must not hold a user name or password`);
  url.hash = '';
  return url;
}

/** The URL of a pack file (a pack path such as "sae/cfg.json") in a folder source. */
export function fileUrl(base: URL, rel: string): URL {
  return new URL(rel.split('/').map(encodeURIComponent).join('/'), base);
}

/** The host a source downloads from, as the user should be told it. */
export function sourceHost(source: PackSource): string {
  return (source.kind === 'folder' ? source.base : source.url).host;
}

/** Plain http to another machine: anyone on the way could change pack.json, which vouches for every other file. */
export function insecure(source: PackSource): boolean {
  const url = source.kind === 'folder' ? source.base : source.url;
  return url.protocol === 'http:' && !/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(url.hostname);
}
