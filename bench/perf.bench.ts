// Throughput of the performance model: the simulator calls it millions of times per run.
import { createPerfModel, parseProfile } from '../src/core/perf';
import { DEEPSEEK_V3, H100, IB_400G, LLAMA_70B, MIXTRAL_8X7B, NVLINK } from '../test/unit/perf/specs';
import { printComparisons } from './perfPublished';

// The same published specs the perf unit tests use.
const MIXTRAL = MIXTRAL_8X7B;
const NIC = IB_400G;

function profileText(): string {
  const rows = ['# pdplan-profile v1', 'op,tp,history,tokens,batch,context,ms'];
  for (const history of [0, 2048, 8192, 32768]) {
    for (const tokens of [128, 512, 2048, 8192])
      rows.push(`prefill,4,${history},${tokens},,,${(20 + tokens * 0.08 + history * 0.004).toFixed(3)}`);
  }
  for (const batch of [1, 8, 32, 128]) {
    for (const context of [512, 2048, 8192])
      rows.push(`decode,4,,,${batch},${context},${(15 + batch * 0.05 + batch * context * 1e-5).toFixed(3)}`);
  }
  return rows.join('\n');
}

function measure(name: string, calls: number, body: (i: number) => number): void {
  let sink = 0;
  for (let i = 0; i < Math.min(calls, 200_000); i++) sink += body(i); // warm-up (JIT)
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < calls; i++) sink += body(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  // Wall-clock rate depends on what else shares the 2 cores; the CPU-time rate is what one core
  // sustains and does not.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rate = (s: number) => (calls / s / 1e6).toFixed(1).padStart(6);
  console.log(
    `${name.padEnd(44)} ${rate(seconds)} M estimates/s wall, ${rate(cpuSeconds)} M per CPU-second  (checksum ${sink.toExponential(3)})`,
  );
}

export async function run(): Promise<void> {
  const calls = 5_000_000;
  const dense = createPerfModel(LLAMA_70B, H100, { intraNode: NVLINK });
  const moe = createPerfModel(MIXTRAL, H100, { intraNode: NVLINK });
  const tps = [1, 2, 4, 8];
  measure('analytic prefillMs (70B, mixed TP)', calls, (i) => dense.prefillMs(i & 4095, 1 + (i & 8191), tps[i & 3]));
  measure('analytic decodeStepMs (70B, mixed TP)', calls, (i) =>
    dense.decodeStepMs(1 + (i & 255), (1 + (i & 255)) * 2048, tps[i & 3]),
  );
  measure('analytic decodeStepMs (Mixtral MoE)', calls, (i) =>
    moe.decodeStepMs(1 + (i & 255), (1 + (i & 255)) * 2048, tps[i & 3]),
  );
  measure('analytic kvTransferMs', calls, (i) =>
    dense.kvTransferMs(1 + (i & 16383), NIC, tps[i & 3], tps[(i >> 2) & 3]),
  );
  const mixed = (i: number) =>
    (i & 1) === 0
      ? dense.decodeStepMs(1 + (i & 127), (1 + (i & 127)) * 3000, 4)
      : dense.prefillMs(i & 2047, 1 + (i & 4095), 4);
  measure('analytic mixed prefill/decode (sim-like)', calls, mixed);
  // Expert-parallel ranks (perf/moe.ts): DeepSeek on H100 nodes, SGLang's 96-GPU layout.
  const ep = createPerfModel(DEEPSEEK_V3, H100, {
    intraNode: NVLINK,
    expertParallel: {
      shapes: [
        { gpus: 24, attentionTp: 1, mode: 'normal' },
        { gpus: 72, attentionTp: 1, mode: 'low-latency' },
      ],
      links: { nvlinkDomainGpus: 8, intraNode: NVLINK, interNode: NIC },
    },
  });
  measure('expert-parallel prefillMs (DeepSeek, EP24 rank)', calls, (i) => ep.prefillMs(i & 4095, 1 + (i & 8191), 24));
  measure('expert-parallel decodeStepMs (DeepSeek, EP72 rank)', calls, (i) =>
    ep.decodeStepMs(1 + (i & 255), (1 + (i & 255)) * 2048, 72),
  );
  const { profile } = parseProfile(profileText());
  const profiled = createPerfModel(LLAMA_70B, H100, { intraNode: NVLINK, profile });
  measure('profiled prefillMs (interpolated, TP 4)', calls, (i) => profiled.prefillMs(i & 16383, 1 + (i & 8191), 4));
  measure('profiled decodeStepMs (interpolated, TP 4)', calls, (i) =>
    profiled.decodeStepMs(1 + (i & 127), (1 + (i & 127)) * 3000, 4),
  );
  printComparisons();
}
