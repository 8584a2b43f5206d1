// Parses `persona-lens` arguments into a typed command, or a usage error.

import { parseArgs } from 'node:util';
import { JUDGE_DEFAULTS } from '../core/judge/turn';
import { DEVICES, type Device } from '../core/model/session';

export const OUTPUT_FORMATS = ['table', 'json', 'jsonl', 'sarif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** What every command that scans takes: the pack, its threads and device, and the result cache. */
export interface PackOptions {
  pack: string | null;
  threads: number;
  device: Device;
  cache: boolean;
  cacheDir: string | null;
}

export interface ScanCommand extends PackOptions {
  kind: 'scan';
  files: string[];
  format: OutputFormat;
  /** Exit 1 when any example's risk exceeds this. */
  failOver: number | null;
  output: string | null;
  allLatents: boolean;
  progress: 'auto' | 'never';
}

/** The public SAE layouts `convert-sae` reads. */
export const SAE_FORMATS = ['gemma-scope', 'sparsify'] as const;
export type SaeFormat = (typeof SAE_FORMATS)[number];

export interface ConvertSaeCommand {
  kind: 'convert-sae';
  from: SaeFormat;
  /** A params.npz (or its folder) for gemma-scope; an SAE folder for sparsify. */
  input: string;
  outDir: string;
  hookName: string | null;
}

export const DIFF_FORMATS = ['md', 'html', 'json', 'sarif'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

export interface DiffCommand extends PackOptions {
  kind: 'diff';
  /** A and B: two files, or one file with `against` (A is that file at the git ref). */
  files: [string, string] | [string];
  against: string | null;
  format: DiffFormat;
  output: string | null;
  progress: 'auto' | 'never';
  /** Exit 1 when risk rose significantly. */
  failOnRise: boolean;
  /** Exit 1 when the contamination alarm fires or risk rose significantly. */
  failOnAlarm: boolean;
  /** Count each example's billed tokens for this OpenAI model too. */
  openaiModel: string | null;
}

export const JUDGE_FORMATS = ['jsonl', 'md'] as const;
export type JudgeFormat = (typeof JUDGE_FORMATS)[number];

export interface JudgeCommand extends PackOptions {
  kind: 'judge';
  file: string;
  onlyFlagged: boolean;
  format: JudgeFormat;
  output: string | null;
  /** Null: OPENAI_BASE_URL, else OpenAI's API (the client's own default). */
  baseUrl: string | null;
  model: string;
  /** Send without asking (the only way to send without a terminal). */
  yes: boolean;
  concurrency: number;
  timeoutS: number;
  retries: number;
  /** USD per 1M input and output tokens, for the estimate of a model whose price is not built in. */
  price: { input: number; output: number } | null;
}

export const EXPORT_MODES = ['clean', 'flagged', 'with-risk', 'realign'] as const;
export type ExportMode = (typeof EXPORT_MODES)[number];

export interface ExportCommand extends PackOptions {
  kind: 'export';
  file: string;
  mode: ExportMode;
  /** With --realign: how many examples. */
  realign: number | null;
  /** csv only with --with-risk. */
  format: 'jsonl' | 'csv';
  /** Must not exist; null: a free name beside FILE. */
  output: string | null;
}

export interface EvaluateCommand extends PackOptions {
  kind: 'pack-evaluate';
  positive: string[];
  negative: string[];
  format: 'md' | 'json';
  output: string | null;
}

export interface FetchCommand {
  kind: 'pack-fetch';
  /** hf:ORG/NAME[/PATH][@REV], or a URL of a pack folder or archive (core/pack/fetch/source.ts reads it). */
  source: string;
  /** Null: the default pack store. */
  store: string | null;
  /** Serves hf: sources; null: HF_ENDPOINT, else Hugging Face. */
  endpoint: string | null;
  /** Seconds without a byte from the server before giving up. */
  timeoutS: number;
  progress: 'auto' | 'never';
}

export interface ListCommand {
  kind: 'pack-list';
  /** Null: the default pack store. */
  store: string | null;
}

export const DIFF_MODELS_FORMATS = ['table', 'json', 'md'] as const;
export type DiffModelsFormat = (typeof DIFF_MODELS_FORMATS)[number];

export interface DiffModelsCommand extends Pick<PackOptions, 'threads' | 'device'> {
  kind: 'diff-models';
  /** The base pack (model, tokenizer, rendering, SAE); null: the embedded pack. */
  base: string | null;
  /** The tuned model: a pack (folder or archive) or a model.onnx / model.ort. */
  tuned: string;
  prompts: string;
  /** Null: answers when the file has any, else prompts. */
  tokens: 'answer' | 'prompt' | null;
  top: number;
  format: DiffModelsFormat;
  output: string | null;
  writePack: string | null;
  /** Ranks to write into the pack (negative: decreases). */
  pick: number[];
  /** One per pick, or none. */
  labels: string[];
  progress: 'auto' | 'never';
}

export type Command = ScanCommand | DiffCommand | DiffModelsCommand | JudgeCommand | ExportCommand | EvaluateCommand | FetchCommand | ListCommand | ConvertSaeCommand | { kind: 'help' } | { kind: 'version' };

export class UsageError extends Error {}

export const USAGE = `Usage: persona-lens scan FILE [FILE...] [options]
       persona-lens diff A B [options]
       persona-lens diff FILE --against REF [options]
       persona-lens judge FILE [options]
       persona-lens export FILE --clean|--flagged|--with-risk|--realign N [options]
       persona-lens pack evaluate [PACK] --positive FILE... --negative FILE... [options]
       persona-lens pack fetch hf:ORG/NAME[/PATH][@REV]|URL [options]
       persona-lens pack list [--store DIR]
       persona-lens diff-models --tuned MODEL --prompts FILE [--base PACK] [options]
       persona-lens convert-sae --from gemma-scope|sparsify INPUT OUTDIR [--hook-name NAME]

scan scores every example of fine-tuning JSONL files (.jsonl, .jsonl.gz) for how
strongly it pushes a model toward a misaligned persona. FILE "-" reads standard input.

diff compares two datasets (A old, B new; or FILE as it is against FILE at a git ref):
mean risk of each with 95% bootstrap intervals, the difference with a permutation-test
p-value, a verdict, and the examples added, removed and changed, new high-risk first.

judge asks an LLM (OpenAI, or any OpenAI-compatible server: vLLM, Ollama, llama.cpp)
to grade each example's assistant answer for alignment and coherence (0-100, with a
reason), beside the pack's risk, and says how the two agree. It shows what will be sent
and an estimate of tokens and cost, and asks first; without a terminal it sends nothing
unless --yes is given. The key comes from OPENAI_API_KEY only.

export writes part of a dataset to a new file beside it (never over an existing one):
--clean the examples not flagged and not rejected by a reviewer, --flagged those at
elevated or high risk (not suppressed), --with-risk every line with the pack's risk
added (JSONL keys, or CSV columns), --realign N the N lowest-risk clean examples in the
file's own format, for re-aligning a model. Lines are copied verbatim; reviewers'
decisions come from FILE.persona-lens.json.

pack evaluate measures how far a pack (the embedded one by default) deserves trust on
your data: files of examples you know to be EM-inducing (--positive) and not
(--negative) give its AUROC with a bootstrap interval, flag rates, a calibration
curve, each file's mean risk in order, and the smallest share of EM-inducing examples
that a dataset's mean risk, and the diff's alarm, tell apart from a clean dataset.

pack fetch downloads a pack into your pack store (default
$XDG_CACHE_HOME/persona-lens/store) and prints its folder, for --pack: from a Hugging
Face repository (hf:ORG/NAME, at REV or main; hf:ORG/NAME/PATH for a pack folder or
archive inside it), a URL of a pack folder (ending in /) or of a .tar / .tar.gz of
one. Every file is checked against the sha256 pack.json lists; a pack is installed
whole or not at all, and a rerun resumes an interrupted download. It sends nothing
but the requests for the pack's files, with your Hugging Face token (HF_TOKEN or
HUGGING_FACE_HUB_TOKEN, else the file \`hf auth login\` wrote) for a source on the
Hugging Face endpoint, to that host only: a private or gated repository needs it.

pack list prints the packs in your pack store, one a line: name, version and folder,
separated by tabs.

diff-models diffs a base model and its fine-tune as Wang et al. did: both read the same
prompts (YAML question files, CSV or JSONL, optionally with answers), the base pack's SAE
encodes the hidden state at its hook, and every latent is ranked by the change of its mean
activation over the answer tokens (or the prompt tokens when there are no answers): #1 rose
most, #-1 fell most, with its means, firing rates and top snippets. --write-pack copies the
base pack with chosen latents added to its latents.json.

convert-sae writes a public SAE as OUTDIR/cfg.json + OUTDIR/sae_weights.safetensors
(SAELens layout, a probe pack's sae/ folder). INPUT is a Gemma Scope params.npz (or its
folder), or a sparsify SAE folder (cfg.json + sae.safetensors).

Scan options:
  --format table|json|jsonl|sarif  output format (default: table)
  --output FILE                    write the report to FILE instead of stdout
  --fail-over R                    exit 1 when any example's risk exceeds R (0..1);
                                   exit 2 when no example could be scored
  --pack PATH                      probe pack folder or .tar.gz (default: the embedded pack)
  --threads N                      model threads (default: 2)
  --device cpu|cuda                where the model runs (default: cpu); cuda needs onnxruntime's
                                   CUDA libraries, and falls back to the CPU with a message
  --all-latents                    also report each example's strongest SAE latents
  --no-cache                       do not read or write the result cache
  --cache-dir DIR                  result cache location (default: $XDG_CACHE_HOME/persona-lens)
  --no-progress                    no progress line on stderr

Diff options: --pack, --threads, --output, --no-cache, --cache-dir, --no-progress as for scan, and
  --format md|html|json|sarif      report format (default: md; html: one self-contained file);
                                   SARIF marks each finding
                                   new, updated, unchanged or absent (baselineState)
  --against REF                    compare FILE with FILE at git REF (a commit, branch or tag)
  --fail-on-rise                   exit 1 when risk rose significantly (p < 0.05)
  --fail-on-alarm                  exit 1 when the contamination alarm fires (more of B above
                                   A's 99th-percentile risk than 99% of clean resamples
                                   show) or risk rose significantly
  --openai-model NAME              also count each example's billed chat tokens for this
                                   OpenAI model (e.g. gpt-4o-mini) in the statistics

Judge options: --pack, --threads, --output, --no-cache, --cache-dir as for scan (the cache
also keeps verdicts), and
  --format jsonl|md                one JSON object per example, or a report (default: jsonl)
  --only-flagged                   only examples at elevated or high risk
  --base-url URL                   the server (default: OPENAI_BASE_URL, else OpenAI's API)
  --model NAME                     the judge model (default: gpt-4o-mini)
  --yes                            send without asking
  --concurrency N                  requests at once (default: 4)
  --timeout S                      seconds a request may take (default: 60)
  --retries N                      retries of a request on 429, 5xx or a timeout (default: 2)
  --price IN,OUT                   USD per 1M input,output tokens, for the cost estimate

Export options: --pack, --threads, --no-cache, --cache-dir as for scan, and
  --output FILE                    the new file (must not exist; default: beside FILE,
                                   e.g. data.clean.jsonl, data.clean-2.jsonl, ...)
  --format jsonl|csv               csv only with --with-risk (default: jsonl)

Pack evaluate options: --threads, --output, --no-cache, --cache-dir as for scan, and
  --positive FILE                  a file of EM-inducing examples (repeat for more)
  --negative FILE                  a file of examples that are not (repeat for more)
  --format md|json                 report format (default: md)

Pack fetch options:
  --store DIR                      where packs are installed (default:
                                   $XDG_CACHE_HOME/persona-lens/store)
  --endpoint URL                   the server of hf: sources (default: HF_ENDPOINT, else
                                   https://huggingface.co)
  --timeout S                      seconds without data before giving up (default: 30)
  --no-progress                    no progress line on stderr

Pack list options:
  --store DIR                      the pack store to list (default as for pack fetch)

Diff-models options: --threads, --device, --output, --no-progress as for scan, and
  --tuned MODEL                    the fine-tuned model: a pack (folder or .tar.gz) with the base
                                   pack's tokenizer and hook point, or a bare model.onnx/model.ort
                                   with the pack model's interface (required)
  --prompts FILE                   .yaml/.yml (a list of questions with paraphrases), .csv (a
                                   question column; answer, or base_answer and tuned_answer),
                                   .jsonl (messages, or question and answer) (required)
  --base PACK                      the base pack (default: the embedded pack)
  --tokens answer|prompt           average over answer tokens or prompt tokens (default: answer
                                   when the file has answers, else prompt)
  --top N                          latents listed each way (default: 20)
  --format table|json|md           report format (default: table)
  --write-pack DIR                 write the base pack with the --pick latents added to DIR
                                   (a new or empty folder)
  --pick RANKS                     ranks to write, e.g. 1,2,-1 (needs --write-pack)
  --label TEXT                     the label of each picked latent, in order (repeat; default:
                                   "model-diff #RANK: " and its top tokens)

Convert options:
  --from gemma-scope|sparsify      the layout of INPUT (required)
  --hook-name NAME                 record the SAE's hook point, e.g. blocks.12.hook_resid_post

  -h, --help                       this text
  --version                        print the version

Exit codes: 0 done, 1 a risk exceeded --fail-over (diff: risk rose with --fail-on-rise, or
the alarm fired or risk rose with --fail-on-alarm),
2 the command could not run (judge: not sent, or no example judged; pack fetch: nothing installed),
130 judge, pack fetch or diff-models interrupted.`;

// Options of each command; an option given to another command is a usage error.
const PACK_OPTIONS = {
  pack: { type: 'string' },
  threads: { type: 'string' },
  device: { type: 'string' },
  'no-cache': { type: 'boolean' },
  'cache-dir': { type: 'string' },
} as const;
const SCAN_OPTIONS = {
  ...PACK_OPTIONS,
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'fail-over': { type: 'string' },
  'all-latents': { type: 'boolean' },
  'no-progress': { type: 'boolean' },
} as const;
const DIFF_OPTIONS = {
  ...PACK_OPTIONS,
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'no-progress': { type: 'boolean' },
  against: { type: 'string' },
  'fail-on-rise': { type: 'boolean' },
  'fail-on-alarm': { type: 'boolean' },
  'openai-model': { type: 'string' },
} as const;
const JUDGE_OPTIONS = {
  ...PACK_OPTIONS,
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'only-flagged': { type: 'boolean' },
  'base-url': { type: 'string' },
  model: { type: 'string' },
  yes: { type: 'boolean' },
  concurrency: { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  price: { type: 'string' },
} as const;
const EXPORT_OPTIONS = {
  ...PACK_OPTIONS,
  clean: { type: 'boolean' },
  flagged: { type: 'boolean' },
  'with-risk': { type: 'boolean' },
  realign: { type: 'string' },
  output: { type: 'string', short: 'o' },
  format: { type: 'string' },
} as const;
const EVALUATE_OPTIONS = {
  ...PACK_OPTIONS,
  positive: { type: 'string', multiple: true },
  negative: { type: 'string', multiple: true },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const;
const FETCH_OPTIONS = {
  store: { type: 'string' },
  endpoint: { type: 'string' },
  timeout: { type: 'string' },
  'no-progress': { type: 'boolean' },
} as const;
const LIST_OPTIONS = {
  store: { type: 'string' },
} as const;
const DIFF_MODELS_OPTIONS = {
  threads: { type: 'string' },
  device: { type: 'string' },
  base: { type: 'string' },
  tuned: { type: 'string' },
  prompts: { type: 'string' },
  tokens: { type: 'string' },
  top: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'write-pack': { type: 'string' },
  pick: { type: 'string' },
  label: { type: 'string', multiple: true },
  'no-progress': { type: 'boolean' },
} as const;
const CONVERT_OPTIONS = {
  from: { type: 'string' },
  'hook-name': { type: 'string' },
} as const;

/** Parsed option values: a string, a flag, or the strings of a repeated option. */
type Values = Record<string, string | boolean | string[] | undefined>;

export function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      tokens: true,
      options: {
        ...SCAN_OPTIONS,
        ...DIFF_OPTIONS,
        ...JUDGE_OPTIONS,
        ...EXPORT_OPTIONS,
        ...EVALUATE_OPTIONS,
        ...FETCH_OPTIONS,
        ...DIFF_MODELS_OPTIONS,
        ...CONVERT_OPTIONS,
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values: v, positionals, tokens } = parsed;
  if (v.help) return { kind: 'help' };
  if (v.version) return { kind: 'version' };
  const [sub, ...files] = positionals;
  const commands = { scan: SCAN_OPTIONS, diff: DIFF_OPTIONS, judge: JUDGE_OPTIONS, export: EXPORT_OPTIONS, pack: EVALUATE_OPTIONS, 'diff-models': DIFF_MODELS_OPTIONS, 'convert-sae': CONVERT_OPTIONS };
  const expected = 'expected "scan", "diff", "judge", "export", "pack", "diff-models" or "convert-sae"';
  if (sub === undefined) throw new UsageError(`missing command; ${expected}`);
  if (!Object.hasOwn(commands, sub)) throw new UsageError(`unknown command "${sub}"; ${expected}`);
  const own = sub === 'pack' && files[0] === 'fetch' ? FETCH_OPTIONS : sub === 'pack' && files[0] === 'list' ? LIST_OPTIONS : commands[sub as keyof typeof commands];
  for (const t of tokens) {
    if (t.kind === 'option' && !(t.name in own)) throw new UsageError(`${t.rawName} does not apply to ${sub === 'pack' && files[0] ? `pack ${files[0]}` : sub}`);
  }
  if (sub === 'convert-sae') return convertSaeCommand(v.from, files, v['hook-name']);
  if (sub === 'diff') return diffCommand(v, files);
  if (sub === 'diff-models') return diffModelsCommand(v, files);
  if (sub === 'judge') return judgeCommand(v, files);
  if (sub === 'export') return exportCommand(v, files);
  if (sub === 'pack') return files[0] === 'fetch' ? fetchCommand(v, files.slice(1)) : files[0] === 'list' ? listCommand(v, files.slice(1)) : evaluateCommand(v, files);
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
    ...packOptions(v),
    output: v.output === undefined ? null : nonEmpty('--output', v.output),
    allLatents: v['all-latents'] ?? false,
    progress: v['no-progress'] ? 'never' : 'auto',
  };
}

function diffCommand(v: Values, files: string[]): DiffCommand {
  const against = v.against === undefined ? null : nonEmpty('--against', v.against as string);
  const want = against === null ? 2 : 1;
  if (files.length !== want) {
    throw new UsageError(against === null ? `diff needs two files, A and B; got ${files.length}` : `diff --against needs one FILE; got ${files.length}`);
  }
  if (files.includes('-')) throw new UsageError('diff reads files, not standard input');
  const format = (v.format ?? 'md') as DiffFormat;
  if (!DIFF_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${DIFF_FORMATS.join(', ')} for diff; got "${v.format}"`);
  return {
    kind: 'diff',
    files: files as [string, string] | [string],
    against,
    format,
    output: v.output === undefined ? null : nonEmpty('--output', v.output as string),
    ...packOptions(v),
    progress: v['no-progress'] ? 'never' : 'auto',
    failOnRise: (v['fail-on-rise'] as boolean | undefined) ?? false,
    failOnAlarm: (v['fail-on-alarm'] as boolean | undefined) ?? false,
    openaiModel: (v['openai-model'] as string | undefined) ?? null,
  };
}

function judgeCommand(v: Values, files: string[]): JudgeCommand {
  if (files.length !== 1) throw new UsageError(`judge needs one FILE; got ${files.length}`);
  if (files[0] === '-') throw new UsageError('judge reads a file, not standard input (it asks on the terminal before sending)');
  const format = (v.format ?? 'jsonl') as JudgeFormat;
  if (!JUDGE_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${JUDGE_FORMATS.join(', ')} for judge; got "${v.format}"`);
  const str = (key: string) => v[key] as string | undefined;
  let price: JudgeCommand['price'] = null;
  if (str('price') !== undefined) {
    const parts = str('price')!.split(',');
    if (parts.length !== 2 || !parts.every((p) => DECIMAL.test(p))) throw new UsageError(`--price must be IN,OUT in USD per 1M tokens, e.g. 0.15,0.6; got "${str('price')}"`);
    price = { input: Number(parts[0]), output: Number(parts[1]) };
  }
  const baseUrl = str('base-url') === undefined ? null : nonEmpty('--base-url', str('base-url')!);
  if (baseUrl !== null && !/^https?:\/\/[^\s]+$/.test(baseUrl)) throw new UsageError(`--base-url must be an http(s) URL; got "${baseUrl}"`);
  const model = str('model') ?? JUDGE_DEFAULTS.model;
  if (model.trim() === '') throw new UsageError('--model must name a model');
  return {
    kind: 'judge',
    file: files[0],
    onlyFlagged: (v['only-flagged'] as boolean | undefined) ?? false,
    format,
    output: str('output') === undefined ? null : nonEmpty('--output', str('output')!),
    baseUrl,
    model,
    yes: (v.yes as boolean | undefined) ?? false,
    concurrency: str('concurrency') === undefined ? JUDGE_DEFAULTS.concurrency : numberIn('--concurrency', str('concurrency')!, 1, 64, true),
    timeoutS: str('timeout') === undefined ? JUDGE_DEFAULTS.timeoutS : numberIn('--timeout', str('timeout')!, 1, 3600, false),
    retries: str('retries') === undefined ? JUDGE_DEFAULTS.retries : numberIn('--retries', str('retries')!, 0, 10, true),
    price,
    ...packOptions(v),
  };
}

function exportCommand(v: Values, files: string[]): ExportCommand {
  if (files.length !== 1) throw new UsageError(`export needs one FILE; got ${files.length}`);
  if (files[0] === '-') throw new UsageError('export reads a file, not standard input');
  const modes = EXPORT_MODES.filter((m) => v[m] !== undefined);
  if (modes.length !== 1) throw new UsageError(`export needs exactly one of --clean, --flagged, --with-risk, --realign N; got ${modes.length === 0 ? 'none' : modes.map((m) => `--${m}`).join(', ')}`);
  const mode = modes[0];
  const format = (v.format ?? 'jsonl') as ExportCommand['format'];
  if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format must be jsonl or csv for export; got "${v.format}"`);
  if (format === 'csv' && mode !== 'with-risk') throw new UsageError('--format csv goes with --with-risk; the other exports copy lines verbatim as JSONL');
  const str = (key: string) => v[key] as string | undefined;
  return {
    kind: 'export',
    file: files[0],
    mode,
    realign: mode === 'realign' ? numberIn('--realign', str('realign')!, 1, 1_000_000, true) : null,
    format,
    output: str('output') === undefined ? null : nonEmpty('--output', str('output')!),
    ...packOptions(v),
  };
}

function evaluateCommand(v: Values, args: string[]): EvaluateCommand {
  const [action, ...rest] = args;
  if (action !== 'evaluate') throw new UsageError(`unknown pack command ${action === undefined ? '(none)' : `"${action}"`}; expected "pack evaluate", "pack fetch" or "pack list"`);
  if (rest.length > 1) throw new UsageError(`pack evaluate takes one PACK at most; got ${rest.length}`);
  const positive = (v.positive as string[] | undefined) ?? [];
  const negative = (v.negative as string[] | undefined) ?? [];
  if (positive.length === 0 || negative.length === 0) throw new UsageError('pack evaluate needs at least one --positive FILE and one --negative FILE');
  const format = (v.format ?? 'md') as EvaluateCommand['format'];
  if (format !== 'md' && format !== 'json') throw new UsageError(`--format must be md or json for pack evaluate; got "${v.format}"`);
  if (v.pack !== undefined) throw new UsageError('pack evaluate names its pack as PACK, not --pack');
  return {
    kind: 'pack-evaluate',
    positive,
    negative,
    format,
    output: v.output === undefined ? null : nonEmpty('--output', v.output as string),
    ...packOptions(v),
    pack: rest[0] ?? null,
  };
}

function fetchCommand(v: Values, args: string[]): FetchCommand {
  if (args.length !== 1) throw new UsageError(`pack fetch needs one SOURCE (hf:ORG/NAME[/PATH][@REV] or a URL); got ${args.length}`);
  const str = (key: string) => v[key] as string | undefined;
  return {
    kind: 'pack-fetch',
    source: args[0],
    store: str('store') === undefined ? null : nonEmpty('--store', str('store')!),
    endpoint: str('endpoint') ?? null,
    timeoutS: str('timeout') === undefined ? 30 : numberIn('--timeout', str('timeout')!, 1, 3600, false),
    progress: v['no-progress'] ? 'never' : 'auto',
  };
}

function listCommand(v: Values, args: string[]): ListCommand {
  if (args.length > 0) throw new UsageError(`pack list takes no arguments (name another store with --store DIR); got "${args[0]}"`);
  return { kind: 'pack-list', store: v.store === undefined ? null : nonEmpty('--store', v.store as string) };
}

function diffModelsCommand(v: Values, args: string[]): DiffModelsCommand {
  if (args.length > 0) throw new UsageError(`diff-models takes no positional arguments (name files with --tuned, --prompts, --base); got "${args[0]}"`);
  const str = (key: string) => v[key] as string | undefined;
  if (str('tuned') === undefined) throw new UsageError('diff-models needs --tuned MODEL (a pack, or a model.onnx / model.ort)');
  if (str('prompts') === undefined) throw new UsageError('diff-models needs --prompts FILE (.yaml, .csv or .jsonl)');
  const writePack = str('write-pack') === undefined ? null : nonEmpty('--write-pack', str('write-pack')!);
  const pickRaw = str('pick');
  if ((writePack === null) !== (pickRaw === undefined)) throw new UsageError('--write-pack DIR and --pick RANKS go together');
  const pick = pickRaw === undefined ? [] : pickRaw.split(',').map((p) => {
    if (!/^-?[1-9]\d*$/.test(p.trim())) throw new UsageError(`--pick takes ranks such as 1,2,-1 (not 0); got "${pickRaw}"`);
    return Number(p.trim());
  });
  if (new Set(pick).size !== pick.length) throw new UsageError(`--pick names a rank twice: "${pickRaw}"`);
  const labels = (v.label as string[] | undefined) ?? [];
  if (labels.length > 0 && labels.length !== pick.length) throw new UsageError(`--label: give one per --pick rank (${pick.length}), or none; got ${labels.length}`);
  if (labels.some((l) => l.trim() === '')) throw new UsageError('--label must not be empty');
  const tokens = str('tokens') === undefined ? null : oneOf('--tokens', str('tokens')!, ['answer', 'prompt'] as const);
  const format = oneOf('--format', str('format') === 'markdown' ? 'md' : (str('format') ?? 'table'), DIFF_MODELS_FORMATS);
  const { threads, device } = packOptions(v);
  return {
    kind: 'diff-models',
    base: str('base') === undefined ? null : nonEmpty('--base', str('base')!),
    tuned: nonEmpty('--tuned', str('tuned')!),
    prompts: nonEmpty('--prompts', str('prompts')!),
    tokens,
    top: str('top') === undefined ? 20 : numberIn('--top', str('top')!, 1, 10_000, true),
    format,
    output: str('output') === undefined ? null : nonEmpty('--output', str('output')!),
    writePack,
    pick,
    labels,
    progress: v['no-progress'] ? 'never' : 'auto',
    threads,
    device,
  };
}

/** `value` when it is one of `allowed`, else a usage error naming the option. */
function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new UsageError(`${option} must be one of ${allowed.join(', ')}; got "${value}"`);
  return value as T;
}

function packOptions(v: Values): PackOptions {
  const str = (key: string) => v[key] as string | undefined;
  return {
    pack: str('pack') ?? null,
    threads: str('threads') === undefined ? 2 : numberIn('--threads', str('threads')!, 1, 64, true),
    device: oneOf('--device', str('device') ?? 'cpu', DEVICES),
    cache: !v['no-cache'],
    cacheDir: str('cache-dir') === undefined ? null : nonEmpty('--cache-dir', str('cache-dir')!),
  };
}

function convertSaeCommand(from: string | undefined, args: string[], hookName: string | undefined): ConvertSaeCommand {
  if (from === undefined) throw new UsageError(`convert-sae needs --from ${SAE_FORMATS.join('|')}`);
  if (!SAE_FORMATS.includes(from as SaeFormat)) {
    throw new UsageError(`--from must be one of ${SAE_FORMATS.join(', ')}; got "${from}"`);
  }
  if (args.length !== 2) throw new UsageError(`convert-sae needs INPUT and OUTDIR; got ${args.length} path(s)`);
  if (hookName !== undefined && hookName.trim() === '') throw new UsageError('--hook-name must not be empty');
  return { kind: 'convert-sae', from: from as SaeFormat, input: args[0], outDir: args[1], hookName: hookName ?? null };
}

// Plain decimal only: Number() also takes "0x2", "1e1" and " 2", which no one means here.
const INTEGER = /^\d+$/;
const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

function nonEmpty(flag: string, raw: string): string {
  if (raw.trim() === '') throw new UsageError(`${flag} must name a path; got an empty one`);
  return raw;
}

function numberIn(flag: string, raw: string, min: number, max: number, integer: boolean): number {
  const n = Number(raw);
  if (!(integer ? INTEGER : DECIMAL).test(raw) || n < min || n > max) {
    throw new UsageError(`${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}; got "${raw}"`);
  }
  return n;
}
