// The editor benchmark's part inside VS Code: an extension-test entry (exports
// run()) that bench/editor/run.ts loads into the real workbench's extension
// host. It opens a large dataset as a user would and measures, in the
// extension host itself:
//   - the longest event-loop stalls (monitorEventLoopDelay) while the file is
//     scanned: with nothing else going on (from the editor showing, and after
//     the edits) and while it is edited,
//   - time until every line on screen has its result, cold (pack loaded, cache empty)
//     and warm (a second file with the same lines: the scan host's line cache),
//   - time from an edit to the edited line's new result,
//   - the control: the same stalls with VS Code alone (the same file as plain
//     text, not scanned, the same edits and waits),
//   - the opening and edits again on other files (BENCH_EDITOR_REPEATS), each
//     with its own control, since one opening's stall swings by hundreds of ms,
//   - for each phase's longest stall, who had the cores meanwhile (sched.ts) and
//     what ran in the extension host's thread, Persona Lens's share of it
//     (profile.ts, from a CPU profile of the whole run).
// Results are one JSON line, prefixed with PERSONA_LENS_TEST_MARK.
// BENCH_EDITOR_PROFILE=FILE also writes that CPU profile of the extension host
// (open it in Chrome's DevTools).
// BENCH_EDITOR_NO_MERGE_CONFLICT=1 turns VS Code's merge-conflict decorations
// and code lenses off first.

