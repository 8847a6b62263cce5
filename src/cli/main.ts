import { processIo, type CliIo, type Command, EXIT_USAGE } from './io';
import { validateCommand, USAGE as VALIDATE_USAGE } from './commands/validate';
import { estimateCommand, USAGE as ESTIMATE_USAGE } from './commands/estimate';
import { simulateCommand, USAGE as SIMULATE_USAGE } from './commands/simulate';
import { planCommand, USAGE as PLAN_USAGE } from './commands/plan';
import { compareCommand, USAGE as COMPARE_USAGE } from './commands/compare';
import { exportCommand, USAGE as EXPORT_USAGE } from './commands/export';
import { paretoCommand, USAGE as PARETO_USAGE } from './commands/pareto';
import { costCommand, USAGE as COST_USAGE } from './commands/cost';

interface CommandEntry {
  run: Command;
  summary: string;
  usage: string;
}

const COMMANDS: Record<string, CommandEntry> = {
  validate: {
    run: validateCommand,
    usage: VALIDATE_USAGE,
    summary: 'validate FILE... [--json]           check plan files',
  },
  estimate: {
    run: estimateCommand,
    usage: ESTIMATE_USAGE,
    summary: 'estimate FILE [--json]              performance-model grid for the plan',
  },
  simulate: {
    run: simulateCommand,
    usage: SIMULATE_USAGE,
    summary:
      'simulate FILE [--policy P] [--deployment SPEC] [--variant NAME] [--seed N] [--replications R]\n' +
      '                  [--rate SESSIONS_PER_SEC] [--sessions N] [--precision POINTS] [--json]   simulate one deployment',
  },
  plan: {
    run: planCommand,
    usage: PLAN_USAGE,
    summary: 'plan FILE [--top K] [--objective O] [--sweep-rate A:B:N] [--verify] [--json]',
  },
  compare: {
    run: compareCommand,
    usage: COMPARE_USAGE,
    summary: 'compare FILE... [--replications R] [--sessions N] [--json]   simulate plans or variants side by side',
  },
  cost: {
    run: costCommand,
    usage: COST_USAGE,
    summary:
      "cost FILE [--gpus TYPE1,TYPE2] [--deployment SPEC] [--json]   cheapest layout meeting the target per GPU type, or a layout's $/hour",
  },
  pareto: {
    run: paretoCommand,
    usage: PARETO_USAGE,
    summary:
      'pareto FILE [--rates R1,R2,...] [--all-sizes] [--view session|round] [--json]   throughput/GPU frontier against per-user speed and TTFT',
  },
  export: {
    run: exportCommand,
    usage: EXPORT_USAGE,
    summary:
      'export FILE --format vllm|sglang|dynamo|llm-d [--deployment SPEC] [--out DIR] [--json]   deployment files for a serving stack',
  },
};

function usage(): string {
  const lines = Object.values(COMMANDS).map((c) => `  pdplan ${c.summary}`);
  return `Usage:\n${lines.join('\n')}\n\n'pdplan COMMAND --help' explains a command's options.\nExit codes: 0 ok, 1 the plan has errors or misses its target, 2 usage or unreadable input.\n`;
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version') {
    io.out('pdplan 0.1.0\n');
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.err(`pdplan: unknown command '${name}'.\n${usage()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(entry.usage);
    return 0;
  }
  try {
    return await entry.run(rest, io);
  } catch (error) {
    // A bug of ours, not the user's input: say so plainly instead of a bare stack.
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.err(`pdplan ${name}: internal error, please report it:\n${message}\n`);
    return EXIT_USAGE;
  }
}
