// A CSV reader (RFC 4180: quoted fields may hold commas, doubled quotes and line breaks)
// that keeps the line each record starts on, so a problem can be named by its line.

export interface CsvRecord {
  /** 1-based line of the file the record starts on. */
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** Every record of `text`; blank lines are skipped. A quote left open is a CsvError at the line it opened on. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let start = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  // Whether the current record has anything yet: a line that is empty is no record.
  let started = false;
  const endRecord = () => {
    fields.push(field);
    if (started) records.push({ line: start, fields });
    fields = [];
    field = '';
    started = false;
  };
  while (i < text.length) {
    const c = text[i];
    if (!started) {
      start = line;
      started = c !== '\n' && c !== '\r';
    }
    if (c === '"' && field === '') {
      const opened = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new CsvError(opened, `line ${opened}: a quoted field is never closed`);
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (text[i] === '\n') line++;
        field += text[i++];
      }
      if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
        throw new CsvError(line, `line ${line}: text after a closing quote (a quote inside a field must be doubled)`);
      }
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
    } else field += c;
    i++;
  }
  if (started || field !== '' || fields.length > 0) {
    started = true;
    endRecord();
  }
  return records;
}
