// The extension's settings, typed. Everything reads settings through here, so
// the names in package.json's `contributes.configuration` appear in one place.

import { availableParallelism } from 'node:os';
import * as vscode from 'vscode';
import { JUDGE_DEFAULTS } from '../core/judge/turn';
import type { Device } from '../core/model/session';
import { scanThreads } from './scan/scanThreads';

const SECTION = 'personaLens';
/** The setting naming the pack (restricted in untrusted workspaces). */
export const PACK_SETTING = `${SECTION}.pack`;

/** What the inline decorations show: everything, gutter icons only, or nothing. */
export type DecorationStyle = 'full' | 'gutter' | 'off';
const DECORATION_STYLES: readonly string[] = ['full', 'gutter', 'off'] satisfies DecorationStyle[];

export interface Settings {
  /** A probe pack (folder or archive); null for the built-in one. */
  pack: string | null;
  /** onnxruntime threads in the scan host. */
  threads: number;
  /** Where the scan host runs the model. */
  device: Device;
  /** Quiet time after an edit before the document is rescanned, in ms. */
  scanDelayMs: number;
  decorationStyle: DecorationStyle;
  /** A CodeLens above each flagged example. */
  findingLenses: boolean;
  /** Read and write the result cache the CLI uses. */
  resultCache: boolean;
  judge: JudgeSettings;
}

/** The LLM judge: user-level settings only (`scope: machine`, and workspace values ignored), so a workspace cannot turn it on or redirect it. */
export interface JudgeSettings {
  enabled: boolean;
  /** Null: OpenAI's API. */
  baseUrl: string | null;
  model: string;
  concurrency: number;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    pack: packSetting(c),
    threads: scanThreads(c.get<number>('threads'), availableParallelism()),
    device: c.get<string>('device') === 'cuda' ? 'cuda' : 'cpu',
    scanDelayMs: Math.max(0, c.get<number>('scanDelay') ?? 300),
    decorationStyle: decorationStyle(c.get<string>('decorations.style')),
    findingLenses: c.get<boolean>('findings.codeLens') ?? true,
    resultCache: c.get<boolean>('resultCache') ?? true,
    judge: {
      enabled: c.inspect<boolean>('judge.enabled')?.globalValue ?? false,
      baseUrl: c.inspect<string>('judge.baseUrl')?.globalValue?.trim() || null,
      model: c.inspect<string>('judge.model')?.globalValue?.trim() || JUDGE_DEFAULTS.model,
      concurrency: Math.min(32, Math.max(1, Math.floor(c.inspect<number>('judge.concurrency')?.globalValue ?? JUDGE_DEFAULTS.concurrency))),
    },
  };
}

/** Settings that need a new scan host (another pack, other threads or device). */
export function affectsScanHost(e: vscode.ConfigurationChangeEvent): boolean {
  return ['threads', 'device', 'resultCache'].some((k) => e.affectsConfiguration(`${SECTION}.${k}`)) || e.affectsConfiguration(PACK_SETTING);
}

/** What the scan host is started with: two settings that give the same key need no restart. */
export function scanHostKey(s: Settings): string {
  return JSON.stringify([s.pack, s.threads, s.device, s.resultCache]);
}

/**
 * A workspace's settings must not load a pack (code, in effect) until the user
 * trusts the workspace: there only the user's own setting counts. VS Code hides
 * restricted settings' workspace values too (package.json `capabilities`); this
 * does not rely on it.
 */
function packSetting(c: vscode.WorkspaceConfiguration): string | null {
  const value = vscode.workspace.isTrusted ? c.get<string>('pack') : c.inspect<string>('pack')?.globalValue;
  return value?.trim() || null;
}

function decorationStyle(value: string | undefined): DecorationStyle {
  return value && DECORATION_STYLES.includes(value) ? (value as DecorationStyle) : 'full';
}
