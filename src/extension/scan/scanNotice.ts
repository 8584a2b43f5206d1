// A long scan also shows its progress in a cancellable notification (issue #15 item 6): the
// status bar's spinner is easy to miss during the minutes a large file takes. It appears only
// once a scan has run NOTICE_AFTER_MS, so the quick rescans after an edit never raise one; and a
// rescan of a document whose notice shows takes that notice over, so editing a large file does
// not close it at each edit and raise another a moment later.

import { basename } from 'node:path';
import * as vscode from 'vscode';
import { scanProgress } from '../editor/riskText';

export const NOTICE_AFTER_MS = 2000;
const UPDATE_MS = 500;
/** A notice whose scan ended waits this long for a rescan to take it over before it closes (an edit ends a scan; its rescan starts after the scan delay). */
const HANDOVER_MS = 1000;

/** The scan a notice follows: its progress so far, its end, and how to stop it. */
export interface NoticedScan {
  uri: vscode.Uri;
  progress(): { lines: number; total: number; startedAt: number };
  ended: Promise<unknown>;
  cancel(): void;
}

/** A scan, and whether it ended. */
interface Followed {
  scan: NoticedScan;
  ended: boolean;
}

/** The notices showing, by document: what each follows now. */
const showing = new Map<string, { now: Followed }>();

/** What the newest notice showed, how many were raised, and a way to press its Cancel: the tests read and use them. */
let newest: { title: string; message: string; cancel: () => void } | null = null;
let raised = 0;

export function newestScanNotice(): { title: string; message: string; raised: number } | null {
  return newest && { title: newest.title, message: newest.message, raised };
}

export function cancelNewestScanNotice(): boolean {
  if (!newest) return false;
  newest.cancel();
  return true;
}

/** Shows `scan`'s progress in a notification if it is still going after NOTICE_AFTER_MS, or in its document's notice if one shows. */
export function noticeLongScan(scan: NoticedScan): void {
  const followed: Followed = { scan, ended: false };
  void scan.ended.finally(() => (followed.ended = true));
  const key = scan.uri.toString();
  const open = showing.get(key);
  if (open) {
    open.now = followed;
    return;
  }
  setTimeout(() => {
    if (!followed.ended && !showing.has(key)) void show(key, followed);
  }, NOTICE_AFTER_MS);
}

function show(key: string, first: Followed): Thenable<void> {
  const at = { now: first };
  showing.set(key, at);
  raised++;
  const title = vscode.l10n.t('Persona Lens: scanning {0}', basename(first.scan.uri.path));
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const notice = { title, message: '', cancel: () => at.now.scan.cancel() };
    newest = notice;
    token.onCancellationRequested(() => at.now.scan.cancel());
    let shown = 0;
    const update = () => {
      const p = at.now.scan.progress();
      // A rescan starts its count again (its cached lines come at once): the bar never goes back.
      const done = p.total > 0 ? (100 * Math.min(p.lines, p.total)) / p.total : 0;
      notice.message = scanProgress(p.lines, p.total, Date.now() - p.startedAt);
      progress.report({ message: notice.message, increment: Math.max(0, done - shown) });
      shown = Math.max(shown, done);
    };
    update();
    return new Promise<void>((resolve) => {
      let endedAt: number | null = null;
      const timer = setInterval(() => {
        if (!at.now.ended) {
          endedAt = null;
          return update();
        }
        endedAt ??= Date.now();
        if (Date.now() - endedAt < HANDOVER_MS) return;
        clearInterval(timer);
        showing.delete(key);
        resolve();
      }, UPDATE_MS);
    });
  });
}
