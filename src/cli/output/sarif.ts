// `--format sarif`: SARIF 2.1.0 for code-scanning tools. One run; every input
// file is an artifact. Results are every diagnostic (at its severity) and every
// example at an elevated (PLR001, level "note") or high (PLR002, "warning")
// risk. Elevated is a note so that code-scanning views keep "warning" for the
// examples worth acting on; failing a build is --fail-over's job, not SARIF's.

import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CODES } from '../../core/dataset/codes';
import type { Severity, Span } from '../../core/dataset/types';
import { RISK_CODES, riskDiagnostic } from '../../core/score/riskDiagnostic';
import type { ExampleScore, LineResult } from '../../core/score/types';
import type { OutputWriter, Write } from './writer';

export interface SarifOptions {
  toolVersion: string;
  informationUri: string;
  /** Artifact URIs are relative to this folder (`%SRCROOT%`). */
  cwd: string;
}

export type SarifLevel = 'error' | 'warning' | 'note';

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  defaultConfiguration?: { level: SarifLevel };
}

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
  index: number;
}

interface SarifResult {
  ruleId: string;
  level: SarifLevel;
  message: { text: string };
  locations: Array<{
    physicalLocation: {
      artifactLocation: ArtifactLocation;
      region: { startLine: number; startColumn?: number; endColumn?: number };
    };
  }>;
  properties: { risk: number | null; score: number | null };
}

export const LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note' };

export const RISK_RULES = [RISK_CODES.elevated, RISK_CODES.high].map(
  (c): Required<SarifRule> => ({ id: c.code, name: c.name, shortDescription: { text: c.summary }, defaultConfiguration: { level: LEVEL[c.severity] } }),
);

export function sarifWriter(write: Write, opts: SarifOptions): OutputWriter {
  const artifacts: Array<{ location: ArtifactLocation }> = [];
  const codes = new Set<string>();
  let artifact: ArtifactLocation = { uri: '', index: -1 };
  let results = 0;
  // Results are written as they come (a large scan has millions); what is known only
  // at the end (artifacts, the rules met) follows them: SARIF does not order keys.
  const indent = (json: string) => json.replace(/\n/g, '\n      ');
  const base = { '%SRCROOT%': { uri: dirUri(opts.cwd) } };
  write(
    '{\n  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",\n  "version": "2.1.0",\n  "runs": [\n    {\n' +
      `      "originalUriBaseIds": ${indent(JSON.stringify(base, null, 2))},\n` +
      '      "columnKind": "utf16CodeUnits",\n' + // Span counts UTF-16 code units, as editors do.
      '      "results": [',
  );

  const resultAt = (ruleId: string, level: SarifLevel, text: string, line: number, span: Span | null, s: ExampleScore | null) => {
    const region = { startLine: line, ...(span && { startColumn: span.start + 1, endColumn: span.end + 1 }) };
    const result: SarifResult = {
      ruleId,
      level,
      message: { text },
      locations: [{ physicalLocation: { artifactLocation: artifact, region } }],
      properties: { risk: s?.risk ?? null, score: s?.score ?? null },
    };
    write(`${results++ > 0 ? ',' : ''}\n        ${JSON.stringify(result)}`);
  };

  return {
    beginFile(file) {
      artifact = { ...artifactUri(file, opts.cwd), index: artifacts.length };
      artifacts.push({ location: artifact });
    },
    line(r: LineResult) {
      for (const d of r.diagnostics) {
        codes.add(d.code);
        resultAt(d.code, LEVEL[d.severity], d.message, d.line, d.span ?? null, r.result);
      }
      const risk = r.result && riskDiagnostic(r.line, r.result);
      if (risk) resultAt(risk.code, LEVEL[risk.severity], risk.message, risk.line, risk.span ?? null, r.result);
    },
    endFile() {},
    end() {
      const rules = [...RISK_RULES, ...[...codes].map(codeRule)];
      const tool = { driver: { name: 'persona-lens', version: opts.toolVersion, informationUri: opts.informationUri, rules } };
      write(`${results > 0 ? '\n      ' : ''}],\n      "artifacts": ${indent(JSON.stringify(artifacts, null, 2))},\n      "tool": ${indent(JSON.stringify(tool, null, 2))}\n    }\n  ]\n}\n`);
    },
  };
}

function codeRule(code: string): SarifRule {
  const known = CODES.find((c) => c.code === code);
  return { id: code, name: known?.name ?? code, shortDescription: { text: known?.summary ?? `Dataset diagnostic ${code}.` } };
}

/** A path under `cwd` as a relative URI against %SRCROOT%; anything else as an absolute file URI. */
export function artifactUri(file: string, cwd: string): { uri: string; uriBaseId?: string } {
  const abs = path.resolve(cwd, file);
  const rel = path.relative(cwd, abs);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return { uri: pathToFileURL(abs).href };
  return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

/** SARIF requires a base URI to end with a slash. */
export function dirUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith('/') ? href : `${href}/`;
}
