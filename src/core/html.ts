// HTML pieces the pages share (the diff report, the inspector).

/** Text that HTML shows as it is, in an element or an attribute: every markup character as a character reference. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
