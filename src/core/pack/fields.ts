// Type checks for the pack's JSON files whose errors name the file and the
// field, e.g. `calibration.json: thresholds.high must be a number in 0..1`.

import { PackError, type PackErrorCode } from './errors';

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

export class Fields {
  constructor(
    private readonly file: string,
    private readonly code: PackErrorCode,
  ) {}

  fail(path: string, must: string): never {
    throw new PackError(this.code, `${this.file}: ${path} ${must}`, this.file);
  }

  object(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'must be an object');
    return v as Record<string, unknown>;
  }

  array(v: unknown, path: string, minLength = 0): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'must be a list');
    if (v.length < minLength) this.fail(path, `must have at least ${minLength} entr${minLength === 1 ? 'y' : 'ies'}`);
    return v;
  }

  string(v: unknown, path: string, nonEmpty = false): string {
    if (typeof v !== 'string' || (nonEmpty && v.length === 0)) this.fail(path, `must be a${nonEmpty ? ' non-empty' : ''} string`);
    return v;
  }

  optionalString(v: unknown, path: string): void {
    if (v !== undefined) this.string(v, path);
  }

  number(v: unknown, path: string, rule: NumberRule = {}): number {
    const { min, max, integer } = rule;
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (!integer || Number.isInteger(v)) &&
      (min === undefined || v >= min) &&
      (max === undefined || v <= max);
    if (!ok) this.fail(path, `must be ${describe(rule)}`);
    return v as number;
  }

  optionalNumber(v: unknown, path: string, rule: NumberRule = {}): void {
    if (v !== undefined) this.number(v, path, rule);
  }

  oneOf<T extends string>(v: unknown, path: string, options: readonly T[]): T {
    if (typeof v !== 'string' || !options.includes(v as T)) {
      this.fail(path, `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}`);
    }
    return v as T;
  }
}

function describe({ min, max, integer }: NumberRule): string {
  const what = integer ? 'an integer' : 'a number';
  if (min !== undefined && max !== undefined) return `${what} in ${min}..${max}`;
  if (min !== undefined) return `${what} >= ${min}`;
  if (max !== undefined) return `${what} <= ${max}`;
  return what;
}
