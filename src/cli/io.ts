import * as fs from 'node:fs';
import * as path from 'node:path';

/** What a command may touch outside itself; tests pass their own to capture output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  readFile(file: string): string;
  exists(file: string): boolean;
  /** Colour and other niceties only on a terminal. */
  isTty: boolean;
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    readFile: (file) => fs.readFileSync(path.resolve(process.cwd(), file), 'utf8'),
    exists: (file) => fs.existsSync(path.resolve(process.cwd(), file)),
    isTty: Boolean(process.stdout.isTTY),
  };
}

/** Exit codes shared by every command. */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

export type Command = (args: string[], io: CliIo) => Promise<number>;