import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import type { Profiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { ProfileReader, type ProfileShare } from './profile';
import { describeCause, hrMs, SchedSampler, type StallCause } from './sched';

interface LinesState {
  version: number;
  done: boolean;
  scored: number;
  fresh: number[];
}

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (bench/editor/run.ts sets it)`);
  return value;
};

function linesState(doc: vscode.TextDocument, first: number, last: number): Promise<LinesState | undefined> {
  return Promise.resolve(vscode.commands.executeCommand<LinesState | undefined>('personaLens.test.linesState', doc.uri.toString(), first, last));
}

/** Progress for the person running the benchmark (the runner prints it to stderr). */
const note = (what: string) => console.log(`${process.env.PERSONA_LENS_TEST_MARK}editor bench: ${what}`);

/** Polls every few ms until `probe` holds; answers the ms it took since `since`. */
async function until(what: string, since: number, probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<number> {
  for (;;) {
    if (await probe()) {
      const ms = performance.now() - since;
      note(`${what}: ${Math.round(ms)} ms`);
      return ms;
    }
    if (performance.now() - since > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** 1-based lines on screen in the editor. */
function onScreen(editor: vscode.TextEditor): [number, number] {
  const r = editor.visibleRanges;
  return [r[0].start.line + 1, r[r.length - 1].end.line + 1];
}

/** Waits until every example on screen has a result; answers the ms since `since`. */
async function visibleScored(editor: vscode.TextEditor, since: number): Promise<number> {
  const [first, last] = onScreen(editor);
  const doc = editor.document;
  let examples = 0;
  for (let line = first; line <= last; line++) if (!doc.lineAt(line - 1).isEmptyOrWhitespace) examples++;
  return until(`lines ${first}-${last} of ${doc.fileName}`, since, async () => (await linesState(doc, first, last))?.scored === examples);
}

/**
 * Profiles the extension host's thread from now on (for what ran in each stall: sayShares);
 * answers a function that stops and answers the profile, written to BENCH_EDITOR_PROFILE if set.
 */
async function startProfile(): Promise<() => Promise<Profiler.Profile>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const file = process.env.BENCH_EDITOR_PROFILE;
    if (file) {
      writeFileSync(file, JSON.stringify(profile));
      note(`CPU profile written to ${file}`);
    }
    return profile;
  };
}

const ms = (ns: number) => ns / 1e6;
const stallOf = (h: IntervalHistogram) => ({ max: ms(h.max), p99: ms(h.percentile(99)), mean: ms(h.mean) });
const sleep = (msToWait: number) => new Promise((r) => setTimeout(r, msToWait));
/** Edits the benchmark makes, a word each. */
const EDITS = 5;
/** Seconds from the editor showing the file to the first edit: the scan with nothing else going on. */
const OPEN_SECONDS = 10;

/** Where the benchmark types into `line` (1-based): the end of its assistant turn. */
function typingAt(editor: vscode.TextEditor, line: number): vscode.Position {
  return new vscode.Position(line - 1, editor.document.lineAt(line - 1).text.lastIndexOf('."'));
}

/** The cursor put where the next word goes, as a person clicks there before typing (300 ms before it, in both runs). */
function placeCursor(editor: vscode.TextEditor, line: number): void {
  const at = typingAt(editor, line);
  editor.selection = new vscode.Selection(at, at);
}

/** The benchmark's edit: a word typed at the end of the assistant's turn of `line` (1-based). */
function typeWord(editor: vscode.TextEditor, line: number): Thenable<boolean> {
  return editor.edit((e) => e.insert(typingAt(editor, line), ' indeed'));
}

/**
 * Types a word into `line` (1-based) and waits for its new result. Timed from the change
 * reaching the extension host (VS Code's own part, the edit's trip through the window, apart),
 * with the extension host's longest stall meanwhile: results wait it out.
 */
async function editAndRescore(editor: vscode.TextEditor, line: number): Promise<{ rescoreMs: number; editMs: number; stallMs: number }> {
  const doc = editor.document;
  let changedAt = 0;
  const listener = vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.document === doc) changedAt = performance.now();
  });
  const t = performance.now();
  let rescoreMs = 0;
  const stall = await stallsDuring(
    (async () => {
      await typeWord(editor, line);
      const version = doc.version;
      await until(`line ${line} re-scored`, t, async () => {
        const s = await linesState(doc, line, line);
        return s?.version === version && s.fresh.includes(line);
      });
      rescoreMs = performance.now() - changedAt;
    })(),
  );
  listener.dispose();
  return { rescoreMs, editMs: changedAt - t, stallMs: stall.max };
}

/**
 * The edits of a run and their stalls: a word typed into each of EDITS lines on screen by `edit`,
 * the cursor put there 300 ms before, then `pauseMs(i)` of quiet after the i-th.
 */
function editPhase(editor: vscode.TextEditor, edit: (line: number) => Thenable<unknown>, pauseMs: (i: number) => number) {
  const [first] = onScreen(editor);
  return stallsDuring(
    (async () => {
      for (let i = 0; i < EDITS; i++) {
        placeCursor(editor, first + 2 + i);
        await sleep(300);
        await edit(first + 2 + i);
        await sleep(pauseMs(i));
      }
    })(),
  );
}

/** The stalls in each part of a run: the file just shown, edits, then the scan going on with nothing else. */
export interface PhaseStalls {
  opening: Stalls;
  editing: Stalls;
  scanning: Stalls;
}

/** A gap of more than this between timer ticks is kept with when it began (`gaps`). */
const GAP_MS = 60;
/** Where the longest gap's time went (bench/editor/sched.ts). */
const sampler = SchedSampler.create();

/**
 * Event-loop stalls from now until `done` resolves, with the longest gaps between timer ticks
 * and when each began (ms from now): which of VS Code's tasks a stall is can then be told
 * apart by when it comes (link detection at opening, say).
 */
async function stallsDuring(done: Promise<unknown>): Promise<Stalls> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const start = hrMs();
  const gaps: { at: number; ms: number }[] = [];
  let last = start;
  const ticks = setInterval(() => {
    const now = hrMs();
    if (now - last > GAP_MS) gaps.push({ at: Math.round(last - start), ms: Math.round(now - last) });
    last = now;
  }, 5);
  await done;
  clearInterval(ticks);
  h.disable();
  gaps.sort((a, b) => b.ms - a.ms);
  const longest = gaps.length > 0 ? { from: start + gaps[0].at, to: start + gaps[0].at + gaps[0].ms } : null;
  const cause = longest && sampler ? await sampler.cause(longest.from, longest.to) : null;
  return { ...stallOf(h), gaps: gaps.slice(0, 5), longest, cause, share: null };
}

/** A phase's stalls, and what took the time of its longest gap between timer ticks. */
export type Stalls = ReturnType<typeof stallOf> & {
  gaps: { at: number; ms: number }[];
  /** The longest gap (hrMs). */
  longest: { from: number; to: number } | null;
  /** Who had the cores meanwhile (bench/editor/sched.ts). */
  cause: StallCause | null;
  /** What ran in this thread meanwhile, the extension's share among it (bench/editor/profile.ts; filled in at the end of the run). */
  share: ProfileShare | null;
};

/** The extension's code in the extension host (a script's url ends so). */
const BUNDLE = 'dist/extension.js';

/** The phases said so far, their profile shares to come. */
const said: { what: string; stalls: Stalls }[] = [];

/** The longest gaps of a phase, for the person running the benchmark. */
function gapsOf(what: string, s: Stalls): void {
  said.push({ what, stalls: s });
  note(`${what}: longest gaps ${s.gaps.map((g) => `${g.ms} ms at ${(g.at / 1000).toFixed(2)} s`).join(', ') || 'none'}${s.longest ? ` (the longest: ${describeCause(s.cause)})` : ''}`);
}

/** Fills in each phase said's profile share of its longest gap, and says it. */
function sayShares(profile: ProfileReader): void {
  for (const { what, stalls } of said) {
    if (!stalls.longest) continue;
    stalls.share = profile.share(stalls.longest.from, stalls.longest.to);
    note(`${what}: the longest gap (${stalls.gaps[0].ms} ms): Persona Lens's code ${stalls.share.ours} ms; most of it in ${stalls.share.top.map((t) => `${t.name} ${t.ms} ms`).join(', ')}`);
  }
}

