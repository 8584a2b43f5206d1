// Reads an OpenAI-style message list ({role, content, ...}), as used by OpenAI
// chat and preference data and TRL's conversational formats: normalises each
// message and reports what OpenAI's fine-tuning checks (keys, roles, content)
// plus what they miss (tool calls, tool_call_id links, weights).

import { formatPath, type JsonPath } from './jsonSpans';
import { describe, isObject, notAList, type DraftMessage, type JsonObject, type Problem } from './draft';
import type { Role } from './types';

/** `function` is the legacy name of the tool role. */
const ROLES = new Map<unknown, Role>([
  ['system', 'system'],
  ['user', 'user'],
  ['assistant', 'assistant'],
  ['tool', 'tool'],
  ['function', 'tool'],
]);

const MESSAGE_KEYS = ['role', 'content', 'name', 'weight', 'tool_calls', 'tool_call_id', 'function_call'];

/**
 * Reads `list` (found at `path`). `toolIds` holds the ids of tool calls made so
 * far, so a tool message can be checked against them; it is added to.
 */
export function readChatMessages(
  list: unknown,
  path: JsonPath,
  problems: Problem[],
  toolIds: Set<string>,
): DraftMessage[] {
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(notAList(path, list, 'a non-empty list of messages'));
    return [];
  }
  const out: DraftMessage[] = [];
  list.forEach((m, i) => {
    const msg = readMessage(m, [...path, i], problems, toolIds);
    if (msg) out.push(msg);
  });
  return out;
}

type Report = (code: Problem['code'], message: string, path?: JsonPath) => void;

function readMessage(m: unknown, at: JsonPath, problems: Problem[], toolIds: Set<string>): DraftMessage | null {
  const report: Report = (code, message, path = at) => problems.push({ code, path, message });
  if (!isObject(m)) {
    report('message-malformed', `${formatPath(at)} is ${describe(m)}; expected a message object`);
    return null;
  }
  const unknown = Object.keys(m).filter((k) => !MESSAGE_KEYS.includes(k));
  if (unknown.length > 0) {
    report('unknown-key', `${formatPath(at)} has unrecognised key(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}; expected only ${MESSAGE_KEYS.join(', ')}`);
  }
  if (!('role' in m)) {
    report('missing-key', `${formatPath(at)} has no role`);
    return null;
  }
  const role = ROLES.get(m.role);
  if (!role) {
    report('unknown-role', `${formatPath([...at, 'role'])} is ${describe(m.role)}; expected one of system, user, assistant, tool`, [...at, 'role']);
    return null;
  }
  const calls = readCalls(m, at, role, report);
  const text = readContent(m, at, calls.length > 0, report);
  if (!text) return null;
  if (m.role === 'tool') checkToolLink(m, at, toolIds, report);
  if ('weight' in m) checkWeight(m.weight, at, role, report);
  for (const call of calls) if (call.id !== null) toolIds.add(call.id);
  // Text joined with rendered calls has no single source string.
  const joined: Content =
    calls.length === 0 ? text : { content: [text.content, ...calls.map((c) => c.text)].filter((s) => s !== '').join('\n'), path: null };
  return { role, ...joined, at, trained: m.weight !== 0 };
}

interface Content {
  content: string;
  path: JsonPath | null;
}

function readContent(m: JsonObject, at: JsonPath, hasCalls: boolean, report: Report): Content | null {
  const c = m.content;
  if (typeof c === 'string') return { content: c, path: [...at, 'content'] };
  if (Array.isArray(c)) return readParts(c, [...at, 'content'], report);
  if (hasCalls && (c === null || c === undefined)) return { content: '', path: null };
  if (c === undefined) report('missing-key', `${formatPath(at)} has no content`);
  else report('invalid-content', `${formatPath([...at, 'content'])} is ${describe(c)}; expected a string${m.role === 'assistant' ? ' (null only with tool_calls)' : ''}`, [...at, 'content']);
  return null;
}

