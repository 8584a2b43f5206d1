// Parses `persona-lens` arguments into a typed command, or a usage error.

import { parseArgs } from 'node:util';

export const OUTPUT_FORMATS = ['table', 'json', 'jsonl', 'sarif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface ScanCommand {
  kind: 'scan';
  files: string[];
  format: OutputFormat;
  /** Exit 1 when any example's risk exceeds this. */
  failOver: number | null;
  pack: string | null;
  threads: number;
  output: string | null;
  cache: boolean;
  cacheDir: string | null;
  allLatents: boolean;
  progress: 'auto' | 'never';
}

export type Command = ScanCommand | { kind: 'help' } | { kind: 'version' };

export class UsageError extends Error {}

export const USAGE = `Usage: persona-lens scan FILE [FILE...] [options]

Scores every example of fine-tuning JSONL files (.jsonl, .jsonl.gz) for how strongly
it pushes a model toward a misaligned persona.

Options:
  --format table|json|jsonl|sarif  output format (default: table)
  --output FILE                    write the report to FILE instead of stdout
  --fail-over R                    exit 1 when any example's risk exceeds R (0..1)
  --pack PATH                      probe pack folder or .tar.gz (default: the embedded pack)
  --threads N                      model threads (default: 2)
  --all-latents                    also report each example's strongest SAE latents
  --no-cache                       do not read or write the result cache
  --cache-dir DIR                  result cache location (default: $XDG_CACHE_HOME/persona-lens)
  --no-progress                    no progress line on stderr
  -h, --help                       this text
  --version                        print the version

Exit codes: 0 done, 1 a risk exceeded --fail-over, 2 the command could not run.`;

export function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string' },
        output: { type: 'string', short: 'o' },
        'fail-over': { type: 'string' },
        pack: { type: 'string' },
        threads: { type: 'string' },
        'all-latents': { type: 'boolean' },
        'no-cache': { type: 'boolean' },
        'cache-dir': { type: 'string' },
        'no-progress': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return { kind: 'help' };
  if (v.version) return { kind: 'version' };
  const [sub, ...files] = positionals;
  if (sub === undefined) throw new UsageError('missing command; expected "scan"');
  if (sub !== 'scan') throw new UsageError(`unknown command "${sub}"; expected "scan"`);
  if (files.length === 0) throw new UsageError('scan needs at least one FILE');

  const format = (v.format ?? 'table') as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) {
    throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}; got "${v.format}"`);
  }
  return {
    kind: 'scan',
    files,
    format,
    failOver: v['fail-over'] === undefined ? null : numberIn('--fail-over', v['fail-over'], 0, 1, false),
    pack: v.pack ?? null,
    threads: v.threads === undefined ? 2 : numberIn('--threads', v.threads, 1, 64, true),
    output: v.output ?? null,
    cache: !v['no-cache'],
    cacheDir: v['cache-dir'] ?? null,
    allLatents: v['all-latents'] ?? false,
    progress: v['no-progress'] ? 'never' : 'auto',
  };
}

function numberIn(flag: string, raw: string, min: number, max: number, integer: boolean): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}; got "${raw}"`);
  }
  return n;
}