/**
 * The extension host's stalls with VS Code alone: the file as plain text (which
 * Persona Lens does not scan), the same parts as the measured run: a wait after
 * the editor shows, the edits, a wait after them. `gapsMs`: how long the measured
 * run waited for each edit's result. The control waits as long after each edit, since
 * VS Code's own work on an edit is debounced: its link detection (a `*` provider in this
 * thread, 400-560 ms over 100k lines) runs a second or more after the last edit, so
 * edits 600 ms apart put it after the editing phase, and the measured run's, 3 s apart,
 * inside it. Without gaps (the control before the run), edits are 600 ms apart.
 */
async function baselineStalls(file: string, scanSeconds: number, gapsMs: readonly number[] = [], as: 'text' | 'jsonl' = 'text'): Promise<PhaseStalls> {
  let uri: vscode.Uri;
  if (as === 'jsonl') uri = AloneFs.serve(file);
  else {
    const text = file.replace(/\.jsonl$/, '.baseline.txt');
    copyFileSync(file, text);
    uri = vscode.Uri.file(text);
  }
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  const opening = await stallsDuring(sleep(OPEN_SECONDS * 1000));
  const editing = await editPhase(editor, (line) => typeWord(editor, line), (i) => 300 + (gapsMs[i] ?? 0));
  const scanning = await stallsDuring(sleep(scanSeconds * 1000));
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  gapsOf(`VS Code alone (${as}), opening`, opening);
  gapsOf(`VS Code alone (${as}), editing`, editing);
  note(`VS Code alone (${as}): longest stalls ${[opening, editing, scanning].map((s) => Math.round(s.max)).join(', ')} ms`);
  return { opening, editing, scanning };
}

/**
 * The benchmark's file under a scheme Persona Lens does not scan (it scans `file` and
 * `untitled` documents), so that a control sees it as VS Code alone would: a JSON Lines
 * document, with that language's grammar, brackets and folding, where the plain-text control
 * has none of them. Edits stay in the editor (never saved).
 */
class AloneFs implements vscode.FileSystemProvider {
  private static readonly SCHEME = 'bench-alone';
  private static registered: AloneFs | undefined;
  private readonly files = new Map<string, Uint8Array>();
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;

  /** The uri of `file` served under the scheme. */
  static serve(file: string): vscode.Uri {
    if (!AloneFs.registered) {
      AloneFs.registered = new AloneFs();
      vscode.workspace.registerFileSystemProvider(AloneFs.SCHEME, AloneFs.registered);
    }
    const uri = vscode.Uri.from({ scheme: AloneFs.SCHEME, path: '/' + file.split('/').pop() });
    AloneFs.registered.files.set(uri.path, readFileSync(file));
    return uri;
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    const data = this.read(uri);
    return { type: vscode.FileType.File, ctime: 0, mtime: 0, size: data.length };
  }