/** Content given as parts ([{type: 'text', text}, {type: 'image_url', ...}]): the text parts count. */
function readParts(parts: unknown[], at: JsonPath, report: Report): Content | null {
  const texts: Content[] = [];
  const skipped = new Set<string>();
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k];
    if (isObject(p) && p.type === 'text' && typeof p.text === 'string') texts.push({ content: p.text, path: [...at, k, 'text'] });
    else if (isObject(p) && typeof p.type === 'string' && p.type !== 'text') skipped.add(p.type);
    else {
      report('invalid-content', `${formatPath([...at, k])} is not a content part ({"type": "text", "text": "..."} or another type)`, [...at, k]);
      return null;
    }
  }
  if (skipped.size > 0) report('non-text-content', `${formatPath(at)} has ${[...skipped].join(', ')} parts; only the text is scored`, at);
  if (texts.length === 1) return texts[0];
  return { content: texts.map((t) => t.content).join('\n'), path: null };
}

interface Call {
  /** Null for a legacy function_call, which tool messages do not refer to by id. */
  id: string | null;
  text: string;
}

/** The message's tool_calls and legacy function_call, rendered as `name(arguments)`. */
function readCalls(m: JsonObject, at: JsonPath, role: Role, report: Report): Call[] {
  const calls: Call[] = [];
  for (const key of ['tool_calls', 'function_call'] as const) {
    if (key in m && role !== 'assistant') report('tool-call-malformed', `${formatPath(at)} has ${key}, but only assistant messages make calls`, [...at, key]);
  }
  if (role !== 'assistant') return calls;
  if ('tool_calls' in m) {
    const list = m.tool_calls;
    if (!Array.isArray(list)) report('tool-call-malformed', `${formatPath([...at, 'tool_calls'])} is ${describe(list)}; expected a list`, [...at, 'tool_calls']);
    else {
      list.forEach((call, k) => {
        const path = [...at, 'tool_calls', k];
        if (!isObject(call) || typeof call.id !== 'string') {
          report('tool-call-malformed', `${formatPath(path)} needs an "id" string and a "function" {name, arguments}`, path);
          return;
        }
        const text = renderCall(call.function, [...path, 'function'], report);
        if (text !== null) calls.push({ id: call.id, text });
      });
    }
  }
  if ('function_call' in m) {
    const text = renderCall(m.function_call, [...at, 'function_call'], report);
    if (text !== null) calls.push({ id: null, text });
  }
  return calls;
}

function renderCall(fn: unknown, path: JsonPath, report: Report): string | null {
  if (!isObject(fn) || typeof fn.name !== 'string' || typeof fn.arguments !== 'string') {
    report('tool-call-malformed', `${formatPath(path)} needs "name" and "arguments" strings (arguments is JSON text)`, path);
    return null;
  }
  try {
    JSON.parse(fn.arguments);
  } catch {
    report('tool-arguments-not-json', `${formatPath([...path, 'arguments'])} is not valid JSON`, [...path, 'arguments']);
  }
  return `${fn.name}(${fn.arguments})`;
}

function checkToolLink(m: JsonObject, at: JsonPath, toolIds: Set<string>, report: Report): void {
  const id = m.tool_call_id;
  if (typeof id !== 'string') report('tool-call-id-unmatched', `${formatPath(at)} is a tool message without a tool_call_id string`);
  else if (!toolIds.has(id)) report('tool-call-id-unmatched', `${formatPath(at)}.tool_call_id ${JSON.stringify(id)} matches no earlier assistant tool call`, [...at, 'tool_call_id']);
}

function checkWeight(weight: unknown, at: JsonPath, role: Role, report: Report): void {
  const where = formatPath([...at, 'weight']);
  if (weight !== 0 && weight !== 1) report('weight-invalid', `${where} is ${describe(weight)}; expected 0 or 1`, [...at, 'weight']);
  else if (role !== 'assistant') report('weight-invalid', `${where} is set on a ${role} message; only assistant messages take a weight`, [...at, 'weight']);
}
