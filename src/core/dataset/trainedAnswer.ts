// Which message of an example is the answer training learns from.

import type { Example } from './types';

/** The index of the example's last assistant message that is trained on; -1 when there is none. */
export function trainedAnswerAt(example: Example): number {
  let at = example.messages.length - 1;
  while (at >= 0 && !(example.messages[at].role === 'assistant' && example.messages[at].trained)) at--;
  return at;
}
