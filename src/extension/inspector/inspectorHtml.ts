// The inspector's page: one example as a conversation (roles, prose as text, fenced code
// monospaced), the stretches that contributed most to its risk shaded by how much, its
// review state and actions, and the pack's named latents with how strongly each fired on it.
// Every piece of dataset text is escaped; the only script is the page's own, under its nonce.

import * as l10n from '@vscode/l10n';
import { escapeHtml } from '../../core/html';
import type { Decision } from '../../core/review/reviewFile';
import type { InspectedMessage, Piece } from '../../core/review/inspect';
import type { ExampleScore, LatentHit } from '../../core/score/types';
import type { NamedInfo } from '../../worker/protocol';
import { decisionName, levelName, rawScoreText, riskMeaning } from '../editor/riskText';

export interface InspectorView {
  file: string;
  /** 1-based. */
  line: number;
  result: ExampleScore | null;
  /** Why the line has no risk, when it has none (its first error). */
  problem: string | null;
  messages: InspectedMessage[];
  decision: Decision | undefined;
  /** Whether decisions can be recorded (a saved file: the sidecar sits beside it). */
  decidable: boolean;
  prior: number | null;
  named: NamedInfo[];
  /** This example's latents (every latent's encode); null until they came, or for no example. */
  latents: LatentHit[] | null;
}

/** Named latents listed: those that fired most on the example. */
const LISTED = 8;

