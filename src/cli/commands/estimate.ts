import type { CliIo } from '../io';
import { EXIT_USAGE } from '../io';

// Placeholder until the issue that owns this command lands.
export async function estimateCommand(_args: string[], io: CliIo): Promise<number> {
  io.err('pdplan estimate: not built yet.\n');
  return EXIT_USAGE;
}
