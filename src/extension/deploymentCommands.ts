/**
 * Show Pareto Frontier and Export Deployment Files: both run on the job worker (the sweep is many
 * simulations; the export is quick but goes the same way, so the extension host never computes),
 * and the extension only shows the panel or writes the files the worker returned.
 */
import { chmod } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Deployment, Plan } from '../core/spec/types';
import { formatDeployment, parseDeploymentSpec } from '../core/spec/deployment';
import type { JobResult, PlanSource } from '../workers/jobProtocol';
import type { PanelData, PlanContext } from '../shared/panelProtocol';
import type { JobSpec } from './jobClient';
import type { PanelManager } from './panels';

/** What these commands need from the extension's command host. */
export interface JobHost {
  document(uri?: vscode.Uri): Promise<vscode.TextDocument>;
  source(doc: vscode.TextDocument): Promise<{ source: PlanSource; plan: Plan }>;
  runJob(title: string, spec: JobSpec, quiet?: boolean): Promise<JobResult>;
  context(doc: vscode.TextDocument, plan: Plan, timesFrom: string | undefined): PlanContext;
  /** The recommended layout of the last plan run of this file, if any. */
  recommendedFor(fileName: string): Deployment | undefined;
  setStatus(text: string, tooltip?: string): void;
}

export const DEPLOYMENT_FORMATS = [
  {
    label: 'vLLM',
    value: 'vllm' as const,
    detail: 'launch scripts: one engine per replica (TP, KV connector, disaggregation role) and the router',
  },
  {
    label: 'SGLang',
    value: 'sglang' as const,
    detail: 'launch scripts: prefill and decode servers and the mini load balancer',
  },
  { label: 'Dynamo', value: 'dynamo' as const, detail: 'a DynamoGraphDeployment for kubectl apply' },
  {
    label: 'llm-d',
    value: 'llm-d' as const,
    detail: 'Helm values: modelservice and inference scheduler with the P/D threshold',
  },
];

export class DeploymentCommands {
  constructor(
    private readonly host: JobHost,
    private readonly panels: PanelManager,
  ) {}

