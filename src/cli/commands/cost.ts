import { performance } from 'node:perf_hooks';
import { describeCost, layoutCost } from '../../core/cost';
import { chooseGpu, planGpuTypes, type GpuChoice } from '../../core/cost/gpuChoice';
import { findGpu } from '../../core/spec/catalog';
import { checkRunOverrides, formatOverrideProblems } from '../../core/spec/overrides';
import { parseOnePlanCommand } from '../args';
import { pct, textTable } from '../format';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CliIo } from '../io';
import { loadRunInputs, planOrVariant } from '../runInputs';

export const USAGE =
  'Usage: pdplan cost FILE [--gpus TYPE1,TYPE2,...] [--single-type] [--deployment SPEC] [--variant NAME] [--json]\n' +
  "  --deployment SPEC (or the plan's deployment, without --gpus): $/hour of that layout, with each price and its source.\n" +
  "  Otherwise: for each GPU type (--gpus, else the plan's cost.gpuTypes, else its pools' types) the cheapest layout within\n" +
  "  planner.gpuBudget whose simulated attainment at the plan's rate meets the SLO target (layouts tried from the\n" +
  '  cheapest up; a short screening run, then a longer confirming one), side by side, and the cheapest type. With two or\n' +
  '  more types each pair of different types for the prefill and decode pools is tried too (--single-type or\n' +
  '  cost.gpuPairs: false: one type for both roles only).\n' +
  '  Prices: cost.gpuHourUsd in the plan, else catalog/prices.json (docs/cost.md). Exit 1 when no type meets the target.\n';

export function describeChoice(choice: GpuChoice): string {
  const money = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `$${v.toFixed(2)}`);
  const rows = choice.options.map((o) => [
    o.gpu,
    o.layout ?? 'none meets the target',
    o.cost ? String(o.cost.gpus) : '–',
    money(o.cost?.usdPerHour),
    o.attainment === undefined
      ? '–'
      : `${pct(o.attainment)}${o.attainmentCi95 ? ` (${pct(o.attainmentCi95[0])}–${pct(o.attainmentCi95[1])})` : ''}`,
    o.cost && 'usdPerMillionOutputTokens' in o.cost ? money(o.cost.usdPerMillionOutputTokens) : '–',
    o.cost && 'outputTokensPerSecPerGpu' in o.cost ? o.cost.outputTokensPerSecPerGpu.toFixed(1) : '–',
    String(o.simulations),
  ]);
  const pairs = choice.options.some((o) => o.prefillGpu !== o.decodeGpu);
  const lines = [
    `Cheapest layout meeting ${pct(choice.attainmentTarget)} of sessions within SLO at ${choice.ratePerSec} sessions/s, per GPU type${pairs ? ' (P: prefill pool, D: decode pool)' : ''}:`,
    textTable(
      ['GPU', 'layout', 'GPUs', '$/hour', 'attainment (95% CI)', '$/M out', 'out tok/s/GPU', 'runs'],
      rows,
    ).trimEnd(),
  ];
  for (const o of choice.options) for (const note of o.notes) lines.push(`${o.gpu}: ${note}`);
  for (const o of choice.options)
    if (o.cost && o.cost.usdPerHour === null) lines.push(`${o.gpu}: ${describeCost(o.cost)}`);
  const describe = (label: string) => {
    const option = choice.options.find((o) => o.gpu === label)!;
    return `${option.gpu}, ${option.layout} at $${option.cost!.usdPerHour!.toFixed(2)}/hour`;
  };
  if (choice.cheapest) {
    lines.push(`Cheapest: ${describe(choice.cheapest)}.`);
    if (pairs && choice.cheapestSingle && choice.cheapestPair) {
      const other = choice.cheapest === choice.cheapestPair ? choice.cheapestSingle : choice.cheapestPair;
      lines.push(`Cheapest ${choice.cheapest === choice.cheapestPair ? 'single type' : 'pair'}: ${describe(other)}.`);
    }
  } else {
    lines.push(
      'No GPU type with a price meets the target within the budget: raise planner.gpuBudget, lower the rate or widen the SLO.',
    );
  }
  return lines.join('\n') + '\n';
}

export async function costCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseOnePlanCommand(
    args,
    {
      gpus: { type: 'string' },
      'single-type': { type: 'boolean' },
      deployment: { type: 'string' },
      variant: { type: 'string' },
      json: { type: 'boolean' },
    },
    'cost',
    USAGE,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, file } = parsed;
  const named =
    values.gpus === undefined
      ? undefined
      : (values.gpus as string)
          .split(',')
          .map((g) => g.trim())
          .filter((g) => g !== '');
  if (named !== undefined) {
    if (named.length === 0 || named.length > 10) {
      io.err(
        `pdplan cost: --gpus takes 1 to 10 comma-separated GPU types (got '${String(values.gpus).slice(0, 40)}')\n`,
      );
      return EXIT_USAGE;
    }
    const unknown = named.find((g) => !findGpu(g));
    if (unknown !== undefined) {
      io.err(
        `pdplan cost: --gpus: '${unknown.slice(0, 40)}' is not a GPU type of the catalog; use H20, H100-SXM, H200, A100-80GB, B200, L40S or MI300X\n`,
      );
      return EXIT_USAGE;
    }
  }
  const inputs = loadRunInputs(file, io, 'cost');
  if ('exitCode' in inputs) return inputs.exitCode;
  const plan = planOrVariant(inputs, values.variant as string | undefined, io, 'cost');
  if ('exitCode' in plan) return plan.exitCode;
  if (values.deployment !== undefined || (named === undefined && !plan.cost?.gpuTypes && plan.deployment)) {
    const checked = checkRunOverrides(plan, { deployment: values.deployment as string | undefined });
    if (checked.problems.length > 0 || !checked.deployment) {
      for (const line of formatOverrideProblems(checked.problems)) io.err(`pdplan cost: ${line}\n`);
      return EXIT_USAGE;
    }
    const cost = layoutCost(plan, checked.deployment);
    if (values.json) io.out(JSON.stringify(cost, null, 2) + '\n');
    else
      io.out(
        describeCost(cost) +
          '\n' +
          cost.parts
            .filter((p) => p.price?.source)
            .map((p) => `${p.gpu}: ${p.price!.source}`)
            .filter((l, i, all) => all.indexOf(l) === i)
            .join('\n') +
          '\n',
      );
    return cost.usdPerHour === null ? EXIT_FINDINGS : EXIT_OK;
  }
  const gpus = named ?? plan.cost?.gpuTypes ?? planGpuTypes(plan);
  const unknownInPlan = gpus.find((g) => !findGpu(g));
  if (unknownInPlan !== undefined) {
    io.err(
      `pdplan cost: cost.gpuTypes names '${unknownInPlan.slice(0, 40)}', which is not a GPU type of the catalog\n`,
    );
    return EXIT_FINDINGS;
  }
  const started = performance.now();
  const pairs = values['single-type'] ? false : (plan.cost?.gpuPairs ?? true);
  const choice = chooseGpu({ plan, gpus, pairs, profile: inputs.profileFor(values.variant as string | undefined) });
  const wallMs = performance.now() - started;
  if (values.json) io.out(JSON.stringify({ ...choice, wallMs }, null, 2) + '\n');
  else io.out(describeChoice(choice) + `${(wallMs / 1000).toFixed(1)} s wall\n`);
  return choice.cheapest ? EXIT_OK : EXIT_FINDINGS;
}
