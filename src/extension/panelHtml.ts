// The panel webview's page: a strict Content Security Policy (scripts only
// with this load's nonce, styles and fonts only from the extension, nothing
// remote) and an empty body the script fills. No dataset text ever goes here.

export interface PageSources {
  /** The webview's own source expression (webview.cspSource). */
  cspSource: string;
  nonce: string;
  script: string;
  style: string;
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
  const { nonce, script, style } = sources;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(sources))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(style)}" nonce="${nonce}">
<title>Persona Lens</title>
</head>
<body>
<script nonce="${nonce}" src="${attr(script)}"></script>
</body>
</html>`;
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
