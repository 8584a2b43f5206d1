// The pack builder (Python, tools/pack-builder/pack_builder/bpe.py) tokenises the
// training corpus itself; a pack only works if the scanner's PackTokenizer gives the
// very same ids. The fixtures are the tiny config's tokenizer.json and the strings +
// ids its tokenizer stage wrote (refresh: copy them from build/pack-builder/tiny/tokenizer/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertSameIds } from './sameIds';

test('PackTokenizer reproduces the pack builder’s ids for the committed samples', () => {
  const dir = join(__dirname, 'fixtures');
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
  assertSameIds(read('tokenizer.json'), read('tokenizer-samples.json'));
});
