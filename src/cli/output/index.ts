// Picks the writer for `--format`.

import type { OutputFormat } from '../args';
import { jsonWriter } from './json';
import { jsonlWriter } from './jsonl';
import { sarifWriter, type SarifOptions } from './sarif';
import { tableWriter } from './table';
import type { OutputWriter, PackInfo, Write } from './writer';

export interface OutputContext {
  write: Write;
  pack: PackInfo;
  /** Table only: see useColor. */
  color: boolean;
  /** SARIF only. */
  sarif: SarifOptions;
}

export function createOutput(format: OutputFormat, ctx: OutputContext): OutputWriter {
  switch (format) {
    case 'jsonl':
      return jsonlWriter(ctx.write);
    case 'json':
      return jsonWriter(ctx.write, ctx.pack);
    case 'sarif':
      return sarifWriter(ctx.write, ctx.sarif);
    case 'table':
      return tableWriter(ctx.write, { color: ctx.color });
  }
}

export { useColor } from './table';
export type { OutputWriter, PackInfo, Write } from './writer';
