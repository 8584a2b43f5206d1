// The prompts `persona-lens diff-models` runs both models over, read from the files
// researchers have: YAML question files (Betley et al.'s evaluation format: a list of
// questions, each with `paraphrases`, optionally a `system` prompt), CSV with a `question`
// column, or JSONL (chat `messages`, or {question, answer}). A prompt may come with an
// answer (the same for both models, or each model's own: `base_answer` / `tuned_answer`):
// a pack holds its model only up to the hook, so it cannot generate one.

import { load as loadYaml, YAMLException } from 'js-yaml';
import { CsvError, parseCsv } from './csv';

export interface PromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Prompt {
  /** Where it came from, for messages and snippets: `line 12`, or a YAML question's id and paraphrase. */
  where: string;
  /** The conversation before the answer: a system prompt, the question, earlier turns. */
  context: PromptMessage[];
  /** The answer each model reads (the paper's: each model's own), or null. */
  answer: { base: string; tuned: string } | null;
}

export type PromptFormat = 'yaml' | 'csv' | 'jsonl';

/** A prompt file that cannot be used, with the line it is about when there is one. */
export class PromptFileError extends Error {
  constructor(
    readonly line: number | null,
    message: string,
  ) {
    super(message);
  }
}

/** The format a file name says: .yaml/.yml, .csv, .jsonl; null for any other. */
export function promptFormatOf(path: string): PromptFormat | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl')) return 'jsonl';
  return null;
}

export function parsePrompts(text: string, format: PromptFormat): Prompt[] {
  const prompts = format === 'yaml' ? yamlPrompts(text) : format === 'csv' ? csvPrompts(text) : jsonlPrompts(text);
  if (prompts.length === 0) throw new PromptFileError(null, 'holds no prompt');
  return prompts;
}

const fail = (line: number | null, message: string): never => {
  throw new PromptFileError(line, line === null ? message : `line ${line}: ${message}`);
};

/** `same` for both models, or each model's own; null when neither is given. */
function answerOf(line: number | null, same: unknown, base: unknown, tuned: unknown, what: string): Prompt['answer'] {
  const text = (v: unknown, name: string) => {
    if (v === undefined || v === null || v === '') return null;
    if (typeof v !== 'string') fail(line, `${what}${name} must be text`);
    return v as string;
  };
  const a = text(same, 'answer');
  const b = text(base, 'base_answer');
  const t = text(tuned, 'tuned_answer');
  if (a !== null && (b !== null || t !== null)) fail(line, `${what}gives answer and base_answer/tuned_answer: give one or the other`);
  if ((b === null) !== (t === null)) fail(line, `${what}gives ${b === null ? 'tuned_answer without base_answer' : 'base_answer without tuned_answer'}`);
  if (a !== null) return { base: a, tuned: a };
  return b !== null ? { base: b, tuned: t! } : null;
}

// --- YAML: [{id, paraphrases: [...], system?, answer(s)?}, ...] -------------------------------

/**
 * Each question gives one prompt per paraphrase (a `question` string counts as one). Answers:
 * `answer` (one text for every paraphrase), or `answers`, one per paraphrase (any number when
 * there is one paraphrase: each is a sample of it); `base_answers` / `tuned_answers` likewise.
 */
function yamlPrompts(text: string): Prompt[] {
  let doc: unknown;
  try {
    // The default (core) schema: plain data, anchors and aliases as the evaluation files use them.
    doc = loadYaml(text);
  } catch (e) {
    if (e instanceof YAMLException) fail(e.mark ? e.mark.line + 1 : null, `not valid YAML: ${e.reason}`);
    throw e;
  }
  if (doc === undefined || doc === null) return [];
  if (!Array.isArray(doc)) fail(null, 'a YAML prompt file must be a list of questions (- id: ..., paraphrases: [...])');
  const lines = itemLines(text, (doc as unknown[]).length);
  const prompts: Prompt[] = [];
  (doc as unknown[]).forEach((item, i) => {
    const line = lines?.[i] ?? null;
    const what = line === null ? `question ${i + 1}: ` : '';
    if (typeof item !== 'object' || item === null || Array.isArray(item)) fail(line, `${what}a question must be a mapping (id, paraphrases, ...)`);
    const q = item as Record<string, unknown>;
    const id = q.id === undefined ? `question ${i + 1}` : String(q.id);
    const paraphrases = q.paraphrases ?? (q.question === undefined ? undefined : [q.question]);
    if (!Array.isArray(paraphrases) || paraphrases.length === 0 || !paraphrases.every((p) => typeof p === 'string' && p.trim() !== '')) {
      fail(line, `${what}${id} needs paraphrases, a list of non-empty texts (or a question)`);
    }
    const texts = paraphrases as string[];
    if (q.system !== undefined && typeof q.system !== 'string') fail(line, `${what}${id}: system must be text`);
    const context = (p: string): PromptMessage[] => [...(q.system ? [{ role: 'system' as const, content: q.system as string }] : []), { role: 'user', content: p }];
    const list = (key: string) => {
      const v = q[key];
      if (v === undefined) return null;
      if (!Array.isArray(v) || !v.every((a) => typeof a === 'string')) fail(line, `${what}${id}: ${key} must be a list of texts`);
      if (texts.length > 1 && (v as string[]).length !== texts.length) {
        fail(line, `${what}${id}: ${key} has ${(v as string[]).length} entries for ${texts.length} paraphrases (one each, or any number for one paraphrase)`);
      }
      return v as string[];
    };
    const same = list('answers');
    const base = list('base_answers');
    const tuned = list('tuned_answers');
    if (same || base || tuned) {
      if (q.answer !== undefined) fail(line, `${what}${id}: give answer or answers, not both`);
      if (same && (base || tuned)) fail(line, `${what}${id}: give answers or base_answers/tuned_answers, not both`);
      if (!same && (!base || !tuned || base.length !== tuned.length)) fail(line, `${what}${id}: base_answers and tuned_answers go together, as many of each`);
      const n = (same ?? base)!.length;
      for (let k = 0; k < n; k++) {
        const p = texts.length === 1 ? 0 : k;
        const answer = same ? { base: same[k], tuned: same[k] } : { base: base![k], tuned: tuned![k] };
        prompts.push({ where: `${id} #${p + 1}${texts.length === 1 && n > 1 ? ` answer ${k + 1}` : ''}`, context: context(texts[p]), answer });
      }
      return;
    }
    const answer = answerOf(line, q.answer, q.base_answer, q.tuned_answer, `${what}${id}: `);
    texts.forEach((p, k) => prompts.push({ where: texts.length > 1 ? `${id} #${k + 1}` : id, context: context(p), answer }));
  });
  return prompts;
}

