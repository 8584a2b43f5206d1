// `persona-lens pack fetch SOURCE`: a pack downloaded into the pack store (core/pack/fetch).
// Its folder goes to stdout, alone, for `--pack "$(persona-lens pack fetch ...)"`; progress
// and what happened go to stderr. Ctrl-C stops it and keeps what was downloaded.

import { fetchPack } from '../core/pack/fetch/fetchPack';
import { FetchError } from '../core/pack/fetch/http';
import { formatBytes, progressText } from '../core/pack/fetch/progress';
import { hubAuthFor } from '../core/pack/fetch/hubAuth';
import { SourceError, hubEndpoint, insecure, parsePackSource, type PackSource } from '../core/pack/fetch/source';
import { defaultPackStore } from '../core/pack/fetch/store';
import { UsageError, type FetchCommand } from './args';
import { CannotRun, VERSION } from './common';
import { Progress } from './progress';

export async function fetchPackCommand(cmd: FetchCommand): Promise<number> {
  const endpoint = hubEndpoint(cmd.endpoint, process.env);
  const source = sourceOf(cmd.source, endpoint);
  const say = (line: string) => process.stderr.write(`persona-lens: ${line}\n`);
  const progress = new Progress(process.stderr, cmd.progress === 'auto');
  const abort = new AbortController();
  const interrupt = () => abort.abort();
  process.once('SIGINT', interrupt);
  const started = Date.now();
  try {
    const auth = hubAuthFor(source, endpoint);
    if (insecure(source)) {
      const token = auth?.token ? `, and your Hugging Face token (from ${auth.token.from}) would cross it in the clear` : '';
      say(`warning: ${source.label} is plain http: anyone on the way could change pack.json, which vouches for every other file${token}`);
    }
    const got = await fetchPack(source, {
      store: cmd.store ?? defaultPackStore(),
      timeoutMs: cmd.timeoutS * 1000,
      signal: abort.signal,
      userAgent: `persona-lens/${VERSION}`,
      auth,
      onProgress: (p) => progress.show(() => progressText(p)),
    });
    progress.clear();
    const pack = `${got.manifest.name} ${got.manifest.version}`;
    if (got.alreadyInstalled) say(`${pack} is installed already, every file verified`);
    else {
      const resumed = got.resumed.length > 0 ? `, resuming ${got.resumed.join(', ')}` : '';
      say(`installed ${pack} from ${source.label}: ${formatBytes(got.received)} received in ${((Date.now() - started) / 1000).toFixed(1)} s${resumed}`);
    }
    process.stdout.write(`${got.path}\n`);
    return 0;
  } catch (e) {
    progress.clear();
    if (e instanceof FetchError && e.cancelled) {
      say('interrupted: nothing was installed, and what was downloaded is kept; run the same command again to resume');
      return 130;
    }
    throw new CannotRun(`cannot fetch ${source.label}: ${(e as Error).message}`);
  } finally {
    process.off('SIGINT', interrupt);
  }
}

function sourceOf(text: string, endpoint: string): PackSource {
  try {
    return parsePackSource(text, endpoint);
  } catch (e) {
    throw e instanceof SourceError ? new UsageError(e.message) : e;
  }
}
