import * as fs from 'node:fs';
import * as path from 'node:path';
import { readInputSync, type InputKind } from '../io/inputGate';

/** What a command may touch outside itself; tests pass their own to capture output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  /**
   * Text of a file, read through the input gate (src/io/inputGate.ts) under the limits of its kind
   * (default: a plan); throws InputError with a message that names the file, never its content.
   */
  readFile(file: string, kind?: InputKind): string;
  exists(file: string): boolean;
  /** Writes a file (creating its folder); `pdplan export --out` is the only command that writes. */
  writeFile?(file: string, content: string, options?: { executable?: boolean }): void;
  /** Colour and other niceties only on a terminal. */
  isTty: boolean;
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    readFile: (file, kind = 'plan') => readInputSync(file, kind).text,
    exists: (file) => fs.existsSync(path.resolve(process.cwd(), file)),
    writeFile: (file, content, options) => {
      const target = path.resolve(process.cwd(), file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content, { mode: options?.executable ? 0o755 : 0o644 });
    },
    isTty: Boolean(process.stdout.isTTY),
  };
}

/** Exit codes shared by every command. */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

export type Command = (args: string[], io: CliIo) => Promise<number>;
