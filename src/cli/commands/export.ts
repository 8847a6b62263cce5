import * as path from 'node:path';
import { EXPORT_FORMATS, ExportError, exportDeployment, type ExportFormat } from '../../core/export';
import { formatDeployment } from '../../core/spec/deployment';
import { checkRunOverrides, formatOverrideProblems } from '../../core/spec/overrides';
import { ROUTING_POLICY_NAMES, type RoutingPolicyName } from '../../core/spec/types';
import { parseOnePlanCommand } from '../args';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CliIo } from '../io';
import { loadRunInputs, planOrVariant } from '../runInputs';

export const USAGE =
  'Usage: pdplan export FILE --format vllm|sglang|dynamo|llm-d [--deployment SPEC] [--policy NAME] [--variant NAME] [--out DIR] [--json]\n' +
  "  Deployment files for the plan's deployment (or SPEC, e.g. 'P:4x2,D:8x1') and its router setting:\n" +
  '    vllm, sglang  launch scripts (one engine per replica, TP, disaggregation role, KV connector) and the router command\n' +
  '    dynamo        a DynamoGraphDeployment (Dynamo 0.6.1) for kubectl apply\n' +
  '    llm-d         llm-d-modelservice and inference-scheduler Helm values with the P/D threshold\n' +
  '  Without --out the files are printed; --json prints {format, files, notes}. docs/export.md names the engine versions.\n';

export async function exportCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseOnePlanCommand(
    args,
    {
      format: { type: 'string' },
      deployment: { type: 'string' },
      policy: { type: 'string' },
      variant: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    },
    'export',
    USAGE,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, file } = parsed;
  const format = values.format as string | undefined;
  if (format === undefined || !EXPORT_FORMATS.includes(format as ExportFormat)) {
    io.err(
      `pdplan export: --format must be one of ${EXPORT_FORMATS.join(', ')}${format === undefined ? '' : ` (got '${format}')`}.\n`,
    );
    return EXIT_USAGE;
  }
  const policyName = values.policy as string | undefined;
  if (policyName !== undefined && !ROUTING_POLICY_NAMES.includes(policyName as RoutingPolicyName)) {
    io.err(`pdplan export: unknown policy '${policyName}'; use one of ${ROUTING_POLICY_NAMES.join(', ')}.\n`);
    return EXIT_USAGE;
  }
  const inputs = loadRunInputs(file, io, 'export');
  if ('exitCode' in inputs) return inputs.exitCode;
  const plan = planOrVariant(inputs, values.variant as string | undefined, io, 'export');
  if ('exitCode' in plan) return plan.exitCode;
  const checked = checkRunOverrides(plan, { deployment: values.deployment as string | undefined, policy: policyName });
  if (checked.problems.length > 0) {
    for (const line of formatOverrideProblems(checked.problems)) io.err(`pdplan export: ${line}\n`);
    return checked.problems.some((p) => p.code === 'PDP024' || p.code === 'PDP013') ? EXIT_USAGE : EXIT_FINDINGS;
  }
  const deployment = checked.deployment;
  if (!deployment) {
    io.err(
      `pdplan export: ${inputs.file} has no 'deployment'; add one to the plan or pass --deployment 'P:4x1,D:4x1' (run 'pdplan plan ${inputs.file}' to find one).\n`,
    );
    return EXIT_USAGE;
  }
  const routing = checked.routing ?? plan.policy.routing;
  let result;
  try {
    result = exportDeployment({ plan, deployment, routing, format: format as ExportFormat });
  } catch (error) {
    if (error instanceof ExportError) {
      io.err(`pdplan export: ${formatDeployment(deployment)}: ${error.message}.\n`);
      return EXIT_FINDINGS;
    }
    throw error;
  }
  if (values.json) {
    io.out(
      JSON.stringify({ ...result, deployment: formatDeployment(deployment), policy: routing.name }, null, 2) + '\n',
    );
    return EXIT_OK;
  }
  const out = values.out as string | undefined;
  if (out === undefined) {
    for (const file of result.files)
      io.out(`==> ${file.path} <==\n${file.content.endsWith('\n') ? file.content : `${file.content}\n`}\n`);
  } else {
    if (!io.writeFile) {
      io.err('pdplan export: this host cannot write files; run without --out to print them.\n');
      return EXIT_USAGE;
    }
    try {
      for (const file of result.files) {
        const target = path.join(out, file.path);
        io.writeFile(target, file.content, { executable: file.executable });
        io.out(`wrote ${target}\n`);
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      io.err(`pdplan export: cannot write to '${out}' (${reason}); choose a folder you can write to.\n`);
      return EXIT_USAGE;
    }
  }
  for (const note of result.notes) io.err(`note: ${note}\n`);
  return EXIT_OK;
}