  readFile(uri: vscode.Uri): Uint8Array {
    return this.read(uri);
  }

  private read(uri: vscode.Uri): Uint8Array {
    const data = this.files.get(uri.path);
    if (!data) throw vscode.FileSystemError.FileNotFound(uri);
    return data;
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  createDirectory(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  writeFile(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
}

/** A file Persona Lens scans, opened, then edited: the measured run's first two parts. */
async function openAndEdit(file: string) {
  const t = performance.now();
  const doc = await vscode.workspace.openTextDocument(file);
  const editor = await vscode.window.showTextDocument(doc);
  const openMs = performance.now() - t;
  // From the editor showing: VS Code's own loading of the file is not ours to count.
  const shown = performance.now();
  let firstColdMs = 0;
  const opening = await stallsDuring(
    (async () => {
      firstColdMs = await visibleScored(editor, shown);
      await sleep(OPEN_SECONDS * 1000 - (performance.now() - shown));
    })(),
  );

  // Edits: a word typed into the assistant's turn of a line on screen, a few times.
  const rescoreMs: number[] = [];
  const editMs: number[] = [];
  const rescoreStallMs: number[] = [];
  const editing = await editPhase(
    editor,
    async (line) => {
      const r = await editAndRescore(editor, line);
      rescoreMs.push(r.rescoreMs);
      editMs.push(r.editMs);
      rescoreStallMs.push(r.stallMs);
    },
    () => 300,
  );
  return { editor, doc, openMs, firstColdMs, opening, editing, rescoreMs, editMs, rescoreStallMs };
}

/** Another file's opening and edits, measured and controlled in the same run (bench/editor/run.ts EditorFigures). */
export interface Repeat {
  firstColdMs: number;
  rescoreMs: number[];
  opening: Stalls;
  editing: Stalls;
  control: { opening: Stalls; editing: Stalls };
  /** Which of the two ran first. */
  controlFirst: boolean;
}

/**
 * The opening and edits again on another file (other lines: a cold cache), and the control
 * on it, since one opening's stall swings by hundreds of ms from run to run. Which goes first
 * alternates, so a machine growing busier through the run favours neither.
 */
async function repeat(file: string, i: number, gapsMs: readonly number[]): Promise<Repeat> {
  const controlFirst = i % 2 === 0;
  const control = controlFirst ? await baselineStalls(file, 0, gapsMs) : undefined;
  const measured = await openAndEdit(file);
  gapsOf(`repeat ${i + 1}, opening`, measured.opening);
  gapsOf(`repeat ${i + 1}, editing`, measured.editing);
  await closeScanned(measured.doc);
  const after = control ?? (await baselineStalls(file, 0, gapsMs));
  const { firstColdMs, rescoreMs, opening, editing } = measured;
  return { firstColdMs, rescoreMs, opening, editing, control: { opening: after.opening, editing: after.editing }, controlFirst };
}

/** Closes `doc`'s editor unsaved, and waits until Persona Lens's scan of it stopped (its last tab closed). */
async function closeScanned(doc: vscode.TextDocument): Promise<void> {
  const t = performance.now();
  if (vscode.window.activeTextEditor?.document !== doc) await vscode.window.showTextDocument(doc);
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  const scanning = () => vscode.commands.executeCommand<{ scanning: boolean } | undefined>('personaLens.test.scanState', doc.uri.toString());
  await until(`${doc.fileName} closed, its scan stopped`, t, async () => !(await scanning())?.scanning, 10_000);
}

export async function run(): Promise<void> {
  try {
    await measure();
  } catch (e) {
    // The runner sees only marked lines.
    console.log(`${process.env.PERSONA_LENS_TEST_MARK}${(e as Error).stack}`);
    throw e;
  }
}

async function measure(): Promise<void> {
  const file = env('BENCH_EDITOR_FILE');
  const small = env('BENCH_EDITOR_SMALL');
  const scanSeconds = Number(env('BENCH_EDITOR_SCAN_SECONDS'));
  const user = vscode.ConfigurationTarget.Global;
  // The edits below must never reach the disk (code-server saves after a delay by default).
  await vscode.workspace.getConfiguration('files').update('autoSave', 'off', user);
  // Rescans start at once after an edit (the default waits 300 ms for typing to pause).
  await vscode.workspace.getConfiguration('personaLens').update('scanDelay', 0, user);
  await vscode.commands.executeCommand('personaLens.selectPack', env('BENCH_EDITOR_PACK'));
  await vscode.workspace.getConfiguration('personaLens').update('threads', Number(env('BENCH_EDITOR_THREADS')), user);
  if (process.env.BENCH_EDITOR_NO_MERGE_CONFLICT) {
    // VS Code's merge-conflict extension reads the whole document on every change, in this thread.
    await vscode.workspace.getConfiguration('merge-conflict').update('decorators.enabled', false, user);
    await vscode.workspace.getConfiguration('merge-conflict').update('codeLens.enabled', false, user);
  }

  // Profiled throughout, controls too, so that the profiler's cost falls on both sides.
  const stopProfile = await startProfile();
  // The control: VS Code alone on the same file and edits, before Persona Lens scans anything.
  const baseline = await baselineStalls(file, scanSeconds);

  // Cold start: the pack loads with the first document.
  let t = performance.now();
  const smallEditor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(small));
  const packLoadMs = await visibleScored(smallEditor, t);
  // The small file's one example edited, before the big file is open.
  const smallRescoreMs: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    placeCursor(smallEditor, 1);
    await sleep(300);
    smallRescoreMs.push((await editAndRescore(smallEditor, 1)).rescoreMs);
  }

  const all = monitorEventLoopDelay({ resolution: 5 });
  all.enable();
  const { doc, openMs, firstColdMs, opening, editing, rescoreMs, editMs, rescoreStallMs } = await openAndEdit(file);

  // The scan goes on through the rest of the file.
  const scanning = await stallsDuring(sleep(scanSeconds * 1000));
  gapsOf('opening', opening);
  gapsOf('editing', editing);
  all.disable();
  const progress = await linesState(doc, 1, doc.lineCount);

  // Warm: the same lines in another file come from the scan host's cache.
  const copy = file.replace(/\.jsonl$/, '.copy.jsonl');
  copyFileSync(file, copy);
  const warmEditor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(copy));
  const firstWarmMs = await visibleScored(warmEditor, performance.now());

