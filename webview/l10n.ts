// The page's text. The code holds it in English and calls l10n.t; the translations come
// from the extension, which embeds VS Code's bundle for the display language in the page
// (panelHtml.ts: `data-l10n` on <body>; none when the display language is English).
// Imported first by main.ts, so the bundle is in place before any text is made.

import * as l10n from '@vscode/l10n';
import type { Decision } from '../src/extension/panel/panelProtocol';

const bundle = document.body.dataset.l10n;
if (bundle) l10n.config({ contents: bundle });

/** A risk level as the page shows it: `low`, `elevated`, `high`. */
export function levelText(level: 'low' | 'elevated' | 'high'): string {
  return level === 'high' ? l10n.t('high') : level === 'elevated' ? l10n.t('elevated') : l10n.t('low');
}

/** A row's review decision as the page shows it ('' for none). */
export function reviewText(review: Decision | ''): string {
  return review === 'reviewed' ? l10n.t('reviewed') : review === 'suppressed' ? l10n.t('suppressed') : review === 'rejected' ? l10n.t('rejected') : '';
}
