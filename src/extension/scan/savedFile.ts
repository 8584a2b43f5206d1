// A document that is its saved file, unchanged, is read by the scan host from
// disk: the extension host then never copies a large text (getText and the copy
// to the worker held its thread 0.36 s for a 38 MB file). Lines the editor has
// go along, for the scan host to check the file against.

import * as vscode from 'vscode';
import { checkedLines, type LineRange, type SavedFile } from '../../worker/protocol';

/** The document's saved file, or undefined when the scan host must be sent the text. */
export function savedFile(doc: vscode.TextDocument, onScreen?: LineRange): SavedFile | undefined {
  if (doc.uri.scheme !== 'file' || doc.isDirty) return undefined;
  // The scan host reads UTF-8 (as the CLI does); the editor may have decoded the file otherwise.
  const encoding = vscode.workspace.getConfiguration('files', doc).get<string>('encoding') ?? 'utf8';
  if (encoding !== 'utf8' && encoding !== 'utf8bom') return undefined;
  return { path: doc.uri.fsPath, lineCount: doc.lineCount, lines: checkedLines(doc.lineCount, onScreen).map((i) => [i, doc.lineAt(i).text]) };
}
