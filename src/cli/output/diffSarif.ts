// `persona-lens diff --format sarif`: the findings of a comparison (examples at elevated
// or high risk) with SARIF's baselineState, so a code-scanning view shows what a change
// added (new), changed (updated), kept (unchanged) and removed (absent). B is the file
// as it is now; A is a file, or B at a git ref (then absent findings carry no location).

import type { DiffReport } from '../../core/diff/report';
import { RISK_CODES } from '../../core/score/riskDiagnostic';
import { LEVEL, RISK_RULES, artifactUri, dirUri, type SarifOptions } from './sarif';

const WORDS = { new: 'New', updated: 'Changed', unchanged: 'Unchanged', absent: 'Gone' } as const;

export function diffSarif(r: DiffReport, files: { a: string | null; b: string }, opts: SarifOptions): string {
  const b = { ...artifactUri(files.b, opts.cwd), index: 0 };
  const a = files.a === null ? null : { ...artifactUri(files.a, opts.cwd), index: 1 };
  const results = r.findings.map((f) => {
    const level = (f.state === 'absent' ? f.levelA : f.levelB) === 'high' ? 'high' : 'elevated';
    const code = RISK_CODES[level];
    const where = f.state === 'absent' ? (a && f.lineA !== null ? { artifact: a, line: f.lineA } : null) : { artifact: b, line: f.lineB! };
    const risks = f.state === 'absent' ? `risk was ${f.riskA!.toFixed(3)} in A (line ${f.lineA})` : `risk ${f.riskB!.toFixed(3)}` + (f.riskA !== null ? ` (A: ${f.riskA.toFixed(3)}, line ${f.lineA})` : '');
    return {
      ruleId: code.code,
      level: LEVEL[code.severity],
      baselineState: f.state,
      message: { text: `${WORDS[f.state]} ${level} misaligned-persona risk finding: ${risks}.` },
      ...(where && { locations: [{ physicalLocation: { artifactLocation: where.artifact, region: { startLine: where.line } } }] }),
      properties: { riskA: f.riskA, riskB: f.riskB },
    };
  });
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'persona-lens', version: opts.toolVersion, informationUri: opts.informationUri, rules: RISK_RULES } },
        originalUriBaseIds: { '%SRCROOT%': { uri: dirUri(opts.cwd) } },
        artifacts: [b, ...(a ? [a] : [])].map(({ index: _, ...location }) => ({ location })),
        results,
        properties: { verdict: r.verdict, difference: r.difference, alarm: r.alarm },
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
