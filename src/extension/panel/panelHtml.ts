// The panel webview's page: a strict Content Security Policy (scripts only
// with this load's nonce, styles and fonts only from the extension, nothing
// remote) and an empty body the script fills. No dataset text ever goes here; the
// extension's translations for the display language do (data-l10n, read by webview/l10n.ts).

export interface PageSources {
  /** The webview's own source expression (webview.cspSource). */
  cspSource: string;
  nonce: string;
  script: string;
  style: string;
  /** VS Code's l10n bundle for the display language (vscode.l10n.bundle); none for English. */
  l10n?: Record<string, unknown>;
}

export function contentSecurityPolicy({ cspSource, nonce }: Pick<PageSources, 'cspSource' | 'nonce'>): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
  ].join('; ');
}

export function panelHtml(sources: PageSources): string {
  const { nonce, script, style, l10n } = sources;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(sources))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(style)}" nonce="${nonce}">
<title>Persona Lens</title>
</head>
<body${l10n ? ` data-l10n="${attr(JSON.stringify(l10n))}"` : ''}>
<script nonce="${nonce}" src="${attr(script)}"></script>
</body>
</html>`;
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
