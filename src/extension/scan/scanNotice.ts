// A long scan also shows its progress in a cancellable notification (issue #15 item 6): the
// status bar's spinner is easy to miss during the minutes a large file takes. It appears only
// once a scan has run NOTICE_AFTER_MS, so the quick rescans after an edit never raise one.

import { basename } from 'node:path';
import * as vscode from 'vscode';
import { scanProgress } from '../editor/riskText';

export const NOTICE_AFTER_MS = 2000;
const UPDATE_MS = 500;

/** The scan a notice follows: its progress so far, its end, and how to stop it. */
export interface NoticedScan {
  uri: vscode.Uri;
  progress(): { lines: number; total: number; startedAt: number };
  ended: Promise<unknown>;
  cancel(): void;
}

/** What the newest notice showed, and a way to press its Cancel: the tests read and use them. */
let newest: { title: string; message: string; cancel: () => void } | null = null;

export function newestScanNotice(): { title: string; message: string } | null {
  return newest && { title: newest.title, message: newest.message };
}

export function cancelNewestScanNotice(): boolean {
  if (!newest) return false;
  newest.cancel();
  return true;
}

/** Shows `scan`'s progress in a notification if it is still going after NOTICE_AFTER_MS. */
export function noticeLongScan(scan: NoticedScan): void {
  let ended = false;
  void scan.ended.finally(() => (ended = true));
  setTimeout(() => {
    if (!ended) void show(scan, () => ended);
  }, NOTICE_AFTER_MS);
}

function show(scan: NoticedScan, hasEnded: () => boolean): Thenable<void> {
  const title = vscode.l10n.t('Persona Lens: scanning {0}', basename(scan.uri.path));
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const notice = { title, message: '', cancel: () => scan.cancel() };
    newest = notice;
    token.onCancellationRequested(() => scan.cancel());
    let shown = 0;
    const update = () => {
      const p = scan.progress();
      const done = p.total > 0 ? (100 * Math.min(p.lines, p.total)) / p.total : 0;
      notice.message = scanProgress(p.lines, p.total, Date.now() - p.startedAt);
      progress.report({ message: notice.message, increment: done - shown });
      shown = done;
    };
    update();
    return new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (hasEnded()) {
          clearInterval(timer);
          resolve();
        } else update();
      }, UPDATE_MS);
    });
  });
}
