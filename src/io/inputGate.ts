/**
 * The one way PD Planner reads a file it is given: a plan named on the command line, or a trace or
 * measured profile a plan names. Every shell (CLI, extension, its validator) reads through here, so
 * the same limits and the same messages hold everywhere:
 *
 * - only a regular file is read: a FIFO, a character device (/dev/zero), a socket or a directory
 *   is refused from its type before anything is read, and the file is opened non-blocking so a
 *   FIFO swapped in after the check cannot hang the read;
 * - the size is capped per kind of file, checked on the size the file reports and again on the
 *   bytes actually read (files under /proc report 0 and then deliver data);
 * - the read is bounded in time (checked between chunks; the async read also races a timer);
 * - the bytes are decoded by their byte-order mark (UTF-8, UTF-16 LE/BE) or as strict UTF-8, and
 *   a lone CR line end becomes LF (length-preserving, so offsets and line numbers do not move);
 * - no message quotes the file's content: it says what was expected and where.
 */
import * as fs from 'node:fs';

export type InputKind = 'plan' | 'trace' | 'profile';

const MiB = 1024 * 1024;

/** Bytes read at most per kind of file; docs/plan-file.md lists them. */
export const INPUT_LIMITS: Record<InputKind, { maxBytes: number; what: string }> = {
  // The loader refuses plans over 1 MiB of text; UTF-16 doubles the bytes, and more is never a plan.
  plan: { maxBytes: 4 * MiB, what: 'plan file' },
  // 2,000,000 trace lines of about 100 bytes each.
  trace: { maxBytes: 256 * MiB, what: 'trace file' },
  profile: { maxBytes: 8 * MiB, what: 'profile file' },
};

/** How long one read may take before it is given up (a stalled network or FUSE mount). */
export const READ_TIME_LIMIT_MS = 10_000;

export type InputProblem = 'missing' | 'not-a-file' | 'too-large' | 'too-slow' | 'encoding' | 'unreadable';