  // The control again, with every extension that activated during the run still active (git's
  // file system provider, for one, makes VS Code look for links in every line of every
  // document after each change): Persona Lens's scans stopped, its files closed unsaved.
  for (const open of [warmEditor.document, doc, smallEditor.document]) await closeScanned(open);
  const gaps = rescoreMs.map((r, i) => r + editMs[i]);
  const baselineAfter = await baselineStalls(file, scanSeconds, gaps);
  const baselineJsonl = await baselineStalls(file, scanSeconds, gaps, 'jsonl');
  const repeats: Repeat[] = [];
  for (const [i, other] of (process.env.BENCH_EDITOR_REPEATS ?? '').split(delimiter).filter(Boolean).entries()) repeats.push(await repeat(other, i, gaps));
  const profile = new ProfileReader(await stopProfile(), BUNDLE);
  sayShares(profile);

  console.log(
    process.env.PERSONA_LENS_TEST_MARK +
      JSON.stringify({
        lines: doc.lineCount,
        packLoadMs,
        openMs,
        firstColdMs,
        firstWarmMs,
        rescoreMs,
        rescoreStallMs,
        smallRescoreMs,
        editMs,
        stallMs: { opening, editing, scanning, withOpen: { max: ms(all.max) }, baseline, baselineAfter, baselineJsonl },
        scanSeconds,
        openSeconds: OPEN_SECONDS,
        scoredDuringBench: progress?.scored ?? 0,
        repeats,
        own: profile.ownStretches(),
      }),
  );
}
