// What of an example goes to the judge (and nothing else does): the last assistant
// message that is trained on, and the conversation before it as plain text. Also
// the estimate a user confirms before anything is sent.

import { trainedAnswerAt } from '../dataset/trainedAnswer';
import type { Example } from '../dataset/types';
import { RUBRIC_CHARS } from './rubric';

export interface JudgedTurn {
  line: number;
  /** The messages before the answer, one "role: text" paragraph each. */
  prompt: string;
  answer: string;
}

/** The fields sent, in words, for the confirmation. */
export const SENT_FIELDS = "each example's last trained assistant message and the messages before it (role and text); nothing else of the file";

/** The example's judged turn, or null when no assistant message is trained on. */
export function judgedTurn(example: Example): JudgedTurn | null {
  const at = trainedAnswerAt(example);
  if (at < 0) return null;
  const prompt = example.messages
    .slice(0, at)
    .map((m) => `${m.role}: ${m.content}`)
    .join('\n\n');
  return { line: example.line, prompt, answer: example.messages[at].content };
}

/** OpenAI's API, the client's default server: named in what the user confirms. */
export const OPENAI_API = 'https://api.openai.com/v1';

/** The judge's defaults, for the CLI's options and the editor's settings alike. */
export const JUDGE_DEFAULTS = { model: 'gpt-4o-mini', concurrency: 4, timeoutS: 60, retries: 2 } as const;

/** US dollars per million tokens, input and output. */
export interface Price {
  input: number;
  output: number;
}

/**
 * List prices of a few OpenAI models (USD per 1M tokens, as published in 2026); any other
 * model's cost is unknown unless the user gives --price. Local servers cost nothing here.
 */
export const KNOWN_PRICES: Record<string, Price> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4.1': { input: 2, output: 8 },
};

/** Reply tokens a verdict takes, about: two numbers and a sentence or two. */
export const REPLY_TOKENS = 80;

export interface Estimate {
  examples: number;
  /** About four characters a token: a rough figure, said as one. */
  inputTokens: number;
  outputTokens: number;
  /** Null when the model's price is not known. */
  usd: number | null;
}

export function estimate(turns: readonly JudgedTurn[], price: Price | null): Estimate {
  const chars = turns.reduce((n, t) => n + t.prompt.length + t.answer.length + RUBRIC_CHARS, 0);
  const inputTokens = Math.ceil(chars / 4);
  const outputTokens = turns.length * REPLY_TOKENS;
  const usd = price ? (inputTokens * price.input + outputTokens * price.output) / 1e6 : null;
  return { examples: turns.length, inputTokens, outputTokens, usd };
}

/** The estimate's cost in words: `about $0.0012 at gpt-4o-mini's list price`, or what is unknown and how to tell. */
export function costText(est: Estimate, pricedBy: string, unknown: string): string {
  if (est.usd === null) return unknown;
  return `about $${est.usd < 0.01 ? est.usd.toFixed(4) : est.usd.toFixed(2)} at ${pricedBy}`;
}
