// `persona-lens diff-models --tuned MODEL --prompts FILE [--base PACK]`: the base pack's model
// and the tuned model read the same prompts, every SAE latent is ranked by the change of its
// mean activation (core/modelDiff), the report written as a table, Markdown or JSON; with
// --write-pack, the base pack is copied with the picked latents added to latents.json.
// Progress on stderr; Ctrl-C stops it with exit 130 and writes nothing.

import { readFile } from 'node:fs/promises';
import { PromptFileError, parsePrompts, promptFormatOf, type Prompt } from '../core/modelDiff/prompts';
import { atRank, type RankedLatent } from '../core/modelDiff/rank';
import { modelDiffMarkdown, modelDiffReport, modelDiffTable } from '../core/modelDiff/report';
import { diffModels, Interrupted, type ModelDiffResult } from '../core/modelDiff/run';
import { snippetsOf } from '../core/modelDiff/snippets';
import { TunedModelError, loadTunedModel, type TunedModel } from '../core/modelDiff/tunedModel';
import { WritePackError, checkTarget, diffLatentEntry, withLatents, writeDiffPack } from '../core/modelDiff/writePack';
import type { LoadedPack } from '../core/pack/load';
import type { DiffModelsCommand } from './args';
import { CannotRun, checkReadable, loadPackOrFail, writeReport } from './common';
import { outputConflict } from './outputTarget';
import { Progress } from './progress';

export async function diffModelsCommand(cmd: DiffModelsCommand): Promise<number> {
  // From the start: Ctrl-C while the packs load stops before the first batch, with 130 too.
  const abort = new AbortController();
  const interrupt = () => abort.abort();
  process.once('SIGINT', interrupt);
  try {
    return await diffModelsWith(cmd, abort.signal);
  } finally {
    process.off('SIGINT', interrupt);
  }
}

async function diffModelsWith(cmd: DiffModelsCommand, signal: AbortSignal): Promise<number> {
  const prompts = await readPrompts(cmd.prompts);
  const hasAnswers = prompts.some((p) => p.answer !== null);
  const tokens = cmd.tokens ?? (hasAnswers ? 'answer' : 'prompt');
  if (tokens === 'answer' && !hasAnswers) throw new CannotRun(`--tokens answer: ${cmd.prompts} has no answers (give answer, or base_answer and tuned_answer)`);
  const { pack, path: packPath } = await loadPackOrFail({ pack: cmd.base, threads: cmd.threads, device: cmd.device });
  let tuned: TunedModel | null = null;
  try {
    const conflict = cmd.output ? await outputConflict(cmd.output, [cmd.prompts, cmd.tuned], packPath, pack.root) : null;
    if (conflict) throw new CannotRun(conflict);
    // Said before the models run, not after.
    if (cmd.writePack) {
      await checkTarget(pack, cmd.writePack).catch((e: Error) => {
        throw new CannotRun(`--write-pack: ${e.message}`);
      });
    }
    tuned = await loadTunedModel(cmd.tuned, pack, { threads: cmd.threads, device: cmd.device }).catch((e: Error) => {
      throw new CannotRun(`cannot use the tuned model: ${e instanceof TunedModelError ? e.message : `${cmd.tuned}: ${e.message}`}`);
    });
    const result = await run(cmd, pack, tuned, prompts, tokens, signal);
    if (result === null) return 130;
    if (result.used === 0) throw new CannotRun(`no prompt of ${cmd.prompts} had a token to count`);
    // Every pick must name a latent before anything is written.
    const picked = cmd.pick.map((rank) => {
      const l = atRank(result.ranking, rank);
      if (!l) throw new CannotRun(`--pick ${rank}: no latent has that rank (${result.ranking.increases.length} rose, ${result.ranking.decreases.length} fell)`);
      return l;
    });
    const snippets = (l: RankedLatent) => snippetsOf(pack, prompts, result, l);
    const baseName = `${pack.manifest.name} ${pack.manifest.version}`;
    const report = modelDiffReport(result, { base: baseName, tuned: tuned.label, promptsFile: cmd.prompts, notes: tuned.unchecked, latents: pack.latents, top: cmd.top, snippets });
    await writeReport(cmd.output, cmd.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : cmd.format === 'md' ? modelDiffMarkdown(report) : modelDiffTable(report));
    const t = report.timing;
    process.stderr.write(`persona-lens: ${t.modelTokens} tokens through the two models in ${t.seconds} s (${t.tokensPerSecond} tokens/s; ${Math.round(100 * t.modelShare)}% of the time in the models)\n`);
    if (cmd.writePack) {
      // The written pack is loaded to verify it: the tuned model's memory is given back first.
      await tuned.session.dispose();
      const label = tuned.label;
      tuned = null;
      await writePack(cmd, pack, result, picked, snippets, label, tokens);
    }
    return 0;
  } finally {
    await tuned?.session.dispose();
    await pack.dispose();
  }
}

