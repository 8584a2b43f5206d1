// Markdown pieces the reports share.

/** Text with Markdown's special characters escaped, line breaks as spaces (it sits in a table cell or heading). */
export const esc = (text: string) => text.replace(/[\\`*_[\]<>|#]/g, '\\$&').replace(/\r?\n|\r/g, ' ');

export function table(head: string[], rows: string[][]): string {
  return [head, head.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}
