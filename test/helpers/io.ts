import type { CliIo } from '../../src/cli/io';

/** An in-memory CliIo: captures output, serves files from a map. */
export function captureIo(files: Record<string, string> = {}): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    cwd: '/virtual',
    isTty: false,
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
    readFile(file: string) {
      if (!(file in files)) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
      return files[file];
    },
    exists: (file: string) => file in files,
  };
  return io;
}
