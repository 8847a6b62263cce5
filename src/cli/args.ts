import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with its errors turned into one line a user can act on. */
export function parseCommandArgs(args: string[], options: Options): { values: Record<string, string | boolean | undefined>; positionals: string[] } | { error: string } {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (error) {
    return { error: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
}

/** A whole number within [min, max], or an error message naming the option. */
export function intOption(value: string | boolean | undefined, name: string, min: number, max: number): number | undefined | { error: string } {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    return { error: `--${name} must be a whole number from ${min} to ${max} (got '${String(value)}')` };
  }
  return n;
}

export function numberOption(value: string | boolean | undefined, name: string, minExclusive: number): number | undefined | { error: string } {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isFinite(n) || n <= minExclusive) {
    return { error: `--${name} must be a number above ${minExclusive} (got '${String(value)}')` };
  }
  return n;
}
