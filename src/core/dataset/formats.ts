// Recognises a line's format from its keys and normalises it into a
// conversation: roles system/user/assistant/tool, with each message's content
// tied to the JSON string it came from (or marked as synthesised).
//
// Conventions, where a format does not say:
// - plain text (`text`) is one assistant message: language-model training
//   learns all of it, and the assistant role is what packs score;
// - preference data: `messages` = prompt + preferred continuation,
//   `rejected` = the rejected continuation; with TRL's implicit prompt, the
//   messages that chosen and rejected share are the prompt;
// - Alpaca: `instruction` and a non-empty `input` join into one user message
//   (with `\n`, as LLaMA-Factory does), which is then synthesised (no source).

import { readChatMessages } from './chatMessages';
import { describe, isObject, notAList, type Draft, type DraftMessage, type JsonObject, type Problem } from './draft';
import { formatPath } from './jsonSpans';
import type { FormatId, Role } from './types';

/**
 * The format a parsed line is in, judged by which keys it has; the first match
 * wins. Preference keys come before Alpaca's `instruction`/`input` and TRL's
 * `prompt`, which they may share.
 */
export function detectFormat(value: unknown): FormatId {
  if (!isObject(value)) return 'unknown';
  const has = (k: string) => k in value;
  if (has('messages')) return 'openai-chat';
  if (has('preferred_output') || has('non_preferred_output')) return 'openai-preference';
  if (has('conversations')) return 'sharegpt';
  if (has('instruction')) return 'alpaca';
  if (has('chosen') && has('rejected')) {
    return Array.isArray(value.chosen) ? 'trl-conversational-preference' : 'trl-preference';
  }
  if (has('prompt') && has('completion')) {
    return Array.isArray(value.completion) ? 'trl-conversational-prompt-completion' : 'prompt-completion';
  }
  if (has('text')) return 'trl-text';
  return 'unknown';
}

/** Normalises `value`, already known to be in `format`. */
export function normalise(value: unknown, format: FormatId): Draft {
  const problems: Problem[] = [];
  if (!isObject(value)) {
    problems.push({ code: 'not-object', path: [], message: `the line is ${describe(value)}; expected a JSON object` });
    return { messages: [], problems };
  }
  return { ...READERS[format](value, problems), problems };
}

type Conversation = Pick<Draft, 'messages' | 'rejected'>;
type Reader = (o: JsonObject, problems: Problem[]) => Conversation;

const READERS: Record<FormatId, Reader> = {
  'openai-chat': (o, problems) => ({ messages: readChatMessages(o.messages, ['messages'], problems, new Set()) }),

  'openai-preference': (o, problems) => {
    const ids = new Set<string>();
    if (!isObject(o.input)) problems.push(notAList(['input'], o.input, 'an object {"messages": [...]}'));
    const prompt = isObject(o.input) ? readChatMessages(o.input.messages, ['input', 'messages'], problems, ids) : [];
    const rejectedIds = new Set(ids);
    return {
      messages: [...prompt, ...readChatMessages(o.preferred_output, ['preferred_output'], problems, ids)],
      rejected: readChatMessages(o.non_preferred_output, ['non_preferred_output'], problems, rejectedIds),
    };
  },

  'trl-conversational-prompt-completion': (o, problems) => {
    const ids = new Set<string>();
    const prompt = readChatMessages(o.prompt, ['prompt'], problems, ids);
    return { messages: [...prompt, ...readChatMessages(o.completion, ['completion'], problems, ids)] };
  },

  'trl-conversational-preference': (o, problems) => {
    const ids = new Set<string>();
    const prompt = 'prompt' in o ? readChatMessages(o.prompt, ['prompt'], problems, ids) : [];
    const rejectedIds = new Set(ids);
    const chosen = readChatMessages(o.chosen, ['chosen'], problems, ids);
    const rejected = readChatMessages(o.rejected, ['rejected'], problems, rejectedIds);
    if ('prompt' in o) return { messages: [...prompt, ...chosen], rejected };
    return { messages: chosen, rejected: rejected.slice(sharedPrefix(chosen, rejected)) };
  },

  'trl-preference': (o, problems) => {
    // Without a prompt (TRL's implicit prompt) chosen and rejected are whole texts.
    const prompt = 'prompt' in o ? textField(o, 'prompt', 'user', problems) : null;
    const chosen = textField(o, 'chosen', 'assistant', problems);
    const rejected = textField(o, 'rejected', 'assistant', problems);
    return { messages: present([prompt, chosen]), rejected: present([rejected]) };
  },

  'prompt-completion': (o, problems) => ({
    messages: present([textField(o, 'prompt', 'user', problems), textField(o, 'completion', 'assistant', problems)]),
  }),

  'trl-text': (o, problems) => ({ messages: present([textField(o, 'text', 'assistant', problems)]) }),

  alpaca: (o, problems) => {
    const system = 'system' in o ? textField(o, 'system', 'system', problems) : null;
    const history = readHistory(o.history, problems);
    let user = textField(o, 'instruction', 'user', problems);
    const input = 'input' in o ? textField(o, 'input', 'user', problems) : null;
    if (user && input && input.content !== '') {
      user = { ...user, content: `${user.content}\n${input.content}`, path: null };
    }
    const output = textField(o, 'output', 'assistant', problems);
    return { messages: present([system, ...history, user, output]) };
  },

  sharegpt: (o, problems) => {
    const system = 'system' in o ? textField(o, 'system', 'system', problems) : null;
    return { messages: present([system, ...readShareGpt(o.conversations, problems)]) };
  },

  unknown: (o, problems) => {
    const keys = Object.keys(o);
    const shown = keys.slice(0, 8).map((k) => JSON.stringify(k)).join(', ') + (keys.length > 8 ? ', …' : '');
    problems.push({
      code: 'unknown-format',
      path: [],
      message: `no supported format has the keys {${shown}}; expected messages, conversations, instruction/output, prompt/completion, chosen/rejected, input/preferred_output/non_preferred_output or text`,
    });
    return { messages: [] };
  },
};

