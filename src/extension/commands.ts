/** The palette / CodeLens / editor-title commands, and the background runs behind them. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Deployment, FileReference, Plan } from '../core/spec/types';
import { deploymentGpus, formatDeployment, parseDeploymentSpec } from '../core/spec/deployment';
import { defaultSweepRates, type JobResult, type PlanSource } from '../workers/jobProtocol';
import type { PanelData, PlanContext } from '../shared/panelProtocol';
import type { CatalogApi } from './engine';
import { PDPLAN_LANGUAGE, type DiagnosticsController } from './diagnostics';
import { JobInvalid, type JobClient, type JobSpec } from './jobClient';
import { Cancelled } from '../core/control';
import type { PanelManager } from './panels';
import { renderReport } from './report';
import { newPlanText } from './newPlan';
import { InputError, readInput } from '../io/inputGate';
import { referencePath } from '../io/references';
import { DeploymentCommands, type JobHost } from './deploymentCommands';

export const MAX_COMPARE = 6;

type LastRun = { command: 'plan' | 'simulate'; uri: vscode.Uri };

export class Commands implements JobHost {
  private lastRun?: LastRun;
  /** Recommended deployment of the last plan run per file: Simulate and Sweep default to it. */
  private readonly recommended = new Map<string, Deployment>();

  constructor(
    private readonly diagnostics: DiagnosticsController,
    private readonly jobs: JobClient,
    private readonly panels: PanelManager,
    private readonly status: vscode.StatusBarItem,
    private readonly catalog: CatalogApi,
    private readonly extensionPath: string,
  ) {}

  register(): vscode.Disposable[] {
    const wrap =
      (fn: (...args: never[]) => Promise<void>) =>
      async (...args: never[]) => {
        try {
          await fn(...args);
        } catch (error) {
          this.report(error);
        }
      };
    return [
      vscode.commands.registerCommand(
        'pdPlanner.runPlan',
        wrap((uri?: vscode.Uri) => this.runPlan(uri)),
      ),
      vscode.commands.registerCommand(
        'pdPlanner.simulate',
        wrap((uri?: vscode.Uri, deployment?: Deployment) => this.simulate(uri, deployment)),
      ),
      vscode.commands.registerCommand(
        'pdPlanner.compare',
        wrap((uri?: vscode.Uri, options?: { allVariants?: boolean }) => this.compare(uri, options)),
      ),
      vscode.commands.registerCommand(
        'pdPlanner.sweep',
        wrap((uri?: vscode.Uri) => this.sweep(uri)),
      ),
      vscode.commands.registerCommand(
        'pdPlanner.newPlan',
        wrap(() => this.newPlan()),
      ),
      vscode.commands.registerCommand(
        'pdPlanner.exportReport',
        wrap(() => this.exportActive()),
      ),
      vscode.commands.registerCommand('pdPlanner.cancelJob', () => this.cancelCurrent?.()),
      ...new DeploymentCommands(this, this.panels).register(wrap),
      vscode.workspace.onDidSaveTextDocument((doc) => this.onSave(doc)),
    ];
  }

  private cancelCurrent?: () => void;

  private report(error: unknown): void {
    if (error instanceof Cancelled) {
      this.setStatus('$(circle-slash) PD Planner: cancelled');
      return;
    }
    if (error instanceof JobInvalid) {
      void vscode.window
        .showErrorMessage(`PD Planner: the plan has errors — ${error.message}`, 'Show Problems')
        .then((choice) => {
          if (choice) void vscode.commands.executeCommand('workbench.actions.view.problems');
        });
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.setStatus('$(error) PD Planner: failed');
    void vscode.window.showErrorMessage(`PD Planner: ${message}`);
  }

  setStatus(text: string, tooltip?: string): void {
    this.status.text = text;
    this.status.tooltip = tooltip;
    this.status.show();
  }

  /** The plan document to act on: the argument, else the active pdplan editor. */
  async document(uri?: vscode.Uri): Promise<vscode.TextDocument> {
    if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
    const active = vscode.window.activeTextEditor?.document;
    if (active?.languageId === PDPLAN_LANGUAGE) return active;
    const picked = await vscode.window.showOpenDialog({
      filters: { 'PD plans': ['yaml', 'yml'] },
      canSelectMany: false,
      title: 'Choose a plan file',
    });
    if (!picked?.[0]) throw new Cancelled('the command');
    return vscode.workspace.openTextDocument(picked[0]);
  }

  /** Validates the document as it is now; refuses to start a job on a plan with errors. */
  async source(doc: vscode.TextDocument, variant?: string): Promise<{ source: PlanSource; plan: Plan }> {
    const outcome = this.diagnostics.outcomeFor(doc);
    const errors = outcome.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0 || !outcome.plan) throw new JobInvalid(errors);
    const plan = variant ? (outcome.plan.variants?.[variant] ?? outcome.plan) : outcome.plan;
    return {
      source: {
        text: doc.getText(),
        fileName: doc.fileName,
        variant,
        files: await this.readReferences(doc, outcome.references),
      },
      plan,
    };
  }

  /**
   * Trace and profile files the plan names. In an untrusted workspace they are not read: the plan
   * is still validated, and jobs run on the distributions alone.
   */
  private async readReferences(
    doc: vscode.TextDocument,
    references: (Pick<FileReference, 'path' | 'builtIn'> & { kind: string })[],
  ): Promise<Record<string, string> | undefined> {
    if (!vscode.workspace.isTrusted || references.length === 0) return undefined;
    const files: Record<string, string> = {};
    for (const reference of references) {
      const target = vscode.Uri.file(referencePath(reference, doc.fileName, this.extensionPath));
      try {
        files[reference.path] = (
          await readInput(target.fsPath, reference.kind === 'profile' ? 'profile' : 'trace')
        ).text;
      } catch (error) {
        // Through the input gate, as the CLI reads it: a missing, special, huge or undecodable file is
        // refused with a message that names it (never quotes it), instead of a job run without it.
        if (error instanceof InputError)
          throw new Error(
            `${error.message} (named at ${reference.kind === 'trace' ? 'workload.trace' : 'perf.profile'})`,
            { cause: error },
          );
        throw error;
      }
    }
    return files;
  }

  recommendedFor(fileName: string): Deployment | undefined {
    return this.recommended.get(fileName);
  }

  context(doc: vscode.TextDocument, plan: Plan, timesFrom: string | undefined): PlanContext {
    return {
      timesFrom,
      planName: plan.name ?? path.basename(doc.fileName).replace(/\.pdplan\.ya?ml$/, ''),
      fileName: doc.fileName,
      gpuName: plan.cluster.gpu.name,
      nodes: plan.cluster.nodes,
      gpusPerNode: plan.cluster.gpusPerNode,
      sloTtftMs: plan.slo.ttftMs,
      sloItlMs: plan.slo.itlMs,
      attainmentTarget: plan.slo.attainmentTarget,
      ratePerSec: plan.workload.arrival.ratePerSec,
    };
  }

  /** Runs a job with a cancellable progress notification and the status bar spinning. */
  async runJob(title: string, spec: JobSpec, quiet = false): Promise<JobResult> {
    this.setStatus(`$(sync~spin) PD Planner: ${title}…`);
    await vscode.commands.executeCommand('setContext', 'pdPlanner.jobRunning', true);
    try {
      return await vscode.window.withProgress(
        {
          location: quiet ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification,
          title: `PD Planner: ${title}`,
          cancellable: !quiet,
        },
        async (progress, token) => {
          let reported = 0;
          const handle = this.jobs.run(spec, (fraction, message) => {
            const next = Math.max(reported, Math.min(1, fraction));
            progress.report({ increment: (next - reported) * 100, message });
            reported = next;
          });
          this.cancelCurrent = handle.cancel;
          token.onCancellationRequested(() => handle.cancel());
          const { result, cached, wallMs } = await handle.promise;
          if (cached) progress.report({ message: 'cached result (plan unchanged)' });
          this.status.tooltip = cached ? 'cached result' : `finished in ${(wallMs / 1000).toFixed(1)} s`;
          return result;
        },
      );
    } finally {
      this.cancelCurrent = undefined;
      await vscode.commands.executeCommand('setContext', 'pdPlanner.jobRunning', false);
    }
  }

  async runPlan(uri?: vscode.Uri, quiet = false): Promise<void> {
    const doc = await this.document(uri);
    const { source, plan } = await this.source(doc);
    const result = await this.runJob(
      'planning',
      { type: 'plan', source, sweepRates: defaultSweepRates(plan.workload.arrival.ratePerSec) },
      quiet,
    );
    if (result.kind !== 'plan') return;
    const recommended = result.plan.recommended.deployment;
    const split = recommended ? formatDeployment(recommended) : 'none';
    if (recommended) this.recommended.set(doc.fileName, recommended);
    this.lastRun = { command: 'plan', uri: doc.uri };
    const best = result.plan.candidates[0];
    this.setStatus(
      `$(server) ${split}${best ? ` · ${(best.predicted.sloAttainment * 100).toFixed(1)}%` : ''}`,
      this.status.tooltip as string | undefined,
    );
    this.status.command = { command: 'pdPlanner.runPlan', title: 'Run Plan', arguments: [doc.uri] };
    this.panels.show({
      kind: 'plan',
      context: { ...this.context(doc, plan, result.timesFrom), ratePerSec: result.ratePerSec },
      result: result.plan,
    });
  }

  async simulate(uri?: vscode.Uri, deploymentArg?: Deployment, quiet = false): Promise<void> {
    const doc = await this.document(uri);
    const { source, plan } = await this.source(doc);
    let deployment = deploymentArg ?? plan.deployment ?? this.recommended.get(doc.fileName);
    if (!deployment) {
      const typed = await vscode.window.showInputBox({
        title: 'Simulate which deployment?',
        prompt:
          'ROLE:TPxREPLICAS terms, e.g. P:4x2,D:8x1 (or C:4x4 co-located). Add `deployment:` to the plan to skip this.',
        value: 'P:4x2,D:8x1',
        validateInput: (text) => {
          const parsed = parseDeploymentSpec(text);
          return 'error' in parsed ? parsed.error : undefined;
        },
      });
      const parsed = typed ? parseDeploymentSpec(typed) : undefined;
      if (!parsed || 'error' in parsed) return;
      deployment = parsed.deployment;
    }
    const result = await this.runJob(
      `simulating ${formatDeployment(deployment)}`,
      { type: 'simulate', source, deployment },
      quiet,
    );
    if (result.kind !== 'simulate') return;
    this.lastRun = { command: 'simulate', uri: doc.uri };
    const m = result.sim.metrics;
    this.setStatus(
      `$(pulse) ${formatDeployment(result.deployment)} · ${(m.sloAttainment * 100).toFixed(1)}%`,
      this.status.tooltip as string | undefined,
    );
    this.panels.show({ kind: 'simulation', context: this.context(doc, plan, result.timesFrom), result: result.sim });
  }

  async compare(uri?: vscode.Uri, options: { allVariants?: boolean } = {}): Promise<void> {
    const doc = await this.document(uri);
    const base = await this.source(doc);
    const variants = Object.keys(base.plan.variants ?? {});
    let sources: (PlanSource & { label: string })[];
    if (variants.length > 0) {
      const all = ['(base plan)', ...variants];
      let chosen = all.slice(0, MAX_COMPARE);
      if (!options.allVariants) {
        const picked = await vscode.window.showQuickPick(
          all.map((label, i) => ({ label, picked: i < MAX_COMPARE })),
          { canPickMany: true, title: `Compare 2–${MAX_COMPARE} configurations` },
        );
        if (!picked) return;
        chosen = picked.map((p) => p.label);
      }
      sources = chosen.map((label) => ({
        ...base.source,
        variant: label === '(base plan)' ? undefined : label,
        label,
      }));
    } else {
      const files = await vscode.workspace.findFiles('**/*.pdplan.{yaml,yml}', '**/node_modules/**', 50);
      const picked = await vscode.window.showQuickPick(
        files.map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f, picked: f.fsPath === doc.uri.fsPath })),
        { canPickMany: true, title: `Compare 2–${MAX_COMPARE} plan files (this plan has no variants)` },
      );
      if (!picked) return;
      sources = [];
      for (const p of picked) {
        const other = await vscode.workspace.openTextDocument(p.uri);
        sources.push({ ...(await this.source(other)).source, label: p.label });
      }
    }
    if (sources.length < 2 || sources.length > MAX_COMPARE) {
      throw new Error(`choose between 2 and ${MAX_COMPARE} configurations to compare (got ${sources.length})`);
    }
    const result = await this.runJob(`comparing ${sources.length} configurations`, { type: 'compare', sources });
    if (result.kind !== 'compare') return;
    const title = `Compare · ${path.basename(doc.fileName)}`;
    const best = [...result.columns].sort((a, b) => b.sim.metrics.sloAttainment - a.sim.metrics.sloAttainment)[0];
    this.setStatus(
      `$(split-horizontal) ${result.columns.length} compared · best ${best.label}`,
      this.status.tooltip as string | undefined,
    );
    this.panels.show({
      kind: 'comparison',
      title,
      sloTtftMs: base.plan.slo.ttftMs,
      sloItlMs: base.plan.slo.itlMs,
      columns: result.columns.map((c) => ({
        label: c.label,
        deployment: c.deployment,
        // Workers of an expert-parallel replica are its ranks, each reporting the replica's width: count the deployment.
        gpus: deploymentGpus(c.sim.deployment),
        policy: c.sim.policy,
        ratePerSec: c.ratePerSec,
        timesFrom: c.timesFrom,
        metrics: c.sim.metrics,
      })),
    });
  }

  async sweep(uri?: vscode.Uri): Promise<void> {
    const doc = await this.document(uri);
    const { source, plan } = await this.source(doc);
    // A replayed trace sets its own rate, which only the worker reads: ask for multiples of it.
    const relativeToTrace = plan.workload.trace !== undefined;
    const suggested = (
      relativeToTrace ? defaultSweepRates(1) : defaultSweepRates(plan.workload.arrival.ratePerSec)
    ).join(', ');
    const text = await vscode.window.showInputBox({
      title: 'Sweep arrival rate',
      prompt: relativeToTrace
        ? `Multiples of the recorded arrival rate of ${plan.workload.trace}, comma-separated: its arrivals are moved closer or further apart`
        : 'Arrival rates to simulate, sessions per second, comma-separated',
      value: suggested,
      validateInput: (value) =>
        parseRates(value) ? undefined : 'write positive numbers separated by commas, e.g. 1, 2, 4',
    });
    const rates = text ? parseRates(text) : undefined;
    if (!rates) return;
    const deployment = plan.deployment ?? this.recommended.get(doc.fileName);
    const result = await this.runJob(`sweeping ${rates.length} rates`, {
      type: 'sweep',
      source,
      deployment,
      rates,
      relativeToTrace,
    });
    if (result.kind !== 'sweep') return;
    this.setStatus(
      `$(graph-line) ${formatDeployment(result.deployment)} · ${rates.length} rates`,
      this.status.tooltip as string | undefined,
    );
    this.panels.show({
      kind: 'sweep',
      context: this.context(doc, plan, result.timesFrom),
      deployment: result.deployment,
      points: result.points,
    });
  }

  async newPlan(): Promise<void> {
    const pick = async (kind: 'model' | 'gpu' | 'workload', title: string) => {
      const choice = await vscode.window.showQuickPick(
        this.catalog.list(kind).map((e) => ({ label: e.name, detail: e.detail })),
        { title, matchOnDetail: true },
      );
      if (!choice) throw new Cancelled('the command');
      return choice.label;
    };
    const model = await pick('model', 'New plan (1/3): model');
    const gpu = await pick('gpu', 'New plan (2/3): GPU');
    const workload = await pick('workload', 'New plan (3/3): workload profile');
    const doc = await vscode.workspace.openTextDocument({
      language: PDPLAN_LANGUAGE,
      content: newPlanText({ model, gpu, workload }),
    });
    await vscode.window.showTextDocument(doc);
  }

  async exportActive(data?: PanelData): Promise<void> {
    const current = data ?? this.panels.activeData();
    if (!current) {
      void vscode.window.showInformationMessage(
        'PD Planner: run a plan, simulation or comparison first; Export Report saves the panel on screen.',
      );
      return;
    }
    const format = await vscode.window.showQuickPick(
      [
        { label: 'HTML', value: 'html' as const, ext: 'html' },
        { label: 'Markdown', value: 'markdown' as const, ext: 'md' },
        { label: 'JSON', value: 'json' as const, ext: 'json' },
      ],
      { title: 'Export report as' },
    );
    if (format) await this.exportAs(current, format.value);
  }

  async exportAs(data: PanelData, format: 'html' | 'markdown' | 'json'): Promise<void> {
    const ext = format === 'markdown' ? 'md' : format;
    const base = data.kind === 'comparison' ? 'comparison' : `${data.context.planName}-${data.kind}`;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, `${base}.${ext}`) : undefined,
      filters: { [format.toUpperCase()]: [ext] },
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(renderReport(data, format)));
    void vscode.window.showInformationMessage(`PD Planner: report saved to ${vscode.workspace.asRelativePath(target)}`);
  }

  rerun(data: PanelData): void {
    const uri = data.kind === 'comparison' ? undefined : vscode.Uri.file(data.context.fileName);
    const command = {
      plan: 'pdPlanner.runPlan',
      simulation: 'pdPlanner.simulate',
      sweep: 'pdPlanner.sweep',
      pareto: 'pdPlanner.pareto',
      comparison: 'pdPlanner.compare',
    }[data.kind];
    void vscode.commands.executeCommand(command, uri);
  }

  simulateCandidate(data: PanelData, rank: number): void {
    if (data.kind !== 'plan') return;
    const candidate = data.result.candidates.find((c) => c.rank === rank);
    if (!candidate) return;
    void vscode.commands.executeCommand(
      'pdPlanner.simulate',
      vscode.Uri.file(data.context.fileName),
      candidate.deployment,
    );
  }

  private onSave(doc: vscode.TextDocument): void {
    if (doc.languageId !== PDPLAN_LANGUAGE) return;
    const mode = vscode.workspace.getConfiguration('pdPlanner').get<string>('rerunOnSave', 'off');
    if (mode === 'off') return;
    const run = mode === 'plan' ? this.runPlan(doc.uri, true) : this.simulate(doc.uri, undefined, true);
    run.catch((error: unknown) => this.report(error));
  }
}

export function parseRates(text: string): number[] | undefined {
  const rates = text.split(',').map((s) => Number(s.trim()));
  return rates.length > 0 && rates.every((r) => Number.isFinite(r) && r > 0) ? rates : undefined;
}
