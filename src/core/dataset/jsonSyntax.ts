// Finds where a line stops being JSON. V8's JSON.parse messages give a position
// only for some errors, so after JSON.parse fails this strict scanner walks the
// line and names the first offending column. Iterative: deep nesting is fine.

export interface SyntaxProblem {
  /** 0-based column (UTF-16 units) of the first character that cannot be JSON. */
  column: number;
  reason: string;
}

const WHITESPACE = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const PLAIN_CHARS = /[^"\\\u0000-\u001f]*/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** The first syntax error in `text`, or null when it is valid JSON. */
export function findSyntaxError(text: string): SyntaxProblem | null {
  const closers: string[] = [];
  let i = 0;
  const skipWhitespace = () => {
    WHITESPACE.lastIndex = i;
    WHITESPACE.test(text);
    i = WHITESPACE.lastIndex;
  };
  const fail = (reason: string): SyntaxProblem => ({
    column: i,
    reason: i >= text.length ? `${reason}, but the line ends` : `${reason}, found ${JSON.stringify(text[i])}`,
  });
  /** Reads a string at i; returns an error or null. */
  const readString = (): SyntaxProblem | null => {
    i++;
    for (;;) {
      PLAIN_CHARS.lastIndex = i;
      PLAIN_CHARS.test(text);
      i = PLAIN_CHARS.lastIndex;
      const c = text[i];
      if (c === '"') {
        i++;
        return null;
      }
      if (c === '\\') {
        ESCAPE.lastIndex = i;
        if (!ESCAPE.test(text)) return fail('expected a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
        i = ESCAPE.lastIndex;
      } else {
        return fail(i >= text.length ? 'expected the closing quote of a string' : 'expected no raw control character in a string (use an escape)');
      }
    }
  };
  /** Reads `"key" :` inside an object. */
  const readKey = (): SyntaxProblem | null => {
    skipWhitespace();
    if (text[i] !== '"') return fail('expected a property name in double quotes');
    const err = readString();
    if (err) return err;
    skipWhitespace();
    if (text[i] !== ':') return fail("expected ':' after the property name");
    i++;
    return null;
  };

  for (;;) {
    // Expecting a value.
    skipWhitespace();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      skipWhitespace();
      const closer = c === '{' ? '}' : ']';
      if (text[i] === closer) {
        i++;
      } else {
        closers.push(closer);
        if (c === '{') {
          const err = readKey();
          if (err) return err;
        }
        continue;
      }
    } else if (c === '"') {
      const err = readString();
      if (err) return err;
    } else {
      NUMBER.lastIndex = i;
      const literal = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
      if (literal) i += literal.length;
      else if (NUMBER.test(text)) i = NUMBER.lastIndex;
      else return fail('expected a value');
    }
    // After a value: close containers, or go on to the next element.
    for (;;) {
      skipWhitespace();
      const closer = closers[closers.length - 1];
      if (closer === undefined) return i < text.length ? fail('expected the end of the line after the JSON value') : null;
      if (text[i] === closer) {
        closers.pop();
        i++;
        continue;
      }
      if (text[i] !== ',') return fail(`expected ',' or '${closer}'`);
      i++;
      if (closer === '}') {
        const err = readKey();
        if (err) return err;
      }
      break;
    }
  }
}
