// Questions the extension asks the user (a pick, a confirmation, an offer, a secret). The
// integration tests answer them through a test-only command that queues answers,
// since a modal dialog cannot be clicked from a test; outside tests the queue is
// always empty and every question goes to VS Code.

import * as vscode from 'vscode';

const queued: unknown[] = [];

/** Test mode only (commands.ts): the answers to the next questions, in order. */
export function queueAnswers(answers: unknown[]): void {
  queued.push(...answers);
}

function fromTest<T>(): { answered: boolean; value?: T } {
  return queued.length > 0 ? { answered: true, value: queued.shift() as T } : { answered: false };
}

/** The items of the last pick offered, for the tests to read what the user was shown. */
let offered: vscode.QuickPickItem[] = [];

export function lastPickItems(): Array<Pick<vscode.QuickPickItem, 'label' | 'description' | 'detail'>> {
  return offered.map(({ label, description, detail }) => ({ label, description, detail }));
}

export async function pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Promise<T | undefined> {
  offered = items;
  const t = fromTest<string>();
  if (t.answered) return items.find((i) => i.label === t.value);
  return vscode.window.showQuickPick(items, options);
}

/** What the last confirmation said, for the tests to read what the user was asked. */
let confirmed: { message: string; detail: string } | null = null;

export function lastConfirmText(): { message: string; detail: string } | null {
  return confirmed;
}

/** A modal warning with one action: true when the user chose it. */
export async function confirm(message: string, detail: string, action: string): Promise<boolean> {
  confirmed = { message, detail };
  const t = fromTest<boolean>();
  if (t.answered) return t.value === true;
  return (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action;
}

/** A notification with one action, not modal: true when the user chose it. */
export async function offer(message: string, action: string): Promise<boolean> {
  const t = fromTest<boolean>();
  if (t.answered) return t.value === true;
  return (await vscode.window.showInformationMessage(message, action)) === action;
}

export async function secret(prompt: string): Promise<string | undefined> {
  const t = fromTest<string>();
  if (t.answered) return t.value;
  return vscode.window.showInputBox({ prompt, password: true, ignoreFocusOut: true });
}

/** A line of text, with a default and a check. */
export async function ask(value: string, options: vscode.InputBoxOptions): Promise<string | undefined> {
  const t = fromTest<string>();
  if (t.answered) return t.value;
  return vscode.window.showInputBox({ ...options, value, ignoreFocusOut: true });
}

/** A file to open (a test answers with its path). */
export async function openFile(title: string, filters?: Record<string, string[]>): Promise<vscode.Uri | undefined> {
  const t = fromTest<string>();
  if (t.answered) return t.value === undefined ? undefined : vscode.Uri.file(t.value);
  return (await vscode.window.showOpenDialog({ title, filters, canSelectMany: false }))?.[0];
}

/** Where to save a file: VS Code's dialog asks before it replaces one (a test answers with a path). */
export async function saveFile(title: string, defaultUri: vscode.Uri | undefined, filters: Record<string, string[]>): Promise<vscode.Uri | undefined> {
  const t = fromTest<string>();
  if (t.answered) return t.value === undefined ? undefined : vscode.Uri.file(t.value);
  return vscode.window.showSaveDialog({ title, defaultUri, filters });
}