export function inspectorHtml(v: InspectorView, nonce: string, script: string): string {
  const r = v.result;
  const head = r
    ? `<p class="risk ${r.level}"><b>${escapeHtml(l10n.t('{0} risk {1}', levelName(r.level), r.risk.toFixed(3)))}</b>${r.persona ? ` · ${escapeHtml(r.persona)}` : ''}${v.decision ? ` · ${escapeHtml(decisionName(v.decision))}` : ''}</p><p class="meaning">${escapeHtml(riskMeaning(r.risk, v.prior))}.</p>${r.promptEnd === undefined ? '' : `<p class="meaning">${escapeHtml(rawScoreText(r))}.</p>`}`
    : `<p class="risk"><b>${escapeHtml(l10n.t('No risk'))}</b>: ${escapeHtml(v.problem ?? l10n.t('this line is not a scored example'))}</p>`;
  const decide = (d: Decision | null, title: string) => `<button data-decide="${d ?? 'clear'}"${v.decision === d || (d === null && !v.decision) ? ' disabled' : ''}>${escapeHtml(title)}</button>`;
  const actions = [
    `<button data-go="-1" title="${escapeHtml(l10n.t('Previous flagged example'))}">◀ ${escapeHtml(l10n.t('Previous flagged'))}</button>`,
    `<button data-go="1" title="${escapeHtml(l10n.t('Next flagged example'))}">${escapeHtml(l10n.t('Next flagged'))} ▶</button>`,
    `<button data-reveal>${escapeHtml(l10n.t('Show in editor'))}</button>`,
    ...(r && r.level !== 'low' && v.decidable
      ? [decide('reviewed', l10n.t('Mark reviewed')), decide('suppressed', l10n.t('Suppress')), decide('rejected', l10n.t('Reject')), decide(null, l10n.t('Clear review'))]
      : []),
  ];
  const maxScore = Math.max(1e-9, ...v.messages.flatMap((m) => m.pieces.flatMap((p) => p.marks.map((k) => k.score))));
  const messages = v.messages.map(
    (m) =>
      `<section class="message ${escapeHtml(m.role)}"><h3>${escapeHtml(m.role)}${m.trained ? '' : ` <small>${escapeHtml(l10n.t('(not trained on)'))}</small>`}</h3>${m.pieces.map((p) => piece(p, maxScore)).join('')}</section>`,
  );
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'">
<title>${escapeHtml(l10n.t('Persona Lens: inspect example'))}</title>
<style nonce="${nonce}">${STYLE}</style></head><body>
<h2>${escapeHtml(l10n.t('{0}: line {1}', v.file, v.line))}</h2>
${head}
<p class="actions">${actions.join('')}</p>
${r && r.topTokens.length > 0 ? `<p class="legend">${escapeHtml(l10n.t('Shaded: the stretches that raised the risk most, darker for more (hover one for its score).'))}</p>` : ''}
${messages.join('\n')}
${latentsSection(v)}
<script nonce="${nonce}">${script}</script>
</body></html>
`;
}

/** Prose or code, its marks shaded: each mark's opacity its score's share of the example's largest. */
function piece(p: Piece, maxScore: number): string {
  const marks = [...p.marks].sort((x, y) => x.start - y.start);
  let out = '';
  let at = 0;
  for (const k of marks) {
    if (k.start < at) continue;
    out += escapeHtml(p.text.slice(at, k.start));
    const alpha = Math.max(0.15, Math.min(1, k.score / maxScore)) * 0.6;
    out += `<mark title="${k.score.toFixed(3)}" class="a${Math.round(alpha * 10)}">${escapeHtml(p.text.slice(k.start, k.end))}</mark>`;
    at = k.end;
  }
  out += escapeHtml(p.text.slice(at));
  return p.code ? `<pre><code>${out}</code></pre>` : `<p class="prose">${out}</p>`;
}

/** The pack's named latents, strongest on this example first, each with its label and the start of its top examples. */
function latentsSection(v: InspectorView): string {
  // A line with no risk has nothing to encode.
  if (!v.result) return '';
  const fired = new Map((v.latents ?? []).map((h) => [h.index, h.max]));
  const rows = v.named
    .map((n) => ({ n, act: n.latent === null ? null : fired.get(n.latent) ?? 0 }))
    .sort((a, b) => (b.act ?? -1) - (a.act ?? -1))
    .slice(0, LISTED)
    .map(({ n, act }) => {
      const name = n.latent === null ? l10n.t('direction {0}', String(n.direction)) : l10n.t('latent {0}', n.latent);
      const strength = escapeHtml(
        act === null ? l10n.t('a direction: read out, not encoded') : v.latents ? l10n.t('activation {0} on this example', act.toFixed(2)) : l10n.t('activation: computing…'),
      );
      // The term that names this example (its part of the score above its threshold: naming.ts) says so.
      const names = v.result!.persona === n.label ? ` · ${escapeHtml(l10n.t('names this example'))}` : '';
      const examples = n.examples.map((e) => `<li><code>${escapeHtml(e)}</code></li>`).join('');
      return `<details><summary><b>${escapeHtml(n.label)}</b> · ${escapeHtml(name)} (${escapeHtml(n.method)}) · ${strength}${names}</summary><ul>${examples}</ul></details>`;
    });
  const unnamed = (v.latents ?? []).filter((h) => h.label === undefined).slice(0, 5);
  const strongest =
    unnamed.length > 0 ? `<p>${escapeHtml(l10n.t('Strongest unnamed latents here: {0}.', unnamed.map((h) => `${h.index} (${h.max.toFixed(2)})`).join(', ')))}</p>` : '';
  return rows.length > 0 || strongest ? `<h3>${escapeHtml(l10n.t("The pack's named latents on this example"))}</h3>${rows.join('')}${strongest}` : '';
}

const STYLE = `
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 0 1em 2em; }
.message { border-left: 3px solid var(--vscode-panel-border, #8884); padding: 0 0 0 0.8em; margin: 0.8em 0; }
.message.assistant { border-left-color: var(--vscode-textLink-foreground); }
h3 { font-size: 0.85em; text-transform: uppercase; letter-spacing: 0.05em; margin: 0.4em 0; opacity: 0.8; }
.prose { white-space: pre-wrap; margin: 0.3em 0; }
pre { background: var(--vscode-textCodeBlock-background); padding: 0.5em; overflow-x: auto; font-family: var(--vscode-editor-font-family); }
mark { color: inherit; border-radius: 2px; }
${Array.from({ length: 11 }, (_, i) => `mark.a${i} { background: rgba(229, 83, 58, ${(i / 10).toFixed(1)}); }`).join('\n')}
.risk.high b { color: var(--vscode-errorForeground); } .risk.elevated b { color: var(--vscode-editorWarning-foreground); }
.meaning, .legend { opacity: 0.85; }
button { color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); border: none; padding: 3px 8px; margin: 0 4px 4px 0; cursor: pointer; }
button:hover:enabled { background: var(--vscode-button-secondaryHoverBackground); } button:disabled { opacity: 0.5; cursor: default; }
details { margin: 0.3em 0; } code { font-family: var(--vscode-editor-font-family); }
`;
