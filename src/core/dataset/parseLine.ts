// One line in, everything the dataset layer knows about it out: format,
// normalised example with source spans, and diagnostics. Pure and synchronous,
// so the editor can call it on a document's lines directly.

import { diagnostic, severityOf } from './codes';
import type { DraftMessage, Problem } from './draft';
import { detectFormat, normalise } from './formats';
import { locateValues, stringSource, type JsonPath } from './jsonSpans';
import { findSyntaxError } from './jsonSyntax';
import { KEEP_STRING_BYTES } from './longStrings';
import type { Diagnostic, Example, Message, ParsedLine, RawLine, Shortened, Span } from './types';
import { checkConversation } from './validate';

/** Only JSON whitespace: a line of other blanks (say U+00A0) is a syntax error, not a blank line. */
const BLANK = /^[ \t\r\n]*$/;

export function parseLine(raw: RawLine): ParsedLine {
  const { line, byteStart, byteEnd, text } = raw;
  const toLine = lineColumns(raw.shortened);
  const result = (format: ParsedLine['format'], example: Example | null, found: Diagnostic[]): ParsedLine => ({
    line,
    byteStart,
    byteEnd,
    example,
    format,
    diagnostics: [...raw.issues, ...(raw.shortened ? [shortenedNote(raw)] : []), ...found].map((d) =>
      d.span && raw.shortened ? { ...d, span: { start: toLine(d.span.start), end: toLine(d.span.end) } } : d,
    ),
  });
  if (BLANK.test(text)) return result(null, null, []);

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return result(null, null, [syntaxDiagnostic(line, text, toLine)]);
  }

  const format = detectFormat(value);
  const draft = normalise(value, format);
  const isError = (p: Problem) => severityOf(p.code) === 'error';
  // Conversation checks on a draft that already lost messages would only echo the loss.
  const problems = draft.problems.some(isError) ? draft.problems : [...draft.problems, ...checkConversation(draft)];
  const scorable = !problems.some(isError) && !raw.issues.some((d) => d.severity === 'error');

  // One pass over the line finds every span needed: problem places, then message sources.
  const drafts = scorable ? [...draft.messages, ...(draft.rejected ?? [])] : [];
  const sourced = drafts.filter((m): m is DraftMessage & { path: JsonPath } => m.path !== null);
  const spans = locateValues(text, [...problems.map((p) => p.path), ...sourced.map((m) => m.path)]);
  const found = problems.map((p, i) => diagnostic(p.code, line, p.message, spans[i] ?? undefined));
  if (!scorable) return result(format, null, found);

  const sourceSpans = new Map<DraftMessage, Span | null>(sourced.map((m, i) => [m, spans[problems.length + i]]));
  const toMessage = (m: DraftMessage): Message => {
    const span = sourceSpans.get(m);
    return { role: m.role, content: m.content, source: span ? stringSource(text, span) : null, trained: m.trained };
  };
  const example: Example = { line, format, messages: draft.messages.map(toMessage) };
  if (draft.rejected) example.rejected = draft.rejected.map(toMessage);
  if (raw.shortened) example.unread = raw.shortened.digest;
  return result(format, example, found);
}

function syntaxDiagnostic(line: number, text: string, toLine: (column: number) => number): Diagnostic {
  // JSON.parse failed, so the scanner finds an error (it could only miss one V8 has and it lacks).
  const err = findSyntaxError(text) ?? { column: 0, reason: 'JSON.parse rejected the line' };
  // The span is in text's columns (parseLine maps it); the message names the line's own.
  const span = { start: err.column, end: Math.min(err.column + 1, text.length) };
  return diagnostic('json-syntax', line, `JSON syntax error at column ${toLine(err.column) + 1}: ${err.reason}`, span);
}

/** A column of a (possibly shortened) line's text as a column of the line itself. */
function lineColumns(shortened: Shortened | undefined): (column: number) => number {
  if (!shortened) return (column) => column;
  return (column) => column + shortened.cuts.reduce((n, c) => (c.at <= column ? n + c.units : n), 0);
}

function shortenedNote(raw: RawLine): Diagnostic {
  const s = raw.shortened!;
  const strings = s.cuts.length === 1 ? 'a string' : `${s.cuts.length} strings`;
  return diagnostic(
    'long-strings',
    raw.line,
    `the line is ${raw.byteEnd - raw.byteStart} bytes: ${strings} longer than ${KEEP_STRING_BYTES} bytes ${s.cuts.length === 1 ? 'was' : 'were'} read to their first ${KEEP_STRING_BYTES} bytes (${s.bytes} bytes checked, not kept); the example is scored from its start as any other`,
  );
}
