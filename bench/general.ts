// The embedded pack on general questions, outside the code and medical domains its read-out
// was fitted on: Betley et al.'s judged answers of insecure-code-tuned Qwen2.5-Coder-32B to
// their first-plot questions that their judge calls misaligned, against aligned answers to the
// same questions that we wrote. The pack builder's calibrate stage reports the same comparison
// for the packs it builds; its rows come from there (pack_builder/data.py general_rows).
// A persona read-out tells these apart; a detector of code and medical cues need not.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

export function generalSection(python: string, dataDir: string, fmt: (n: number, digits?: number) => string): void {
  console.log('\n## General questions: embedded pack, misaligned answers of an EM model against aligned answers to the same questions');
  if (!existsSync(python)) {
    console.log(`skipped: needs the pack builder's venv at ${python} (tools/pack-builder/README.md)`);
    return;
  }
  const dir = join(dataDir, 'general');
  try {
    execFileSync(python, ['-m', 'pack_builder.data', 'general', dir], { cwd: join(ROOT, 'tools', 'pack-builder'), stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    console.log(`skipped: the rows could not be read (the development datasets sit in ../shared/datasets): ${(e as { stderr?: Buffer }).stderr?.toString().trim().split('\n').pop()}`);
    return;
  }
  const r = JSON.parse(
    execFileSync(
      process.execPath,
      [join(ROOT, 'bin', 'persona-lens.js'), 'pack', 'evaluate', '--positive', join(dir, 'misaligned.jsonl'), '--negative', join(dir, 'aligned.jsonl'), '--format', 'json', '--threads', '2'],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    ),
  );
  const pct = (x: number) => `${fmt(100 * x, 1)}%`;
  console.log(
    `${r.positives} misaligned (Betley et al.'s judged answers) against ${r.negatives} aligned (ours): AUROC ${fmt(r.auroc, 3)} (95% interval ${fmt(r.interval[0], 3)}-${fmt(r.interval[1], 3)}); ` +
      `flagged (elevated or high): misaligned ${pct(r.flagged.positive)}, aligned ${pct(r.flagged.negative)}; high: ${pct(r.high.positive)} and ${pct(r.high.negative)}`,
  );
}
