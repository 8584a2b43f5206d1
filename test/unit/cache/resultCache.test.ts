import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { defaultCacheRoot } from '../../../src/core/cache/cacheRoot';
import { encodeRecord, HEADER_SIZE, RECORD_HEAD } from '../../../src/core/cache/recordLog';
import { exampleHash, ResultCache, type CacheDamage, type CacheNotice } from '../../../src/core/cache/resultCache';

interface Value {
  risk: number;
  text: string;
}

const PACK_A = 'a'.repeat(64);
const PACK_B = 'b'.repeat(64);
const key = (i: number) => exampleHash([`example ${i}`]);
const value = (i: number): Value => ({ risk: i / 10, text: `value ${i} ✓` });

let root: string;
let notices: CacheNotice[];

function open(packHash = PACK_A, flushBytes?: number): ResultCache<Value> {
  return ResultCache.open<Value>({ root, packHash, flushBytes, onNotice: (n) => notices.push(n) });
}

/** A closed cache of pack A holding entries 0..n-1; returns its log file. */
function filled(n: number): string {
  const cache = open();
  for (let i = 0; i < n; i++) cache.set(key(i), value(i));
  cache.close();
  return cache.file;
}

/** Offset of record i in a log written by filled(). */
function recordOffset(i: number): number {
  let offset = HEADER_SIZE;
  for (let j = 0; j < i; j++) offset += RECORD_HEAD + Buffer.byteLength(JSON.stringify(value(j)));
  return offset;
}

function patch(file: string, offset: number, bytes: Buffer): void {
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, bytes, 0, bytes.length, offset);
  fs.closeSync(fd);
}

function flipByte(file: string, offset: number): void {
  const b = fs.readFileSync(file);
  patch(file, offset, Buffer.from([b[offset] ^ 0xff]));
}

/** Reopens pack A and returns which of entries 0..n-1 survive (checking each survivor's value). */
function survivors(n: number): number[] {
  const cache = open();
  const kept: number[] = [];
  for (let i = 0; i < n; i++) {
    const got = cache.get(key(i));
    if (got !== undefined) {
      assert.deepEqual(got, value(i));
      kept.push(i);
    }
  }
  cache.close();
  return kept;
}

