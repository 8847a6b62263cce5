import type { CliIo } from '../io';
import { EXIT_USAGE } from '../io';

// Placeholder until the issue that owns this command lands.
export async function planCommand(_args: string[], io: CliIo): Promise<number> {
  io.err('pdplan plan: not built yet.\n');
  return EXIT_USAGE;
}