/** A file that was not read, with a message that names the file and never its content. */
export class InputError extends Error {
  constructor(
    readonly problem: InputProblem,
    message: string,
    /** The Node error code behind it, when there was one (ENOENT, EACCES, …). */
    readonly errno?: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

export interface ReadOptions {
  /** Overrides the cap of the kind (tests, `pdplan validate` of a single huge file). */
  maxBytes?: number;
  timeLimitMs?: number;
  /** Injected clock for the time bound (tests); default performance.now. */
  now?: () => number;
}

export interface DecodedText {
  text: string;
  encoding: 'utf-8' | 'utf-16le' | 'utf-16be';
}

const CHUNK = MiB;

function mb(bytes: number): string {
  return bytes >= MiB ? `${Number((bytes / MiB).toPrecision(3))} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

function typeOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function systemError(error: unknown, file: string, what: string): InputError {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new InputError('missing', `${what} ${file} does not exist`, code);
  if (code === 'EACCES' || code === 'EPERM')
    return new InputError('unreadable', `${what} ${file} cannot be read (permission denied)`, code);
  if (code === 'EISDIR') return new InputError('not-a-file', `${what} ${file} is a directory, not a file`, code);
  if (code === 'ELOOP') return new InputError('unreadable', `${what} ${file} is a symbolic link loop`, code);
  if (code === 'EAGAIN' || code === 'EWOULDBLOCK')
    return new InputError('not-a-file', `${what} ${file} is not a regular file (reading it would wait)`, code);
  return new InputError('unreadable', `${what} ${file} cannot be read (${code ?? 'unknown error'})`, code);
}

function limitsOf(kind: InputKind, options: ReadOptions) {
  const { what } = INPUT_LIMITS[kind];
  const maxBytes = options.maxBytes ?? INPUT_LIMITS[kind].maxBytes;
  return {
    what,
    maxBytes,
    timeLimitMs: options.timeLimitMs ?? READ_TIME_LIMIT_MS,
    now: options.now ?? (() => performance.now()),
  };
}

function checkStat(stat: fs.Stats, file: string, what: string, maxBytes: number): void {
  if (!stat.isFile()) {
    throw new InputError('not-a-file', `${what} ${file} is ${typeOf(stat)}; name a regular file`);
  }
  if (stat.size > maxBytes) throw tooLarge(file, what, maxBytes, stat.size);
}

function tooLarge(file: string, what: string, maxBytes: number, size?: number): InputError {
  const found = size !== undefined ? `is ${mb(size)}` : `holds more than ${mb(maxBytes)}`;
  return new InputError(
    'too-large',
    `${what} ${file} ${found}; a ${what} is read up to ${mb(maxBytes)} — make it smaller`,
  );
}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer (not on Windows).
const OPEN_FLAGS = fs.constants.O_RDONLY | (process.platform === 'win32' ? 0 : fs.constants.O_NONBLOCK);

/** Reads and decodes one file under the limits of its kind; throws InputError. */
export function readInputSync(file: string, kind: InputKind, options: ReadOptions = {}): DecodedText {
  const { what, maxBytes, timeLimitMs, now } = limitsOf(kind, options);
  const started = now();
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw systemError(error, file, what);
  }
  checkStat(stat, file, what, maxBytes);
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (error) {
    throw systemError(error, file, what);
  }
  try {
    // Checked again on the open file: it may have been replaced since the stat.
    const opened = fs.fstatSync(fd);
    checkStat(opened, file, what, maxBytes);
    // One buffer of the reported size (one byte more, to see a file that grew); it grows only for
    // files that report less than they hold (/proc), so a large trace is not held twice while read.
    let buffer = Buffer.allocUnsafe(Math.min(maxBytes, opened.size) + 1);
    let total = 0;
    for (;;) {
      if (total === buffer.length) {
        if (total > maxBytes) throw tooLarge(file, what, maxBytes);
        const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(CHUNK, buffer.length * 2)));
        buffer.copy(grown, 0, 0, total);
        buffer = grown;
      }
      let n: number;
      try {
        n = fs.readSync(fd, buffer, total, Math.min(CHUNK, buffer.length - total), null);
      } catch (error) {
        throw systemError(error, file, what);
      }
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw tooLarge(file, what, maxBytes);
      if (now() - started > timeLimitMs) throw tooSlow(file, what, timeLimitMs);
    }
    return decodeInput(buffer.subarray(0, total), file, what);
  } finally {
    fs.closeSync(fd);
  }
}

function tooSlow(file: string, what: string, timeLimitMs: number): InputError {
  return new InputError(
    'too-slow',
    `${what} ${file} took more than ${timeLimitMs / 1000} s to read; copy it to a local disk`,
  );
}

/** readInputSync without blocking the caller's thread (the extension host); bounded by a timer too. */
export async function readInput(file: string, kind: InputKind, options: ReadOptions = {}): Promise<DecodedText> {
  const { what, maxBytes, timeLimitMs, now } = limitsOf(kind, options);
  const started = now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(tooSlow(file, what, timeLimitMs)), timeLimitMs);
  });
  const read = async (): Promise<DecodedText> => {
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
    } catch (error) {
      throw systemError(error, file, what);
    }
    checkStat(stat, file, what, maxBytes);
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(file, OPEN_FLAGS);
    } catch (error) {
      throw systemError(error, file, what);
    }
    try {
      checkStat(await handle.stat(), file, what, maxBytes);
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        const buffer = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1 - total));
        let n: number;
        try {
          ({ bytesRead: n } = await handle.read(buffer, 0, buffer.length, null));
        } catch (error) {
          throw systemError(error, file, what);
        }
        if (n === 0) break;
        chunks.push(n === buffer.length ? buffer : buffer.subarray(0, n));
        total += n;
        if (total > maxBytes) throw tooLarge(file, what, maxBytes);
        if (now() - started > timeLimitMs) throw tooSlow(file, what, timeLimitMs);
      }
      return decodeInput(Buffer.concat(chunks, total), file, what);
    } finally {
      await handle.close();
    }
  };
  try {
    return await Promise.race([read(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Text of a file's bytes: the byte-order mark decides UTF-8, UTF-16 LE or UTF-16 BE (and is
 * dropped); without one the bytes must be UTF-8. Lone CR line ends become LF, CRLF stays. `file`
 * and `what` only name the file in messages.
 */
export function decodeInput(bytes: Uint8Array, file = 'the file', what = 'file'): DecodedText {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if (
    bytes.length >= 4 &&
    ((b0 === 0xff && b1 === 0xfe && bytes[2] === 0 && bytes[3] === 0) ||
      (b0 === 0 && b1 === 0 && bytes[2] === 0xfe && bytes[3] === 0xff))
  ) {
    throw new InputError('encoding', `${what} ${file} is UTF-32 text; save it as UTF-8`);
  }
  let text: string;
  let encoding: DecodedText['encoding'];
  if (b0 === 0xff && b1 === 0xfe) {
    encoding = 'utf-16le';
    text = decodeUtf16(bytes.subarray(2), false, file, what);
  } else if (b0 === 0xfe && b1 === 0xff) {
    encoding = 'utf-16be';
    text = decodeUtf16(bytes.subarray(2), true, file, what);
  } else {
    encoding = 'utf-8';
    const body = b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
    // No text file holds a NUL byte: binary, or UTF-16 without its mark (every ASCII character has one).
    const nul = body.indexOf(0);
    if (nul !== -1) {
      let line = 1;
      for (let i = body.indexOf(0x0a); i !== -1 && i < nul; i = body.indexOf(0x0a, i + 1)) line++;
      throw new InputError(
        'encoding',
        `${what} ${file} holds a NUL byte on line ${line}: it is binary, or UTF-16 without a byte-order mark; save it as UTF-8`,
      );
    }
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
    } catch {
      throw new InputError(
        'encoding',
        `${what} ${file} is not UTF-8 text (${invalidUtf8Place(body)}); save it as UTF-8, or as UTF-16 with a byte-order mark`,
      );
    }
  }
  return { text: normalizeLineEnds(text), encoding };
}

function decodeUtf16(bytes: Uint8Array, bigEndian: boolean, file: string, what: string): string {
  if (bytes.length % 2 !== 0)
    throw new InputError(
      'encoding',
      `${what} ${file} starts with a UTF-16 byte-order mark but has an odd number of bytes; save it again as UTF-8`,
    );
  let source = bytes;
  if (bigEndian) {
    source = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i += 2) {
      source[i] = bytes[i + 1];
      source[i + 1] = bytes[i];
    }
  }
  try {
    return new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true }).decode(source);
  } catch {
    throw new InputError(
      'encoding',
      `${what} ${file} starts with a UTF-16 byte-order mark but is not valid UTF-16; save it again as UTF-8`,
    );
  }
}

/** Where the first byte that is not UTF-8 is, as a line number (never the bytes themselves). */
function invalidUtf8Place(bytes: Uint8Array): string {
  const lenient = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  const at = lenient.indexOf('\uFFFD');
  return at === -1 ? 'invalid bytes' : `invalid byte on line ${lineOf(lenient, at)}`;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Lone CR (old Mac line ends) becomes LF; CRLF and LF stay. Same length, so offsets keep their meaning. */
export function normalizeLineEnds(text: string): string {
  return text.indexOf('\r') === -1 ? text : text.replace(/\r(?!\n)/g, '\n');
}
