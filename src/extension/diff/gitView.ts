// A dataset as it is at a git ref, as a read-only document (scheme persona-lens-git: the
// file's path, the ref in the query), so the diff report's links into side A open it.

import * as vscode from 'vscode';
import { gitBlob } from '../../core/diff/gitSide';

export const GIT_SCHEME = 'persona-lens-git';

export function gitViewUri(file: string, ref: string): vscode.Uri {
  return vscode.Uri.from({ scheme: GIT_SCHEME, path: file, query: ref });
}

export class GitViews implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of gitBlob(uri.path, uri.query).read()) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  }
}