function present(messages: Array<DraftMessage | null>): DraftMessage[] {
  return messages.filter((m): m is DraftMessage => m !== null);
}

/** A required top-level string field as a message of `role`. */
function textField(o: JsonObject, key: string, role: Role, problems: Problem[]): DraftMessage | null {
  const v = o[key];
  if (typeof v === 'string') return { role, content: v, path: [key], at: [key], trained: true };
  if (v === undefined) problems.push({ code: 'missing-key', path: [], message: `the example has no "${key}"` });
  else problems.push({ code: 'invalid-content', path: [key], message: `${key} is ${describe(v)}; expected a string` });
  return null;
}

/** How many leading messages two conversations share. */
function sharedPrefix(a: DraftMessage[], b: DraftMessage[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n].role === b[n].role && a[n].content === b[n].content) n++;
  return n;
}

/** Alpaca `history`: earlier turns as [[user, assistant], ...]. */
function readHistory(history: unknown, problems: Problem[]): DraftMessage[] {
  if (history === undefined) return [];
  if (!Array.isArray(history)) {
    problems.push(notAList(['history'], history, 'a list of [user, assistant] pairs'));
    return [];
  }
  const out: DraftMessage[] = [];
  history.forEach((pair, k) => {
    const at = ['history', k];
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      problems.push({ code: 'message-malformed', path: at, message: `${formatPath(at)} is ${describe(pair)}; expected a [user, assistant] pair of strings` });
      return;
    }
    out.push({ role: 'user', content: pair[0], path: [...at, 0], at, trained: true });
    out.push({ role: 'assistant', content: pair[1], path: [...at, 1], at, trained: true });
  });
  return out;
}

const SHAREGPT_ROLES = new Map<unknown, Role>([
  ['human', 'user'],
  ['user', 'user'],
  ['gpt', 'assistant'],
  ['assistant', 'assistant'],
  ['system', 'system'],
  ['tool', 'tool'],
  ['function_call', 'assistant'],
  ['observation', 'tool'],
]);

function readShareGpt(turns: unknown, problems: Problem[]): DraftMessage[] {
  if (!Array.isArray(turns) || turns.length === 0) {
    problems.push(notAList(['conversations'], turns, 'a non-empty list of {"from", "value"} turns'));
    return [];
  }
  const out: DraftMessage[] = [];
  turns.forEach((t, k) => {
    const at = ['conversations', k];
    const where = formatPath(at);
    if (!isObject(t)) {
      problems.push({ code: 'message-malformed', path: at, message: `${where} is ${describe(t)}; expected a {"from", "value"} turn` });
      return;
    }
    const missing = ['from', 'value'].filter((key) => !(key in t));
    if (missing.length > 0) {
      problems.push({ code: 'missing-key', path: at, message: `${where} has no ${missing.join(' or ')}` });
      return;
    }
    const role = SHAREGPT_ROLES.get(t.from);
    if (!role) {
      problems.push({
        code: 'unknown-role',
        path: [...at, 'from'],
        message: `${where}.from is ${describe(t.from)}; expected one of ${[...SHAREGPT_ROLES.keys()].join(', ')}`,
      });
    } else if (typeof t.value !== 'string') {
      problems.push({ code: 'invalid-content', path: [...at, 'value'], message: `${where}.value is ${describe(t.value)}; expected a string` });
    } else {
      out.push({ role, content: t.value, path: [...at, 'value'], at, trained: true });
    }
  });
  return out;
}
