import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EXIT_USAGE, type CliIo } from './io';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A negative or signed number given as an option's value: `--rate -1` is the value -1, not an option. */
const SIGNED_NUMBER = /^-(\d|\.\d)/;

/**
 * node:util parseArgs with its errors turned into one line a user can act on. A value that looks
 * like a negative number is taken as the option's value (parseArgs would call it ambiguous), so
 * the option's own range check can say what is allowed.
 */
export function parseCommandArgs(
  args: string[],
  options: Options,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } | { error: string } {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : undefined;
    if (
      name !== undefined &&
      !name.includes('=') &&
      options[name]?.type === 'string' &&
      i + 1 < args.length &&
      SIGNED_NUMBER.test(args[i + 1])
    ) {
      joined.push(`--${name}=${args[i + 1]}`);
      i++;
    } else {
      joined.push(args[i]);
    }
  }
  try {
    const parsed = parseArgs({ args: joined, options, allowPositionals: true, strict: true });
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    // node's "Unknown option '--x'. To specify a positional argument starting with a '-', …": the first clause is the news.
    const unknown = /^Unknown option '([^']*)'/.exec(message);
    return { error: unknown ? `unknown option '${unknown[1]}'` : message };
  }
}

/**
 * The options and the one plan file of a command that takes exactly one (`pdplan simulate FILE …`),
 * or, after writing the usage error, the exit code to return.
 */
export function parseOnePlanCommand(
  args: string[],
  options: Options,
  command: string,
  usage: string,
  io: CliIo,
): { values: Record<string, string | boolean | undefined>; file: string } | number {
  const parsed = parseCommandArgs(args, options);
  if ('error' in parsed) {
    io.err(`pdplan ${command}: ${parsed.error}\n${usage}`);
    return EXIT_USAGE;
  }
  if (parsed.positionals.length !== 1) {
    io.err(`pdplan ${command}: name exactly one plan file.\n${usage}`);
    return EXIT_USAGE;
  }
  return { values: parsed.values, file: parsed.positionals[0] };
}

/** Decimal notation only: `0x10`, `0b1`, `1_000`, `Infinity` and the empty string are not numbers on our command line. */
const DECIMAL_INTEGER = /^\+?\d+$/;
const DECIMAL_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Shown with a value from the command line: long ones are cut, so an error line stays one line. */
function shown(value: string | boolean): string {
  const text = String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** A whole number within [min, max], or an error message naming the option. */
export function intOption(
  value: string | boolean | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined | { error: string } {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && DECIMAL_INTEGER.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    return {
      error: `--${name} must be a whole number from ${min} to ${max.toLocaleString('en-US')}, written in decimal digits (got '${shown(value)}')`,
    };
  }
  return n;
}

/** A decimal number above minExclusive (and at most max), or an error message naming the option. */
export function numberOption(
  value: string | boolean | undefined,
  name: string,
  minExclusive: number,
  max = Number.MAX_VALUE,
): number | undefined | { error: string } {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && DECIMAL_NUMBER.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isFinite(n) || n <= minExclusive || n > max) {
    const range = max < Number.MAX_VALUE ? `above ${minExclusive} and at most ${max}` : `above ${minExclusive}`;
    return { error: `--${name} must be a decimal number ${range} (got '${shown(value)}')` };
  }
  return n;
}
