// Moves the cursor to a line of a document, in the editor that shows it if one does: the
// panel's rows and the diff report's links land here.

import * as vscode from 'vscode';

/**
 * Reveals 1-based `line` of the document at `uri`; `focus` moves the keyboard there too. A
 * document no editor shows opens in `otherwise` (the active group by default). Ignores a line the document lacks.
 */
export async function revealLine(uri: vscode.Uri, line: number, focus: boolean, otherwise?: vscode.ViewColumn): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  if (!Number.isInteger(line) || line < 1 || line > doc.lineCount) return;
  const at = new vscode.Range(line - 1, 0, line - 1, 0);
  const column = vscode.window.visibleTextEditors.find((e) => e.document === doc)?.viewColumn ?? otherwise;
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, selection: at, preserveFocus: !focus });
  editor.revealRange(at, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