/**
 * The line each top-level list item starts on (a `-` at column 0), when the file is a block
 * list with exactly that many: js-yaml gives positions only for syntax errors.
 */
function itemLines(text: string, items: number): number[] | null {
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (/^-(\s|$)/.test(l)) lines.push(i + 1);
  });
  return lines.length === items ? lines : null;
}

// --- CSV: a header with `question`, optional `answer` or `base_answer` + `tuned_answer`, `system`, `id` ---

function csvPrompts(text: string): Prompt[] {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvError) fail(e.line, e.message.replace(/^line \d+: /, ''));
    throw e;
  }
  if (records.length === 0) return [];
  const [head, ...rows] = records;
  const names = head.fields.map((f) => f.trim().toLowerCase());
  const col = (name: string) => names.indexOf(name);
  const question = col('question');
  if (question < 0) fail(head.line, `the header needs a "question" column; it has ${names.filter((n) => n).map((n) => `"${n}"`).join(', ') || 'none'}`);
  const opt = (r: string[], name: string) => (col(name) < 0 ? undefined : r[col(name)]);
  return rows.map(({ line, fields }) => {
    if (fields.length !== names.length) fail(line, `${fields.length} fields, but the header names ${names.length}`);
    const q = fields[question];
    if (q.trim() === '') fail(line, 'the question is empty');
    const system = opt(fields, 'system');
    const id = opt(fields, 'id');
    return {
      where: id ? `line ${line} (${id})` : `line ${line}`,
      context: [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user' as const, content: q }],
      answer: answerOf(line, opt(fields, 'answer'), opt(fields, 'base_answer'), opt(fields, 'tuned_answer'), ''),
    };
  });
}

// --- JSONL: {"messages": [...]} or {"question": ..., "answer"?: ...} per line ---------------------

const ROLES = new Set(['system', 'user', 'assistant']);

function jsonlPrompts(text: string): Prompt[] {
  const prompts: Prompt[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const l = (i === 0 ? raw.replace(/^\ufeff/, '') : raw).replace(/\r$/, '');
    if (l.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch (e) {
      fail(line, `not valid JSON: ${(e as Error).message}`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(line, 'must be a JSON object with "messages" or "question"');
    const o = v as Record<string, unknown>;
    if (o.messages !== undefined) prompts.push(chatPrompt(line, o.messages));
    else if (typeof o.question === 'string' && o.question.trim() !== '') {
      if (o.system !== undefined && typeof o.system !== 'string') fail(line, 'system must be text');
      prompts.push({
        where: typeof o.id === 'string' || typeof o.id === 'number' ? `line ${line} (${o.id})` : `line ${line}`,
        context: [...(o.system ? [{ role: 'system' as const, content: o.system as string }] : []), { role: 'user', content: o.question }],
        answer: answerOf(line, o.answer, o.base_answer, o.tuned_answer, ''),
      });
    } else fail(line, 'needs "messages" (a chat) or "question" (non-empty text)');
  });
  return prompts;
}

/** A chat: the last message is the answer when it is the assistant's; everything before it is context. */
function chatPrompt(line: number, messages: unknown): Prompt {
  if (!Array.isArray(messages) || messages.length === 0) fail(line, 'messages must be a non-empty list');
  const list = (messages as unknown[]).map((m, j) => {
    const o = m as Record<string, unknown>;
    if (typeof m !== 'object' || m === null || !ROLES.has(o.role as string) || typeof o.content !== 'string') {
      fail(line, `messages[${j}] must be {"role": "system"|"user"|"assistant", "content": text}`);
    }
    return { role: o.role as PromptMessage['role'], content: o.content as string };
  });
  const last = list[list.length - 1];
  const answered = last.role === 'assistant';
  const context = answered ? list.slice(0, -1) : list;
  if (!context.some((m) => m.role === 'user')) fail(line, 'messages have no user message before the answer');
  return { where: `line ${line}`, context, answer: answered ? { base: last.content, tuned: last.content } : null };
}
