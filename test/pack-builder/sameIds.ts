// Shared by the pack-builder tests: the scanner's PackTokenizer must give the ids the
// Python pack builder's tokenizer (Hugging Face `tokenizers`) gave for each sample.
import assert from 'node:assert/strict';
import { PackTokenizer } from '../../src/core/model/tokenizer';

export function assertSameIds(tokenizerJson: unknown, samples: { strings: string[]; ids: number[][] }): void {
  const tok = PackTokenizer.fromJSON(tokenizerJson);
  assert.ok(samples.strings.length > 0);
  samples.strings.forEach((s, i) => assert.deepEqual(tok.encode(s).ids, samples.ids[i], `sample ${i}: ${JSON.stringify(s.slice(0, 60))}`));
}
