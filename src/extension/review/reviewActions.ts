// Quick fixes on the risk diagnostics (PLR001/PLR002): mark the example
// reviewed, suppress its risk, or clear a decision already made. They run the
// review commands, which write the sidecar; the dataset is never edited.

import * as vscode from 'vscode';
import { RISK_CODES } from '../../core/score/riskDiagnostic';
import type { HoverCommands } from '../editor/hover';
import type { Reviews } from './reviews';

const RISK: ReadonlySet<string> = new Set(Object.values(RISK_CODES).map((c) => c.code));

export class ReviewActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(
    private readonly reviews: Reviews,
    private readonly commands: Omit<HoverCommands, 'rescan'>,
  ) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (doc.uri.scheme !== 'file') return [];
    const decision = this.reviews.lookup(doc);
    return context.diagnostics
      .filter((d) => d.source === 'Persona Lens' && RISK.has(String(d.code)))
      .flatMap((d) => {
        const line = d.range.start.line;
        const fix = (title: string, command: string) => {
          const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
          action.diagnostics = [d];
          action.command = { title, command, arguments: [doc.uri.toString(), line] };
          return action;
        };
        const reviewed = decision(line) === 'reviewed';
        return [
          fix(vscode.l10n.t('Inspect example'), this.commands.inspect),
          ...(reviewed ? [fix(vscode.l10n.t('Clear review decision'), this.commands.clear)] : [fix(vscode.l10n.t('Mark example as reviewed'), this.commands.markReviewed)]),
          fix(vscode.l10n.t('Suppress risk for this example'), this.commands.suppress),
          fix(vscode.l10n.t('Reject example (leave it out of clean exports)'), this.commands.reject),
        ];
      });
  }
}
