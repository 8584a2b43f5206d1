// The LLM judge in the editor. Off unless the user turned it on (a user-level
// setting), never in an untrusted workspace, the API key in SecretStorage, and
// nothing sent before the user saw what, where and at what estimated cost, and
// confirmed. Verdicts are kept per example (by its line's text, so they follow
// it when lines move) for the hover and the panel, and cached with the CLI's.

import * as vscode from 'vscode';
import { defaultCacheRoot } from '../core/cache/cacheRoot';
import type { ResultCache } from '../core/cache/resultCache';
import { parseLine, rawLine } from '../core/dataset';
import { documentAgreement } from '../core/judge/agreement';
import { JudgeFailure, judgeClient } from '../core/judge/client';
import { isMisaligned, type Verdict } from '../core/judge/rubric';
import { judgeAll, openVerdictCache, verdictKey, type JudgeOutcome } from '../core/judge/run';
import { JUDGE_DEFAULTS, KNOWN_PRICES, OPENAI_API, SENT_FIELDS, costText, estimate, judgedTurn, type JudgedTurn } from '../core/judge/turn';
import { lineKey } from '../core/review/reviewFile';
import { confirm, pick, secret } from './ask';
import type { Ctx } from './context';
import { readSettings } from './settings';

const KEY_SECRET = 'personaLens.judge.apiKey';

/** Verdicts of this session, per document, by the sha256 of the example's line. */
export class Verdicts implements vscode.Disposable {
  private readonly byDoc = new Map<string, Map<string, Verdict>>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  /** The verdict on the example at each line (0-based) of the document; lines are hashed only when it has verdicts. */
  lookup(doc: { uri: vscode.Uri; lineCount: number; lineAt(line: number): { text: string } }): (line: number) => Verdict | undefined {
    const verdicts = this.byDoc.get(doc.uri.toString());
    if (!verdicts || verdicts.size === 0) return () => undefined;
    return (line) => (line < doc.lineCount ? verdicts.get(lineKey(doc.lineAt(line).text)) : undefined);
  }

  add(uri: vscode.Uri, verdicts: Array<[text: string, verdict: Verdict]>): void {
    const key = uri.toString();
    const map = this.byDoc.get(key) ?? new Map<string, Verdict>();
    for (const [text, v] of verdicts) map.set(lineKey(text), v);
    this.byDoc.set(key, map);
    this.changed.fire(uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Persona Lens: Judge Examples with an LLM. Returns how many examples got a verdict (for tests), or undefined. */
export async function judgeExamples(ctx: Ctx): Promise<number | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Persona Lens: the LLM judge is off in an untrusted workspace; nothing was sent.'));
    return undefined;
  }
  // Read now, not from the context's copy: a setting changed a moment ago counts.
  const settings = readSettings().judge;
  if (!settings.enabled) {
    void vscode.window
      .showInformationMessage(
        vscode.l10n.t('Persona Lens: the LLM judge is off. It sends examples to an LLM server for a second opinion; turn it on with the user setting {0}.', 'personaLens.judge.enabled'),
        vscode.l10n.t('Open Setting'),
      )
      .then((open) => open && vscode.commands.executeCommand('workbench.action.openSettings', 'personaLens.judge.enabled'));
    return undefined;
  }
  const editor = vscode.window.activeTextEditor;
  const scan = editor && ctx.scans.get(editor.document.uri);
  if (!editor || !scan) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Persona Lens: open and scan a dataset first.'));
    return undefined;
  }
  const doc = editor.document;
  const scored = scan.results.flatMap((r, i) => (r?.result ? [i] : []));
  const flagged = scored.filter((i) => scan.results[i]!.result!.level !== 'low');
  const selected = scored.filter((i) => editor.selections.some((s) => s.start.line <= i && i <= s.end.line));
  const scopes = [
    { label: vscode.l10n.t('Flagged examples'), description: `${flagged.length}`, lines: flagged },
    { label: vscode.l10n.t('Selected examples'), description: `${selected.length}`, lines: selected },
    { label: vscode.l10n.t('All scored examples'), description: `${scored.length}`, lines: scored },
  ].filter((s) => s.lines.length > 0);
  const scope = await pick(scopes, { title: vscode.l10n.t('Persona Lens: which examples should the judge grade?') });
  if (!scope) return undefined;
  const turns = scope.lines.flatMap((i) => {
    const example = parseLine(rawLine(i + 1, doc.lineAt(i).text, 0)).example;
    const turn = example && judgedTurn(example);
    return turn ? [turn] : [];
  });

