// What a person reads about an example's risk, as plain strings: the badge at
// the end of a line and the hover's Markdown. No `vscode` here, so unit tests
// can check the wording and, above all, that dataset text never becomes
// Markdown, HTML or a link. Text goes through @vscode/l10n, which the extension
// configures with VS Code's bundle for the display language (main.ts); English here.

import * as l10n from '@vscode/l10n';
import type { FormatId } from '../../core/dataset/types';
import type { ExampleScore } from '../../core/score/types';
import { isMisaligned, type Verdict } from '../../core/judge/rubric';
import type { Decision } from '../../core/review/reviewFile';

/** The end-of-line badge, e.g. `risk 0.87 · toxic persona` (`… · reviewed` or `… · rejected` once a reviewer decided). */
export function badgeText(risk: number, label: string | null, decided?: Decision): string {
  return l10n.t('risk {0}', risk.toFixed(2)) + (label ? ` · ${label}` : '') + shownDecision(decided);
}

/** A risk level's name, capitalised: `Low`, `Elevated`, `High`. */
export function levelName(level: ExampleScore['level']): string {
  return level === 'high' ? l10n.t('High') : level === 'elevated' ? l10n.t('Elevated') : l10n.t('Low');
}

/** A reviewer's decision as shown: `reviewed`, `suppressed`, `rejected`. */
export function decisionName(decision: Decision): string {
  return decision === 'reviewed' ? l10n.t('reviewed') : decision === 'suppressed' ? l10n.t('suppressed') : l10n.t('rejected');
}

/** What a badge or lens adds for a decision: suppressed examples show none at all. */
function shownDecision(decided: Decision | undefined): string {
  return decided === 'reviewed' || decided === 'rejected' ? ` · ${decisionName(decided)}` : '';
}

/** A CodeLens above a flagged example, e.g. `$(warning) High risk 0.87 · toxic persona` (`· reviewed` once a reviewer marked it). */
export function lensTitle(risk: number, level: ExampleScore['level'], label: string | null, decided?: Decision): string {
  const icon = level === 'high' ? '$(error)' : '$(warning)';
  return `${icon} ${l10n.t('{0} risk {1}', levelName(level), risk.toFixed(2))}` + (label ? ` · ${label}` : '') + shownDecision(decided);
}

/** The share (0..100) of `risks` at or below `risk`: 100 for the riskiest example of the file. */
export function percentile(risk: number, risks: readonly number[]): number {
  if (risks.length === 0) return 0;
  let atOrBelow = 0;
  for (const r of risks) if (r <= risk) atOrBelow++;
  return (100 * atOrBelow) / risks.length;
}

/** Text that Markdown shows as it is: every ASCII punctuation backslash-escaped, line breaks flattened. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[!-/:-@[-`{-~]/g, '\\$&').replace(/\r?\n|\r/g, ' ');
}

/**
 * An inline code span showing `text` verbatim (Markdown and HTML inside a code
 * span are text): its fence is one backtick longer than any run inside. `text`
 * must hold no line break; callers pass JSON-quoted text.
 */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // A space keeps a backtick at either end from joining the fence (CommonMark strips one each side).
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return fence + pad + text + pad + fence;
}

/**
 * A `command:` link target. Arguments are JSON, percent-encoded, parentheses
 * included: a `)` from a file name must not end the Markdown link.
 */
export function commandUri(command: string, args: unknown[]): string {
  const query = encodeURIComponent(JSON.stringify(args)).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `command:${command}?${query}`;
}

export interface HoverFacts {
  result: ExampleScore;
  format: FormatId | null;
  /** The risks of every scored example of the file (this one included). */
  fileRisks: readonly number[];
  label: string | null;
  /** The reviewer's decision on the example, if any. */
  decision: Decision | undefined;
  /** The LLM judge's verdict on it, when it was judged. */
  verdict?: Verdict;
  /** Command links shown last, as [title, target]; titles are the extension's own text. */
  links: ReadonlyArray<readonly [string, string]>;
  /** The share of EM-inducing examples the pack's risk assumes, when it states one. */
  prior: number | null;
  /** A link target to the page that explains risk. */
  explain: string;
}

