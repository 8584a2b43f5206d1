// Shared shapes of the dataset layer: what the reader yields, what format
// detection and validation produce, and the normalised example the scorer reads.

/** One physical line of the input, exactly as it sits in the file. */
export interface RawLine {
  /** 1-based line number. */
  line: number;
  /** Byte offset of the line's first byte in the (decompressed) stream. */
  byteStart: number;
  /** Byte offset just past the line's last content byte (before `\r\n` / `\n`). */
  byteEnd: number;
  /** The decoded text, without BOM and line terminator; invalid UTF-8 becomes U+FFFD. */
  text: string;
  /** Problems noticed while splitting and decoding (bad UTF-8, truncation, ...). */
  issues: Diagnostic[];
  /** A line over SHORTEN_FROM bytes whose longest strings were kept to their heads (longStrings.ts). */
  shortened?: Shortened;
}

/** What a shortened line's text lacks. */
export interface Shortened {
  /** Where text lacks characters of the line: before text[at], `units` UTF-16 units. In order. */
  cuts: Array<{ at: number; units: number }>;
  /** Bytes of the line not in text. */
  bytes: number;
  /** SHA-1 of those bytes, so lines that differ only there are not duplicates. */
  digest: string;
}

export type Severity = 'error' | 'warning' | 'info';

/** A character span inside one line, in UTF-16 code units (what editors count). */
export interface Span {
  start: number;
  end: number;
}

export interface Diagnostic {
  /** 1-based line number the problem is on. */
  line: number;
  /** Stable code, e.g. `PL013`; never reused for another meaning. */
  code: string;
  severity: Severity;
  /** Human message; names the line and the problem. */
  message: string;
  /** Where in the line, when known. */
  span?: Span;
}

export type FormatId =
  | 'openai-chat' // {"messages": [...]} (also TRL conversational language modelling)
  | 'openai-preference' // {"input": {...}, "preferred_output": [...], "non_preferred_output": [...]}
  | 'trl-text' // {"text": "..."}
  | 'prompt-completion' // {"prompt": "...", "completion": "..."} (legacy OpenAI, TRL standard)
  | 'trl-conversational-prompt-completion' // prompt/completion as message lists
  | 'trl-preference' // {"prompt", "chosen", "rejected"} strings
  | 'trl-conversational-preference' // the same as message lists
  | 'alpaca' // {"instruction", "input", "output", "system"?, "history"?}
  | 'sharegpt' // {"conversations": [{"from", "value"}]}
  | 'unknown';

export type Role = 'system' | 'user' | 'assistant' | 'tool';

/**
 * Maps character indices of a decoded string back to columns of the source line.
 * `start` is the column of the decoded string's first character; `escapes` lists,
 * in order, every decoded index whose source is an escape sequence, with the
 * escape's source column and length. Unescaped strings have an empty list.
 */
export interface SourceText {
  start: number;
  end: number;
  escapes: Array<{ at: number; col: number; len: number }>;
}

export interface Message {
  role: Role;
  content: string;
  /** Where `content` sits in the source line; null when the text was synthesised. */
  source: SourceText | null;
  /** False when the format says this message is not trained on (OpenAI `weight: 0`). */
  trained: boolean;
}

/** A line normalised into a conversation the pack can render. */
export interface Example {
  line: number;
  format: FormatId;
  /** The conversation that training pushes the model toward (for preference data: the preferred one). */
  messages: Message[];
  /** For preference formats: the rejected continuation, kept for reports. */
  rejected?: Message[];
  /** A shortened line's dropped bytes' digest (RawLine.shortened): part of what makes it unique. */
  unread?: string;
}

/** Everything the dataset layer knows about one line. */
export interface ParsedLine {
  line: number;
  byteStart: number;
  byteEnd: number;
  /** Null for blank lines and for lines that are not a usable example. */
  example: Example | null;
  format: FormatId | null;
  diagnostics: Diagnostic[];
}
