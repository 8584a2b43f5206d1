// What a person reads as "the tokens that drove the score": sub-word pieces merged
// into the words they make, each word's contribution the sum of its pieces', and
// punctuation or whitespace alone left out unless nothing else contributes (a top
// list of "." and "!" explains nothing).

/** One scored token: its character range in the rendered text and its read-out value. */
export interface ScoredPiece {
  start: number;
  end: number;
  value: number;
  /** Its position in the token sequence: pieces are one word only when positions follow on. */
  position: number;
}

export interface ContributingSpan {
  start: number;
  end: number;
  value: number;
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;
/** A longer "word" (a base64 blob, a run of one letter) is shown in pieces of at most this many characters. */
export const MAX_WORD_CHARS = 40;
const STARTS_NEW_WORD = /^[\s]|^[^\p{L}\p{N}_]/u;

/** The `limit` strongest positive spans, strongest first; `pieces` in text order. */
export function contributingSpans(text: string, pieces: ScoredPiece[], limit: number): ContributingSpan[] {
  const words: Array<ContributingSpan & { wordy: boolean }> = [];
  let prev: ScoredPiece | null = null;
  for (const p of pieces) {
    const piece = text.slice(p.start, p.end);
    const last = words[words.length - 1];
    const joins =
      last !== undefined &&
      prev !== null &&
      p.end - last.start <= MAX_WORD_CHARS &&
      p.position === prev.position + 1 &&
      piece.length > 0 &&
      !STARTS_NEW_WORD.test(piece) &&
      WORD_CHAR.test(text.slice(prev.end - 1, prev.end));
    if (joins) {
      last.end = p.end;
      last.value += p.value;
      last.wordy ||= WORD_CHAR.test(piece);
    } else {
      words.push({ start: p.start, end: p.end, value: p.value, wordy: WORD_CHAR.test(piece) });
    }
    prev = p;
  }
  const positive = words.filter((w) => w.value > 0);
  const wordy = positive.filter((w) => w.wordy);
  return (wordy.length > 0 ? wordy : positive)
    .sort((a, b) => b.value - a.value)
    .slice(0, limit)
    .map(({ start, end, value }) => ({ start, end, value }));
}