  register(
    wrap: (fn: (...args: never[]) => Promise<void>) => (...args: never[]) => Promise<void>,
  ): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand(
        'pdPlanner.pareto',
        wrap((uri?: vscode.Uri) => this.pareto(uri)),
      ),
      vscode.commands.registerCommand(
        'pdPlanner.exportDeployment',
        wrap((uri?: vscode.Uri, layout?: string) => this.exportDeployment(uri, layout)),
      ),
    ];
  }

  async pareto(uri?: vscode.Uri): Promise<void> {
    const doc = await this.host.document(uri);
    const { source, plan } = await this.host.source(doc);
    const result = await this.host.runJob('Pareto sweep', { type: 'pareto', source });
    if (result.kind !== 'pareto') return;
    const feasible = result.pareto.points.filter((p) => p.feasible).length;
    this.host.setStatus(`$(graph-scatter) ${result.pareto.points.length} points · ${feasible} within SLO`);
    this.panels.show({
      kind: 'pareto',
      context: this.host.context(doc, plan, result.timesFrom),
      result: result.pareto,
    });
  }

  /** The layout to export: the argument, else the plan's `deployment:`, else the last plan run's recommendation, else asked for. */
  private async layoutFor(
    doc: vscode.TextDocument,
    plan: Plan,
    layout: string | undefined,
  ): Promise<Deployment | undefined> {
    if (layout !== undefined) {
      const parsed = parseDeploymentSpec(layout);
      if ('error' in parsed) throw new Error(`deployment ${layout.slice(0, 40)}: ${parsed.error}`);
      return parsed.deployment;
    }
    const known = plan.deployment ?? this.host.recommendedFor(doc.fileName);
    if (known) return known;
    const typed = await vscode.window.showInputBox({
      title: 'Export deployment files for which layout?',
      prompt: 'ROLE:TPxREPLICAS terms, e.g. P:4x2,D:8x1. Run the plan first to export its recommended layout.',
      value: 'P:4x2,D:8x1',
      validateInput: (text) => {
        const parsed = parseDeploymentSpec(text);
        return 'error' in parsed ? parsed.error : undefined;
      },
    });
    const parsed = typed ? parseDeploymentSpec(typed) : undefined;
    return parsed && 'deployment' in parsed ? parsed.deployment : undefined;
  }

  async exportDeployment(uri?: vscode.Uri, layoutArg?: string): Promise<void> {
    const doc = await this.host.document(uri);
    const { source, plan } = await this.host.source(doc);
    const layout = await this.layoutFor(doc, plan, layoutArg);
    if (!layout) return;
    const format = await vscode.window.showQuickPick(DEPLOYMENT_FORMATS, {
      title: `Deployment files for ${formatDeployment(layout)}`,
      matchOnDetail: true,
    });
    if (!format) return;
    const result = await this.host.runJob(
      `exporting ${format.label} files`,
      { type: 'exportDeployment', source, deployment: layout, format: format.value },
      true,
    );
    if (result.kind !== 'exportDeployment') return;
    const where = await vscode.window.showQuickPick(
      [
        { label: 'Write into a folder…', value: 'folder' as const, detail: result.files.map((f) => f.path).join(', ') },
        {
          label: 'Open as untitled documents',
          value: 'untitled' as const,
          detail: `${result.files.length} editor tabs, nothing written`,
        },
      ],
      { title: `${format.label} files for ${formatDeployment(result.deployment)} (${result.policy})` },
    );
    if (!where) return;
    const done = where.value === 'folder' ? await this.writeFiles(doc, result) : await this.openFiles(result);
    if (!done) return;
    this.host.setStatus(`$(cloud-upload) ${formatDeployment(result.deployment)} · ${format.label} files`);
    const notes = result.notes.length > 0 ? ` Notes: ${result.notes.join(' · ')}` : '';
    void vscode.window.showInformationMessage(`PD Planner: ${done}.${notes}`);
  }

  private async writeFiles(
    doc: vscode.TextDocument,
    result: Extract<JobResult, { kind: 'exportDeployment' }>,
  ): Promise<string | undefined> {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      defaultUri: vscode.workspace.getWorkspaceFolder(doc.uri)?.uri ?? vscode.Uri.file(path.dirname(doc.fileName)),
      openLabel: 'Write the files here',
      title: `Folder for the ${result.format} files`,
    });
    const folder = picked?.[0];
    if (!folder) return undefined;
    for (const file of result.files) {
      const target = vscode.Uri.joinPath(folder, ...file.path.split('/'));
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(file.content));
      // Launch scripts are meant to be run: make them executable where the file system allows it.
      if (file.executable && target.scheme === 'file') await chmod(target.fsPath, 0o755).catch(() => undefined);
    }
    return `${result.files.length} files written to ${vscode.workspace.asRelativePath(folder)}`;
  }

  private async openFiles(result: Extract<JobResult, { kind: 'exportDeployment' }>): Promise<string> {
    const opened: vscode.TextDocument[] = [];
    for (const file of result.files) {
      const language = file.path.endsWith('.sh')
        ? 'shellscript'
        : /\.ya?ml$/.test(file.path)
          ? 'yaml'
          : file.path.endsWith('.json')
            ? 'json'
            : 'plaintext';
      opened.push(await vscode.workspace.openTextDocument({ language, content: file.content }));
      await vscode.window.showTextDocument(opened[opened.length - 1], { preview: false });
    }
    // The first file is the main one (the engines' launch script, the Kubernetes document): bring it to the front.
    if (opened.length > 1) await vscode.window.showTextDocument(opened[0], { preview: false });
    return `${result.files.length} files opened (${result.files.map((f) => f.path).join(', ')})`;
  }
}

/** Export for a layout a panel shows (a Pareto point): the panel's plan file and that layout. */
export function exportFromPanel(data: PanelData, layout: string): void {
  if (data.kind === 'comparison') return;
  void vscode.commands.executeCommand('pdPlanner.exportDeployment', vscode.Uri.file(data.context.fileName), layout);
}