function expectRebuilt(damage: CacheDamage, kept: number): void {
  assert.equal(notices.length, 1, JSON.stringify(notices));
  const n = notices[0];
  assert.equal(n.kind, 'rebuilt');
  assert.ok(n.kind === 'rebuilt' && n.damage === damage && n.kept === kept, JSON.stringify(n));
  assert.match(n.message, /damaged/);
  notices = [];
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-cache-'));
  notices = [];
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('exampleHash', () => {
  it('is a sha256 over length-prefixed parts', () => {
    assert.match(exampleHash(['a']), /^[0-9a-f]{64}$/);
    assert.equal(exampleHash(['ab', 'c']), exampleHash(['ab', 'c']));
    assert.notEqual(exampleHash(['ab', 'c']), exampleHash(['a', 'bc']));
    assert.notEqual(exampleHash(['abc']), exampleHash(['abc', '']));
  });
});

describe('defaultCacheRoot', () => {
  it('uses an absolute XDG_CACHE_HOME, else ~/.cache', () => {
    assert.equal(defaultCacheRoot({ XDG_CACHE_HOME: '/x/cache' }, '/home/u'), path.join('/x/cache', 'persona-lens'));
    assert.equal(defaultCacheRoot({ XDG_CACHE_HOME: 'rel' }, '/home/u'), path.join('/home/u', '.cache', 'persona-lens'));
    assert.equal(defaultCacheRoot({}, '/home/u'), path.join('/home/u', '.cache', 'persona-lens'));
  });
});

describe('ResultCache', () => {
  it('round-trips values across close and reopen', () => {
    const cache = open();
    assert.equal(cache.file, path.join(root, PACK_A, 'results.log'));
    for (let i = 0; i < 50; i++) cache.set(key(i), value(i));
    assert.deepEqual(cache.get(key(3)), value(3), 'unflushed values are readable');
    cache.close();

    const again = open();
    assert.equal(again.has(key(49)), true);
    assert.equal(again.has(key(50)), false);
    assert.deepEqual(again.get(key(7)), value(7));
    assert.equal(again.get(key(50)), undefined);
    again.set(key(7), { risk: 1, text: 'replaced' });
    again.close();

    const third = open();
    assert.deepEqual(third.get(key(7)), { risk: 1, text: 'replaced' }, 'the latest set wins');
    assert.deepEqual(third.stats(), { hits: 1, misses: 0, entries: 50, bytes: fs.statSync(third.file).size });
    third.close();
    assert.deepEqual(notices, []);
  });

  it('flushes in batches, and a second run reads what the first flushed', () => {
    const writer = open(PACK_A, 1000);
    for (let i = 0; i < 40; i++) writer.set(key(i), value(i));
    const size = fs.statSync(writer.file).size;
    assert.ok(size > HEADER_SIZE && size < writer.stats().bytes, 'some batches written, the last one pending');
    const reader = open();
    assert.deepEqual(reader.get(key(0)), value(0));
    assert.equal(reader.get(key(39)), undefined);
    writer.flush();
    reader.set(key(100), value(100));
    reader.close();
    writer.close();
    assert.deepEqual(survivors(101).length, 41);
    assert.deepEqual(notices, []);
  });

  it('keeps both runs’ entries when two runs append at once', () => {
    const a = open();
    const b = open();
    for (let i = 0; i < 20; i++) (i % 2 ? a : b).set(key(i), value(i));
    a.flush();
    b.flush();
    a.set(key(20), value(20));
    a.close();
    b.close();
    assert.deepEqual(survivors(21), [...Array(21).keys()]);
    assert.deepEqual(notices, []);
  });

  it('a record with a valid checksum but the wrong shape is damage: dropped, rebuilt, never returned', () => {
    const isValue = (v: unknown) => typeof v === 'object' && v !== null && typeof (v as Value).risk === 'number';
    const writer = ResultCache.open<unknown>({ root, packHash: PACK_A, onNotice: (n) => notices.push(n) });
    writer.set(key(0), value(0));
    writer.set(key(1), { riks: 'not a result' }); // as another version, or a person, might write it
    writer.set(key(2), value(2));
    writer.close();
    const cache = ResultCache.open<Value>({ root, packHash: PACK_A, validate: isValue, onNotice: (n) => notices.push(n) });
    assert.deepEqual(cache.get(key(0)), value(0));
    assert.equal(cache.get(key(1)), undefined);
    assert.equal(notices.length, 1);
    assert.ok(notices[0].kind === 'rebuilt' && notices[0].damage === 'shape', JSON.stringify(notices[0]));
    assert.match(notices[0].message, /a record does not hold a result/);
    cache.set(key(1), value(1)); // rebuilt like any other damage
    cache.close();
    const again = ResultCache.open<Value>({ root, packHash: PACK_A, validate: isValue });
    assert.deepEqual(again.get(key(0)), value(0));
    assert.deepEqual(again.get(key(1)), value(1));
    again.close();
  });

  it('keeps separate packs apart', () => {
    const a = open(PACK_A);
    a.set(key(1), value(1));
    a.close();
    const b = open(PACK_B);
    assert.equal(b.get(key(1)), undefined);
    assert.equal(b.stats().entries, 0);
    b.close();
  });

  describe('damage is detected, reported and rebuilt', () => {
    it('a record cut short: keeps the intact records before it', () => {
      const file = filled(3);
      fs.truncateSync(file, fs.statSync(file).size - 5);
      assert.deepEqual(survivors(3), [0, 1]);
      expectRebuilt('truncated', 2);
      assert.equal(fs.statSync(file).size, recordOffset(2));
      assert.deepEqual(survivors(3), [0, 1]);
      assert.deepEqual(notices, [], 'the rebuilt file is clean');
    });

    it('a truncated header', () => {
      const file = filled(3);
      fs.truncateSync(file, 10);
      assert.deepEqual(survivors(3), []);
      expectRebuilt('bad-header', 0);
    });

    it('a flipped payload byte: keeps only the records before it', () => {
      const file = filled(3);
      flipByte(file, recordOffset(1) + RECORD_HEAD + 3);
      assert.deepEqual(survivors(3), [0]);
      expectRebuilt('checksum', 1);
    });

    it('a flipped key byte never hands a value to another key', () => {
      const file = filled(3);
      flipByte(file, recordOffset(0));
      assert.deepEqual(survivors(3), []);
      expectRebuilt('checksum', 0);
    });

    it('bad magic', () => {
      const file = filled(3);
      patch(file, 0, Buffer.from('XX'));
      assert.deepEqual(survivors(3), []);
      expectRebuilt('bad-header', 0);
    });

    it('another format version', () => {
      const file = filled(3);
      patch(file, 8, Buffer.from([2, 0, 0, 0]));
      assert.deepEqual(survivors(3), []);
      expectRebuilt('version', 0);
    });

    it('a header naming another pack', () => {
      const file = filled(3);
      fs.mkdirSync(path.join(root, PACK_B));
      fs.copyFileSync(file, path.join(root, PACK_B, 'results.log'));
      const b = open(PACK_B);
      assert.equal(b.get(key(0)), undefined);
      b.close();
      expectRebuilt('pack-hash', 0);
    });

    it('a garbage file', () => {
      fs.mkdirSync(path.join(root, PACK_A));
      fs.writeFileSync(path.join(root, PACK_A, 'results.log'), 'not a cache at all\n'.repeat(20));
      assert.deepEqual(survivors(3), []);
      expectRebuilt('bad-header', 0);
    });

    it('an empty file', () => {
      fs.mkdirSync(path.join(root, PACK_A));
      fs.writeFileSync(path.join(root, PACK_A, 'results.log'), '');
      assert.deepEqual(survivors(1), []);
      expectRebuilt('bad-header', 0);
    });

    it('invalid JSON behind a valid checksum: found when read, file rebuilt without it', () => {
      const file = filled(2);
      fs.appendFileSync(file, encodeRecord(key(2), Buffer.from('{"risk": 0.')));
      const cache = open();
      assert.equal(cache.get(key(2)), undefined);
      expectRebuilt('json', 2);
      assert.deepEqual(cache.get(key(1)), value(1));
      assert.deepEqual(cache.stats(), { hits: 1, misses: 1, entries: 2, bytes: recordOffset(2) });
      cache.close();
      assert.deepEqual(survivors(3), [0, 1]);
      assert.deepEqual(notices, []);
    });

    it('a byte changed while the cache is open is caught when read', () => {
      const file = filled(3);
      const cache = open();
      flipByte(file, recordOffset(2) + RECORD_HEAD);
      assert.equal(cache.get(key(2)), undefined);
      expectRebuilt('checksum', 2);
      cache.close();
      assert.deepEqual(survivors(3), [0, 1]);
    });
  });

  it('a run whose log was replaced by another run appends to the new log', () => {
    const file = filled(2);
    const a = open();
    patch(file, 0, Buffer.from('XX'));
    open().close(); // another run finds the file damaged and replaces it
    expectRebuilt('bad-header', 0);
    a.set(key(5), value(5));
    a.close();
    assert.deepEqual(survivors(6), [5]);
    assert.deepEqual(notices, []);
  });

  it('a failed write is reported once and the run goes on without storing', () => {
    const cache = open();
    cache.set(key(1), value(1));
    cache.flush();
    fs.rmSync(path.join(root, PACK_A), { recursive: true });
    cache.set(key(2), value(2));
    cache.flush();
    cache.set(key(3), value(3));
    cache.close();
    assert.equal(notices.length, 1);
    assert.equal(notices[0].kind, 'write-failed');
    assert.deepEqual(cache.stats().entries, 1);
  });

  it('refuses bad keys, bad pack hashes and use after close', () => {
    const cache = open();
    assert.throws(() => cache.set('abc', value(1)), /64 lower-case hex/);
    assert.throws(() => ResultCache.open({ root, packHash: '../escape' }), /invalid pack hash/);
    cache.close();
    assert.throws(() => cache.get(key(1)), /closed/);
  });
});