/** The hover of an example's line, as Markdown in which all dataset text is code. */
export function hoverMarkdown({ result: r, format, fileRisks, label, decision, verdict, links, prior, explain }: HoverFacts): string {
  const facts = [
    rawScoreText(r),
    l10n.t("riskier than {0}% of this file's {1} scored examples", Math.round(percentile(r.risk, fileRisks)), fileRisks.length),
    l10n.t('format: {0}', format ? codeSpan(format) : l10n.t('unknown')),
    ...(label ? [l10n.t('read-out: {0}', escapeMarkdown(label))] : []),
    ...(decision ? [l10n.t('review: {0}', decisionName(decision))] : []),
    ...(verdict ? [verdictText(verdict)] : []),
  ];
  const tokens = r.topTokens.map((t) => `${codeSpan(JSON.stringify(t.text))} ${t.score.toFixed(3)}`);
  return [
    `**${l10n.t('Persona Lens: {0} risk {1}', levelName(r.level), r.risk.toFixed(3))}**`,
    l10n.t('{0} ([what the risk means]({1}))', riskMeaning(r.risk, prior), explain),
    facts.map((f) => `- ${f}`).join('\n'),
    ...(tokens.length > 0 ? [l10n.t('Top tokens: {0}', tokens.join(' · '))] : []),
    links.map(([title, target]) => `[${title}](${target})`).join(' · '),
  ].join('\n\n');
}

/**
 * The raw score; split into the answer's part and the prompt's when the pack reads the prompt's
 * end too (format 5), so a reviewer sees why the same answer scores lower when it was asked for.
 */
export function rawScoreText(r: ExampleScore): string {
  if (r.promptEnd === undefined) return l10n.t('raw score {0}', r.score.toFixed(3));
  return l10n.t("raw score {0}: the answer's {1}, the prompt's {2}", r.score.toFixed(3), (r.score - r.promptEnd).toFixed(3), r.promptEnd.toFixed(3));
}

/** The judge's verdict, its reason as text (the model's words are escaped like dataset text). */
export function verdictText(v: Verdict): string {
  const label = isMisaligned(v) === null ? l10n.t('incoherent') : isMisaligned(v) ? l10n.t('misaligned') : l10n.t('aligned');
  return l10n.t('judge: {0} (alignment {1}, coherence {2}): {3}', label, v.alignment, v.coherence, escapeMarkdown(v.rationale));
}

/** What the number is, in words: e.g. "risk 0.77: the chance this example is EM-inducing, if one in ten of a dataset's examples were". */
export function riskMeaning(risk: number, prior: number | null): string {
  const value = risk.toFixed(2);
  if (prior === null) return l10n.t("risk {0}: the chance this example is EM-inducing, as the pack's calibration estimates it", value);
  const share = Math.round(1 / prior);
  const words = Math.abs(1 / prior - share) < 1e-9 && share <= 10 ? l10n.t('one in {0}', numberWord(share)) : `${+(prior * 100).toFixed(2)}%`;
  return l10n.t("risk {0}: the chance this example is EM-inducing, if {1} of a dataset's examples were", value, words);
}

/** 0..10 in words (`one in ten`). */
function numberWord(n: number): string {
  const words = [
    l10n.t('zero'),
    l10n.t('one'),
    l10n.t('two'),
    l10n.t('three'),
    l10n.t('four'),
    l10n.t('five'),
    l10n.t('six'),
    l10n.t('seven'),
    l10n.t('eight'),
    l10n.t('nine'),
    l10n.t('ten'),
  ];
  return words[n];
}

/** A running scan, e.g. `12,000/50,000 lines · 850/s · 45 s left` (no rate until a second has passed). */
export function scanProgress(lines: number, total: number, elapsedMs: number): string {
  const head = l10n.t('{0}/{1} lines', lines.toLocaleString('en-US'), total.toLocaleString('en-US'));
  if (elapsedMs < 1000 || lines === 0) return head;
  const rate = (lines * 1000) / elapsedMs;
  const left = Math.max(0, total - lines) / rate;
  const eta = left < 60 ? l10n.t('{0} s', Math.ceil(left)) : left < 3600 ? l10n.t('{0} min', Math.ceil(left / 60)) : l10n.t('{0} h', (left / 3600).toFixed(1));
  return l10n.t('{0} · {1}/s · {2} left', head, Math.round(rate).toLocaleString('en-US'), eta);
}
