import { parseCommandArgs } from '../args';
import { preparePlanFile, readProblem } from '../planFiles';
import { InputError } from '../../io/inputGate';
import type { Diagnostic } from '../../core/spec/types';
import type { CliIo } from '../io';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from '../io';

export const USAGE = 'Usage: pdplan validate FILE... [--json]\n';

export interface FileReport {
  file: string;
  diagnostics: Diagnostic[];
  /** Set when the file itself could not be read. */
  error?: string;
}

/** Validate one plan file as the CLI does; `error` says why when the file itself is unreadable. */
export function validateFile(file: string, io: CliIo): FileReport {
  const prepared = preparePlanFile(file, io);
  if ('unreadable' in prepared) return { file, diagnostics: [], error: readError(prepared.unreadable, file) };
  return { file, diagnostics: prepared.diagnostics };
}

function readError(error: unknown, file: string): string {
  const code = (error as { code?: string } | null)?.code ?? (error instanceof InputError ? error.errno : undefined);
  if (error instanceof InputError && code !== 'ENOENT') return error.message;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  return readProblem(error, file, 'plan file');
}

export function formatDiagnostic(file: string, d: Diagnostic): string {
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} ${d.code}: ${d.message}`;
}

export async function validateCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { json: { type: 'boolean' } });
  if ('error' in parsed) {
    io.err(`pdplan validate: ${parsed.error}.\n${USAGE}`);
    return EXIT_USAGE;
  }
  const json = parsed.values.json === true;
  const files = parsed.positionals;
  if (files.length === 0) {
    io.err(`pdplan validate: name at least one plan file.\n${USAGE}`);
    return EXIT_USAGE;
  }
  const reports = files.map((file) => validateFile(file, io));
  const unreadable = reports.some((r) => r.error !== undefined);
  const errors = reports.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === 'error').length, 0);
  const warnings = reports.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === 'warning').length, 0);

  if (json) {
    const out = {
      files: reports.map((r) => ({
        file: r.file,
        ...(r.error !== undefined ? { error: r.error } : {}),
        diagnostics: r.diagnostics.map((d) => ({
          severity: d.severity,
          code: d.code,
          message: d.message,
          path: d.path,
          range: d.range,
          ...(d.fix ? { fix: d.fix } : {}),
        })),
      })),
    };
    io.out(JSON.stringify(out, null, 2) + '\n');
  } else {
    for (const r of reports) {
      if (r.error !== undefined) {
        io.err(`${r.file}: error: cannot read the file (${r.error}).\n`);
        continue;
      }
      for (const d of r.diagnostics) io.out(formatDiagnostic(r.file, d) + '\n');
      if (r.diagnostics.length === 0) io.out(`${r.file}: ok\n`);
    }
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    io.out(`${plural(files.length, 'file')} checked: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}.\n`);
  }
  if (unreadable) return EXIT_USAGE;
  return errors > 0 ? EXIT_FINDINGS : EXIT_OK;
}
