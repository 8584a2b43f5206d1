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
    return (await readDatasetText(vscode.Uri.file(uri.path))).text;
  }
}

/**
 * A dataset file's text, gunzipped when its bytes are gzip's (whatever it is called). Damage
 * is said in a warning and the intact lines before it are kept, as the CLI does.
 */
export async function readDatasetText(file: vscode.Uri): Promise<{ text: string; compressed: boolean }> {
  const bytes = await vscode.workspace.fs.readFile(file);
  if (!isGzip(bytes)) return { text: new TextDecoder().decode(bytes), compressed: false };
  const { data, damage } = await gunzipBytes(bytes);
  if (damage) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Persona Lens: {0}: the gzip stream is truncated or corrupt ({1}); the lines before the damage are read.', file.fsPath, damage));
  }
  return { text: new TextDecoder().decode(data), compressed: true };
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
