// Every diagnostic the dataset layer can emit, with a stable code. Codes are
// never renumbered or reused; docs and tests enumerate this table.
//
// Severity says what happens to the line:
//   error   - the line cannot become a scorable example (ParsedLine.example is null);
//   warning - it is scored, but a trainer would likely reject or mis-train on it;
//   info    - worth knowing, nothing wrong.

import type { Diagnostic, Example, Severity, Span } from './types';

export interface CodeInfo {
  code: string;
  name: string;
  severity: Severity;
  summary: string;
}

export const CODES = [
  // Reading bytes (reader.ts, lineSplitter.ts)
  { code: 'PL001', name: 'invalid-utf8', severity: 'warning', summary: 'Bytes that are not valid UTF-8; they are decoded as U+FFFD.' },
  { code: 'PL002', name: 'bom-in-middle', severity: 'warning', summary: 'A UTF-8 byte-order mark starts a line other than the first (concatenated files?); it is stripped.' },
  { code: 'PL003', name: 'line-too-large', severity: 'error', summary: 'A line longer than the reader\'s limit (64 MiB by default); it is skipped unread.' },
  { code: 'PL004', name: 'gzip-corrupt', severity: 'error', summary: 'The gzip stream is truncated, corrupt or followed by garbage; every intact line before the damage is read.' },
  { code: 'PL005', name: 'read-error', severity: 'error', summary: 'Reading the input failed; whatever followed is lost.' },
  { code: 'PL006', name: 'long-strings', severity: 'info', summary: 'A line over 4 MiB whose strings longer than 1 MiB were read to their first 1 MiB (checked, not kept); scoring reads far less.' },
  // JSON and format (parseLine.ts, formats.ts)
  { code: 'PL010', name: 'json-syntax', severity: 'error', summary: 'The line is not valid JSON (the message gives the column).' },
  { code: 'PL011', name: 'not-object', severity: 'error', summary: 'The line is valid JSON but not an object.' },
  { code: 'PL012', name: 'unknown-format', severity: 'error', summary: 'An object whose keys match no supported format.' },
  // Messages (chatMessages.ts, formats.ts)
  { code: 'PL020', name: 'messages-not-list', severity: 'error', summary: 'A list of messages (messages, conversations, chosen, ...) is missing, empty or not a list.' },
  { code: 'PL021', name: 'message-malformed', severity: 'error', summary: 'An entry of a message list is not a message object (for Alpaca history: not a [user, assistant] pair).' },
  { code: 'PL022', name: 'missing-key', severity: 'error', summary: 'A message lacks its role or content, or an example lacks a field its format requires.' },
  { code: 'PL023', name: 'unknown-key', severity: 'warning', summary: 'A message has keys its format does not define.' },
  { code: 'PL024', name: 'unknown-role', severity: 'error', summary: 'A message role (or ShareGPT "from") that the format does not define.' },
  { code: 'PL025', name: 'invalid-content', severity: 'error', summary: 'Message content (or another text field) is not a string, or is null without a tool call.' },
  { code: 'PL026', name: 'non-text-content', severity: 'info', summary: 'Non-text content parts (images, audio, files) are skipped; only text is scored.' },
  // The conversation as a whole (validate.ts)
  { code: 'PL030', name: 'no-assistant', severity: 'error', summary: 'The conversation has no assistant message, so nothing is trained on.' },
  { code: 'PL031', name: 'empty-assistant', severity: 'warning', summary: 'An assistant message has empty content.' },
  { code: 'PL032', name: 'empty-example', severity: 'error', summary: 'No message of the example has any text.' },
  // Tool calls and weights (chatMessages.ts)
  { code: 'PL040', name: 'tool-call-malformed', severity: 'error', summary: 'tool_calls or function_call is malformed, or sits on a message that is not the assistant\'s.' },
  { code: 'PL041', name: 'tool-arguments-not-json', severity: 'error', summary: 'A tool call\'s function.arguments string is not valid JSON, so the example cannot be trained on as written.' },
  { code: 'PL042', name: 'tool-call-id-unmatched', severity: 'warning', summary: 'A tool message has no tool_call_id, or one that no earlier assistant tool call has.' },
  { code: 'PL043', name: 'weight-invalid', severity: 'warning', summary: 'A weight that is not 0 or 1, or a weight on a message that is not the assistant\'s.' },
  // Role order (validate.ts)
  { code: 'PL050', name: 'system-not-first', severity: 'warning', summary: 'A system message that is not the first message.' },
  { code: 'PL051', name: 'consecutive-same-role', severity: 'warning', summary: 'Two messages in a row with the same role (tool messages excepted).' },
  { code: 'PL052', name: 'not-ending-with-assistant', severity: 'warning', summary: 'The conversation does not end with an assistant message.' },
  // Across lines (fileChecker.ts)
  { code: 'PL060', name: 'mixed-formats', severity: 'warning', summary: 'The line\'s format differs from the format fixed by the file\'s first recognised line.' },
  { code: 'PL061', name: 'duplicate', severity: 'warning', summary: 'The same normalised example as an earlier line.' },
  // Scoring (emitted by the scanner, which knows token counts)
  { code: 'PL070', name: 'too-long', severity: 'info', summary: 'The example is longer than the pack\'s context.' },
  { code: 'PL071', name: 'nothing-to-score', severity: 'warning', summary: 'No token of the example is trained on (every assistant message has weight 0, or none has text), so it gets no risk.' },
] as const satisfies readonly CodeInfo[];

