// `.jsonl.gz` datasets as first-class documents: a read-only view of the decompressed
// text (scheme persona-lens-gz, the file's own path) in the JSON Lines language, so the
// scan, decorations, hovers, panel and Problems work on it as on a plain file. VS Code
// itself shows a .gz as a binary file.

import * as vscode from 'vscode';
import { gunzipBytes, isGzip } from '../core/dataset';

export const GZ_SCHEME = 'persona-lens-gz';

/** The view of a compressed dataset file. */
export function gzViewUri(file: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: GZ_SCHEME, path: file.path });
}

/** Whether `uri` names a compressed dataset on disk (by its name: what the explorer shows). */
export function isGzFile(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && /\.gz$/i.test(uri.path);
}

export class GzViews implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const file = vscode.Uri.file(uri.path);
    const bytes = await vscode.workspace.fs.readFile(file);
    if (!isGzip(bytes)) return new TextDecoder().decode(bytes);
    const { data, damage } = await gunzipBytes(bytes);
    if (damage) {
      void vscode.window.showWarningMessage(`Persona Lens: ${file.fsPath}: the gzip stream is truncated or corrupt (${damage}); the lines before the damage are shown.`);
    }
    return new TextDecoder().decode(data);
  }
}

/** Opens the view of a compressed dataset in an editor, in the JSON Lines language. */
export async function openGzView(file: vscode.Uri): Promise<vscode.TextDocument> {
  const doc = await asJsonLines(await vscode.workspace.openTextDocument(gzViewUri(file)));
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

/** A view VS Code opened by itself (from Problems, say) gets the JSON Lines language too. */
export async function asJsonLines(doc: vscode.TextDocument): Promise<vscode.TextDocument> {
  return doc.uri.scheme === GZ_SCHEME && doc.languageId !== 'jsonl' ? vscode.languages.setTextDocumentLanguage(doc, 'jsonl') : doc;
}
