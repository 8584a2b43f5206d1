// Checks on a normalised conversation, the same for every format: is there
// anything to train on, and are the roles in an order trainers expect.
// (Checks of the raw shape live with the format readers, which meet them.)

import type { Draft, DraftMessage, Problem } from './draft';
import { formatPath } from './jsonSpans';

const isBlank = (s: string) => !/\S/.test(s);

export function checkConversation(draft: Draft): Problem[] {
  const { messages, rejected } = draft;
  const all = [...messages, ...(rejected ?? [])];
  if (all.every((m) => isBlank(m.content))) {
    return [{ code: 'empty-example', path: [], message: 'the example has no text in any message' }];
  }
  const problems: Problem[] = [];
  const needAssistant = (list: DraftMessage[], what: string) => {
    if (!list.some((m) => m.role === 'assistant')) problems.push({ code: 'no-assistant', path: [], message: `${what} has no assistant message to train on` });
  };
  needAssistant(messages, 'the conversation');
  if (rejected) needAssistant(rejected, 'the rejected continuation');
  for (const m of all) {
    if (m.role === 'assistant' && isBlank(m.content)) {
      problems.push({ code: 'empty-assistant', path: m.path ?? m.at, message: `${formatPath(m.at)} is an assistant message with empty content` });
    }
  }
  messages.forEach((m, i) => {
    const prev = messages[i - 1];
    if (m.role === 'system' && i > 0) {
      problems.push({ code: 'system-not-first', path: m.at, message: `${formatPath(m.at)} is a system message at position ${i + 1}; it belongs first` });
    } else if (prev?.role === m.role && m.role !== 'tool') {
      problems.push({ code: 'consecutive-same-role', path: m.at, message: `${formatPath(m.at)} is a second ${m.role} message in a row (after ${formatPath(prev.at)})` });
    }
  });
  const last = messages[messages.length - 1];
  if (last && last.role !== 'assistant') {
    problems.push({ code: 'not-ending-with-assistant', path: last.at, message: `the conversation ends with a ${last.role} message (${formatPath(last.at)}), not the assistant's` });
  }
  return problems;
}