export type CodeName = (typeof CODES)[number]['name'];

const BY_NAME = new Map<string, CodeInfo>(CODES.map((c) => [c.name, c]));

export function severityOf(name: CodeName): Severity {
  return BY_NAME.get(name)!.severity;
}

/** A diagnostic whose message starts with the line, so it reads well on its own. */
export function diagnostic(name: CodeName, line: number, message: string, span?: Span): Diagnostic {
  const { code, severity } = BY_NAME.get(name)!;
  const d: Diagnostic = { line, code, severity, message: `line ${line}: ${message}` };
  if (span) d.span = span;
  return d;
}

/** `d` for the same text on another line (a cached result reused after lines moved). */
export function atLine(d: Diagnostic, line: number): Diagnostic {
  const prefix = `line ${d.line}: `;
  const message = d.message.startsWith(prefix) ? d.message.slice(prefix.length) : d.message;
  return { ...d, line, message: `line ${line}: ${message}` };
}

/**
 * PL070, emitted by the scanner: `truncated` says whether tokens past the context
 * went unscored (overflow 'truncate') or were scored through windows.
 */
export function tooLongDiagnostic(
  line: number,
  tokens: number,
  maxTokens: number,
  truncated: boolean,
  /** Set when the scanner's per-example limit, not the context, cut it: tokens scored, and whether the text was cut before tokenising. */
  capped?: { scored: number; textCut: boolean },
): Diagnostic {
  const what = capped
    ? `only its first ${capped.scored} tokens were scored, in overlapping windows of ${maxTokens} (the most one example may cost)`
    : truncated
      ? `only the first ${maxTokens} were scored`
      : `it was scored in overlapping windows of ${maxTokens} tokens`;
  const size = capped?.textCut ? `over ${tokens} tokens (its text was cut before tokenising)` : `${tokens} tokens`;
  return diagnostic('too-long', line, `the example is ${size}, longer than the pack's context of ${maxTokens}; ${what}`);
}

/** PL071 (the scanner's): why an example has no token a pack scores, so no risk. */
export function nothingToScoreDiagnostic(example: Pick<Example, 'line' | 'messages'>): Diagnostic {
  const answers = example.messages.filter((m) => m.role === 'assistant');
  const why =
    answers.length > 0 && answers.every((m) => !m.trained)
      ? 'every assistant message has weight 0, so training learns nothing from it'
      : 'no trained message of a scored role holds any text';
  return diagnostic('nothing-to-score', example.line, `nothing to score: ${why}; it gets no risk`);
}