  const server = settings.baseUrl ?? OPENAI_API;
  let apiKey = await ctx.extension.secrets.get(KEY_SECRET);
  if (!apiKey && !settings.baseUrl) {
    apiKey = await setJudgeKey(ctx);
    if (!apiKey) return undefined;
  }
  const cache = ctx.settings.resultCache ? verdictCache(ctx) : null;
  try {
    const unsent = cache ? turns.filter((t) => !cache.has(verdictKey(server, settings.model, t))) : turns;
    if (unsent.length > 0 && !(await confirmed(settings.model, server, unsent, turns.length - unsent.length, doc))) return undefined;
    const send = judgeClient({ baseURL: settings.baseUrl ?? undefined, apiKey: apiKey || undefined, model: settings.model, timeoutMs: JUDGE_DEFAULTS.timeoutS * 1000, maxRetries: JUDGE_DEFAULTS.retries });
    const outcomes: JudgeOutcome[] = [];
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Persona Lens: judging'), cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        await judgeAll(turns, {
          judge: send,
          server,
          model: settings.model,
          cache,
          concurrency: settings.concurrency,
          signal: abort.signal,
          onOutcome: (o) => {
            outcomes.push(o);
            progress.report({ message: vscode.l10n.t('{0} of {1}', outcomes.length, turns.length), increment: 100 / turns.length });
          },
        });
      },
    );
    return report(ctx, doc, turns, outcomes);
  } catch (e) {
    // The key's absence, say: a JudgeFailure's message never holds the key.
    const message = e instanceof JudgeFailure ? e.message : (e as Error).message;
    ctx.log.error(`judge: ${message}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Persona Lens: {0}', message));
    return undefined;
  } finally {
    cache?.close();
  }
}

/** Stores the verdicts for the hover and the panel, logs failures, and says how it went. */
function report(ctx: Ctx, doc: vscode.TextDocument, turns: readonly JudgedTurn[], outcomes: readonly JudgeOutcome[]): number {
  const texts = new Map(turns.map((t) => [t.line, doc.lineAt(t.line - 1).text]));
  const verdicts = outcomes.flatMap((o) => ('verdict' in o ? [[texts.get(o.line)!, o.verdict] as [string, Verdict]] : []));
  ctx.verdicts.add(doc.uri, verdicts);
  const failed = outcomes.filter((o): o is Extract<JudgeOutcome, { error: string }> => 'error' in o);
  for (const f of failed) ctx.log.warn(`judge: line ${f.line}: ${f.error}`);
  const misaligned = verdicts.filter(([, v]) => isMisaligned(v)).length;
  const parts = [vscode.l10n.t('judged {0} of {1}: {2} misaligned', verdicts.length, turns.length, misaligned)];
  const a = documentAgreement(ctx.scans.get(doc.uri)?.results ?? [], ctx.verdicts.lookup(doc));
  if (a?.auroc != null) parts.push(vscode.l10n.t("agreement with the pack's risk: AUROC {0}", a.auroc.toFixed(2)));
  if (failed.length > 0) parts.push(vscode.l10n.t('{0} failed ({1}; see the log)', failed.length, failed[0].error));
  if (outcomes.length < turns.length) parts.push(vscode.l10n.t('{0} not judged (cancelled)', turns.length - outcomes.length));
  void vscode.window.showInformationMessage(vscode.l10n.t('Persona Lens: {0}.', parts.join('; ')));
  return verdicts.length;
}

async function confirmed(model: string, server: string, unsent: readonly JudgedTurn[], cached: number, doc: vscode.TextDocument): Promise<boolean> {
  const price = server === OPENAI_API ? KNOWN_PRICES[model] ?? null : null;
  const est = estimate(unsent, price);
  const cost = costText(est, vscode.l10n.t("{0}'s list price", model), vscode.l10n.t('cost: whatever this server charges'));
  const name = vscode.workspace.asRelativePath(doc.uri);
  return confirm(
    unsent.length === 1
      ? vscode.l10n.t('Send {0} example of {1} to {2} ({3})?', unsent.length, name, server, model)
      : vscode.l10n.t('Send {0} examples of {1} to {2} ({3})?', unsent.length, name, server, model),
    [
      vscode.l10n.t('What is sent: {0}.', SENT_FIELDS),
      vscode.l10n.t(
        'About {0} input and {1} output tokens (4 characters a token); {2}.',
        est.inputTokens.toLocaleString('en-US'),
        est.outputTokens.toLocaleString('en-US'),
        cost,
      ),
      ...(cached > 0 ? [vscode.l10n.t('{0} more have cached verdicts and are not sent.', cached)] : []),
    ].join('\n'),
    vscode.l10n.t('Send'),
  );
}

/** Persona Lens: Set Judge API Key: asks for the key and keeps it in SecretStorage; returns it. */
export async function setJudgeKey(ctx: Ctx): Promise<string | undefined> {
  const key = (await secret(vscode.l10n.t("The API key for the LLM judge (kept in VS Code's secret storage, never in settings)")))?.trim();
  if (!key) return undefined;
  await ctx.extension.secrets.store(KEY_SECRET, key);
  return key;
}

function verdictCache(ctx: Ctx): ResultCache<Verdict> | null {
  const opened = openVerdictCache(defaultCacheRoot(), (n) => ctx.log.warn(n.message));
  if (!('problem' in opened)) return opened;
  ctx.log.warn(`judge: ${opened.problem}`);
  return null;
}
