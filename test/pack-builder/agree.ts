// The check both pack-builder tests make: the CLI's scores of the check rows agree with
// the pipeline's own onnxruntime run of them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './builderEnv';

export interface PipelineScore {
  score: number;
  risk: number;
  tokens: number;
  /** How far the score could move where a JumpReLU latent the read-out weighs sits at its threshold within float error. */
  thresholdSlack?: number;
  /** With naming terms (format 8): the label that names the row, null for none. */
  persona?: string | null;
  /** With them: how far the nearest term's part of the score is from its threshold. */
  namingMargin?: number;
}

export interface ScannedLine {
  line: number;
  score: number | null;
  risk: number | null;
  /** The prompt's part of `score`, with a pack that reads the prompt's end. */
  promptEnd?: number;
  persona?: string;
  topTokens: Array<{ score: number }>;
}

/**
 * Scores agree to 1e-3 of the scale of the terms averaged into them (the strongest word's
 * value, at least the score itself): float error grows with the per-token values, which a
 * probe's mean can cancel down to a much smaller score. Risks agree to what that allows
 * through the calibration's logistic `slope` (a sigmoid's slope is at most 1/4), plus 1e-3. Both
 * widen by the row's `thresholdSlack`: a latent at its JumpReLU threshold may fire in one encode
 * and not the other (0.7.0's first build: one of weight 12 moved a check row by 0.13).
 * The label naming a row is the pipeline's where no term's part lies within that of its threshold.
 */
export function assertAgrees(lines: ScannedLine[], expected: PipelineScore[], slope: number): void {
  assert.equal(lines.length, expected.length);
  lines.forEach((l, i) => {
    assert.ok(typeof l.risk === 'number' && l.risk >= 0 && l.risk <= 1, `line ${l.line}: risk ${l.risk}`);
    const scale = Math.max(1, Math.abs(expected[i].score), ...l.topTokens.map((t) => Math.abs(t.score)));
    const tol = 1e-3 * scale + (expected[i].thresholdSlack ?? 0);
    assert.ok(Math.abs(l.score! - expected[i].score) <= tol, `line ${l.line}: score ${l.score}, pipeline ${expected[i].score} (scale ${scale})`);
    assert.ok(Math.abs(l.risk - expected[i].risk) <= 1e-3 + (Math.abs(slope) * tol) / 4, `line ${l.line}: risk ${l.risk}, pipeline ${expected[i].risk}`);
    if (expected[i].persona !== undefined && expected[i].namingMargin! > tol) assert.equal(l.persona ?? null, expected[i].persona, `line ${l.line}: named`);
  });
}

/** The real CLI's scan of an export's check rows with its pack, and the pipeline's expected scores of them. */
export function scanCheckRows(exp: string): { lines: ScannedLine[]; expected: PipelineScore[] } {
  const scan = spawnSync(process.execPath, [join(ROOT, 'bin/persona-lens.js'), 'scan', join(exp, 'check.jsonl'), '--pack', join(exp, 'pack'), '--format', 'jsonl', '--no-cache'], {
    encoding: 'utf8',
  });
  assert.equal(scan.status, 0, scan.stderr);
  const lines = scan.stdout.trim().split('\n').map((l) => JSON.parse(l) as ScannedLine);
  return { lines, expected: JSON.parse(readFileSync(join(exp, 'expected.json'), 'utf8')) };
}