async function readPrompts(file: string): Promise<Prompt[]> {
  const format = promptFormatOf(file);
  if (!format) throw new CannotRun(`--prompts ${file}: name a .yaml/.yml, .csv or .jsonl file (the extension says how to read it)`);
  await checkReadable([file]);
  try {
    return parsePrompts(await readFile(file, 'utf8'), format);
  } catch (e) {
    if (e instanceof PromptFileError) throw new CannotRun(`--prompts ${file}: ${e.message}`);
    throw e;
  }
}

/** The two models over the prompts, with a progress line; null when interrupted (Ctrl-C). */
async function run(cmd: DiffModelsCommand, pack: LoadedPack, tuned: TunedModel, prompts: Prompt[], tokens: 'answer' | 'prompt', signal: AbortSignal): Promise<ModelDiffResult | null> {
  const progress = new Progress(process.stderr, cmd.progress === 'auto');
  const started = Date.now();
  try {
    return await diffModels(pack, tuned.session, prompts, {
      tokens,
      signal,
      onProgress: (p) =>
        progress.show(() => {
          const secs = (Date.now() - started) / 1000;
          return `diff-models: ${p.prompts} of ${p.of} prompts, ${p.tokens} tokens counted (${secs > 0 ? Math.round(p.tokens / secs) : 0} tokens/s)`;
        }),
    });
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    progress.clear();
    process.stderr.write('persona-lens: interrupted: no report or pack was written\n');
    return null;
  } finally {
    progress.clear();
  }
}

async function writePack(
  cmd: DiffModelsCommand,
  pack: LoadedPack,
  result: ModelDiffResult,
  picked: RankedLatent[],
  snippets: (l: RankedLatent) => ReturnType<typeof snippetsOf>,
  tunedLabel: string,
  tokens: 'answer' | 'prompt',
): Promise<void> {
  const provenance = { tunedLabel, promptsFile: cmd.prompts, tokens, counted: result.tuned.tokens };
  const entries = picked.map((l, i) => diffLatentEntry(l, cmd.labels[i] ?? null, snippets(l), provenance));
  const latents = withLatents(pack.latents, entries, picked.map((_, i) => cmd.labels[i] !== undefined));
  const note = `latents.json: ${picked.map((l) => `latent ${l.index} (#${l.rank})`).join(', ')} added by persona-lens diff-models against ${tunedLabel} on ${cmd.prompts}.`;
  try {
    await writeDiffPack(pack, cmd.writePack!, latents, note, { threads: cmd.threads });
  } catch (e) {
    if (e instanceof WritePackError) throw new CannotRun(`--write-pack: ${e.message}`);
    throw new CannotRun(`--write-pack ${cmd.writePack}: ${(e as Error).message}`);
  }
  process.stderr.write(`persona-lens: wrote ${cmd.writePack}: the base pack with ${entries.map((e) => `latent ${e.index} "${e.label}"`).join(', ')} in latents.json\n`);
}
