// Writes an export of a dataset (some of its lines verbatim, or every line with
// its risk) to a new file beside it. Never over an existing file: the name is a
// free one, and the write itself fails rather than replace a file that appeared
// meanwhile (then the next name is tried).

import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { freeName } from '../../core/export/freeName';

/** Writes lines (1-based; out-of-range ones ignored) of `doc` in file order; returns the new file's path. */
export async function writeSubset(doc: vscode.TextDocument, lines: readonly number[], tag: string): Promise<string> {
  const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  const wanted = [...new Set(lines)].filter((l) => Number.isInteger(l) && l >= 1 && l <= doc.lineCount).sort((a, b) => a - b);
  return writeBeside(doc, tag, wanted.map((l) => doc.lineAt(l - 1).text + eol).join(''));
}

/** Writes `text` to a new file beside `doc` (`data.<tag>.jsonl`, or with `ext` instead of the dataset's); returns its path. */
export async function writeBeside(doc: vscode.TextDocument, tag: string, text: string, ext?: string): Promise<string> {
  if (doc.uri.scheme !== 'file') throw new Error(vscode.l10n.t('save the dataset to a file first'));
  const base = ext ? doc.uri.fsPath.replace(/(\.[^./\\]*)?$/, ext) : doc.uri.fsPath;
  for (;;) {
    const file = freeName(base, tag, existsSync);
    try {
      await writeFile(file, text, { flag: 'wx' });
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Tells the user where the lines went, offering to open the new file. */
export function announceSubset(file: string, count: number): void {
  void vscode.window.showInformationMessage(vscode.l10n.t('Persona Lens: wrote {0} line(s) to {1}.', count, path.basename(file)), vscode.l10n.t('Open')).then((open) => {
    if (open) void vscode.window.showTextDocument(vscode.Uri.file(file));
  });
}
