import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { decodeInput, INPUT_LIMITS, InputError, readInput, readInputSync } from '../../../src/io/inputGate';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdplan-gate-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Uint8Array) => {
  const full = path.join(dir, name);
  fs.writeFileSync(full, content);
  return full;
};
const fifo = (name: string): string | undefined => {
  const full = path.join(dir, name);
  try {
    execFileSync('mkfifo', [full]);
    return full;
  } catch {
    return undefined; // no mkfifo (Windows): the FIFO cases are skipped
  }
};

/** Runs a read that must end fast: a FIFO or device read would block or run on without the gate. */
function refused(read: () => unknown, problem: InputError['problem'], message: RegExp): void {
  const started = performance.now();
  assert.throws(read, (error: unknown) => {
    assert.ok(error instanceof InputError, String(error));
    assert.equal(error.problem, problem);
    assert.match(error.message, message);
    return true;
  });
  assert.ok(performance.now() - started < 2000, 'refused at once, not after reading');
}

test('special files are refused by their type before anything is read: FIFO, character device, directory, a link to a FIFO', () => {
  const pipe = fifo('plan.fifo');
  if (pipe) {
    refused(
      () => readInputSync(pipe, 'plan'),
      'not-a-file',
      /plan file .*plan\.fifo is a FIFO \(named pipe\); name a regular file/,
    );
    const link = path.join(dir, 'link-to-fifo.csv');
    fs.symlinkSync(pipe, link);
    refused(() => readInputSync(link, 'profile'), 'not-a-file', /profile file .* is a FIFO/);
  }
  if (fs.existsSync('/dev/zero'))
    refused(() => readInputSync('/dev/zero', 'trace'), 'not-a-file', /trace file \/dev\/zero is a character device/);
  refused(() => readInputSync(dir, 'plan'), 'not-a-file', /is a directory/);
  refused(() => readInputSync(path.join(dir, 'nope.yaml'), 'plan'), 'missing', /does not exist/);
});

test('the async read (the extension host) refuses the same files and never waits on a FIFO', async () => {
  const pipe = fifo('trace.fifo');
  const cases: Array<[string, RegExp]> = [[dir, /is a directory/]];
  if (pipe) cases.push([pipe, /is a FIFO/]);
  if (fs.existsSync('/dev/zero')) cases.push(['/dev/zero', /character device/]);
  for (const [target, message] of cases) {
    await assert.rejects(
      readInput(target, 'trace'),
      (error: unknown) => error instanceof InputError && message.test(error.message),
    );
  }
  assert.equal((await readInput(file('ok.jsonl', '{"a":1}\r'), 'trace')).text, '{"a":1}\n');
});

test('sizes are capped per kind: a huge sparse file is refused from its size, without reading it', () => {
  const sparse = path.join(dir, 'sparse.pdplan.yaml');
  const fd = fs.openSync(sparse, 'w');
  fs.ftruncateSync(fd, 3 * 1024 * 1024 * 1024); // 3 GB of holes: nothing on disk
  fs.closeSync(fd);
  refused(() => readInputSync(sparse, 'plan'), 'too-large', /is 3070 MB; a plan file is read up to 4 MB/);
  // A file that reports a small size but delivers more (a /proc file) is cut at the cap as it is read.
  const small = file('small.csv', 'x'.repeat(100));
  refused(() => readInputSync(small, 'profile', { maxBytes: 50 }), 'too-large', /profile file .* (is|holds more than)/);
  assert.equal(INPUT_LIMITS.profile.maxBytes, 8 * 1024 * 1024);
});

test('a read that takes too long is given up with a message (the clock is injected)', () => {
  const big = file('big.jsonl', Buffer.alloc(3 * 1024 * 1024, 0x20));
  let t = 0;
  refused(
    () => readInputSync(big, 'trace', { timeLimitMs: 5, now: () => (t += 10) }),
    'too-slow',
    /took more than 0.005 s to read; copy it to a local disk/,
  );
});

test('encodings are decided by the byte-order mark; without one the text must be UTF-8', () => {
  const text = 'version: 1\nname: ünïcode ✓\n';
  const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const utf16be = Buffer.from(utf16le);
  utf16be[0] = 0xfe;
  utf16be[1] = 0xff;
  for (let i = 2; i < utf16be.length; i += 2) [utf16be[i], utf16be[i + 1]] = [utf16le[i + 1], utf16le[i]];
  assert.deepEqual(decodeInput(Buffer.from(text)), { text, encoding: 'utf-8' });
  assert.deepEqual(decodeInput(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])), {
    text,
    encoding: 'utf-8',
  });
  assert.deepEqual(decodeInput(utf16le), { text, encoding: 'utf-16le' });
  assert.deepEqual(decodeInput(utf16be), { text, encoding: 'utf-16be' });
  const bad = (bytes: number[] | Buffer, message: RegExp) =>
    assert.throws(
      () => decodeInput(Buffer.from(bytes), 'x.yaml', 'plan file'),
      (e: unknown) => e instanceof InputError && e.problem === 'encoding' && message.test(e.message),
    );
  bad(
    Buffer.concat([Buffer.from('a: 1\nb: '), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]),
    /plan file x\.yaml is not UTF-8 text \(invalid byte on line 2\); save it as UTF-8/,
  );
  bad(Buffer.from('a\u0000b', 'latin1'), /NUL byte on line 1: it is binary, or UTF-16 without a byte-order mark/);
  bad(Buffer.from(text, 'utf16le'), /NUL byte on line 1: it is binary, or UTF-16 without a byte-order mark/);
  bad([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0], /UTF-32/);
  bad([0xff, 0xfe, 0x61], /odd number of bytes/);
  bad([0xff, 0xfe, 0x00, 0xd8, 0x61, 0x00], /not valid UTF-16/);
});

test('every line-end style reads as lines: LF and CRLF stay, a lone CR becomes LF at the same offset', () => {
  assert.equal(decodeInput(Buffer.from('a: 1\rb: 2\r')).text, 'a: 1\nb: 2\n');
  assert.equal(decodeInput(Buffer.from('a: 1\r\nb: 2\n')).text, 'a: 1\r\nb: 2\n');
  assert.equal(decodeInput(Buffer.from('a\r\r\nb')).text, 'a\n\r\nb');
});

test('no gate message quotes the file: secrets stay out of messages whatever the failure', () => {
  const secret = 'AKIAIOSFODNN7EXAMPLE-s3cr3t';
  const failures = [
    () => decodeInput(Buffer.concat([Buffer.from(secret), Buffer.from([0xff])]), 'secret.env', 'profile file'),
    () => decodeInput(Buffer.from(`${secret}\u0000`), 'secret.env', 'profile file'),
    () => readInputSync(file('secret.env', secret), 'profile', { maxBytes: 4 }),
  ];
  for (const fail of failures) {
    assert.throws(
      fail,
      (e: unknown) => e instanceof InputError && !e.message.includes('s3cr3t') && !e.message.includes('AKIA'),
    );
  }
});
