// Reviewer decisions of open datasets: read from each dataset's sidecar (see
// reviewFile.ts), looked up by line for the diagnostics, decorations and
// hover, and written back when a reviewer decides. A damaged sidecar is
// reported and ignored; it is copied aside before a decision replaces it.

import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import * as vscode from 'vscode';
import { freeName } from '../../core/export/freeName';
import { EMPTY_REVIEWS, lineKey, parseReviews, serializeReviews, sidecarPath, withDecisions, type Decision, type ReviewFile } from '../../core/review/reviewFile';

/** A dataset's lines as the editor has them: an open document, or a file read from disk. */
export interface DatasetLines {
  readonly uri: vscode.Uri;
  readonly lineCount: number;
  lineAt(line: number): { readonly text: string };
}

interface Loaded {
  /** The sidecar's mtime when read (NaN when there was none): a change on disk (a pull) is read again. */
  mtimeMs: number;
  file: ReviewFile;
  damaged: boolean;
}

export class Reviews implements vscode.Disposable {
  private readonly loaded = new Map<string, Loaded>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires with the dataset's uri after a decision on one of its examples was saved. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /**
   * The decision on the example at each line (0-based) of the document, as it
   * reads now. Lines are hashed only when asked, and only when the dataset has
   * decisions at all.
   */
  lookup(doc: DatasetLines): (line: number) => Decision | undefined {
    const { decisions } = this.load(doc.uri).file;
    if (Object.keys(decisions).length === 0) return () => undefined;
    // Results can lag an edit: a line past the end has no decision.
    return (line) => (line < doc.lineCount ? decisions[lineKey(doc.lineAt(line).text)]?.decision : undefined);
  }

  /** Records (or, with null, clears) the decision on the examples at `lines` (0-based) and saves the sidecar once. */
  async decide(doc: vscode.TextDocument, lines: readonly number[], decision: Decision | null): Promise<void> {
    if (doc.uri.scheme !== 'file') throw new Error(vscode.l10n.t('save the dataset to a file first'));
    // Read again just before writing, so that decisions saved meanwhile (a teammate's, pulled) are kept.
    this.loaded.delete(doc.uri.toString());
    const current = this.load(doc.uri);
    const sidecar = sidecarPath(doc.uri.fsPath);
    if (current.damaged) {
      const backup = freeName(sidecar, 'damaged', existsSync);
      copyFileSync(sidecar, backup);
      this.log.warn(`kept the damaged ${sidecar} as ${backup} before writing a new one`);
    }
    const by = userInfo().username;
    const at = new Date().toISOString();
    const file = withDecisions(
      current.file,
      lines.map((line) => [lineKey(doc.lineAt(line).text), decision && { decision, line: line + 1, by, at }]),
    );
    await writeFile(sidecar, serializeReviews(file));
    this.loaded.set(doc.uri.toString(), { mtimeMs: statSync(sidecar).mtimeMs, file, damaged: false });
    this.changed.fire(doc.uri);
  }

  dispose(): void {
    this.loaded.clear();
    this.changed.dispose();
  }

  private load(uri: vscode.Uri): Loaded {
    if (uri.scheme !== 'file') return { mtimeMs: NaN, file: EMPTY_REVIEWS, damaged: false };
    const sidecar = sidecarPath(uri.fsPath);
    const mtimeMs = statSync(sidecar, { throwIfNoEntry: false })?.mtimeMs ?? NaN;
    const known = this.loaded.get(uri.toString());
    if (known && (known.mtimeMs === mtimeMs || (Number.isNaN(known.mtimeMs) && Number.isNaN(mtimeMs)))) return known;
    let loaded: Loaded = { mtimeMs, file: EMPTY_REVIEWS, damaged: false };
    if (!Number.isNaN(mtimeMs)) {
      try {
        loaded.file = parseReviews(readFileSync(sidecar, 'utf8'));
      } catch (e) {
        this.log.error(`${sidecar} is damaged (${(e as Error).message}): its decisions are ignored until it is fixed`);
        loaded = { ...loaded, damaged: true };
      }
    }
    this.loaded.set(uri.toString(), loaded);
    return loaded;
  }
}
