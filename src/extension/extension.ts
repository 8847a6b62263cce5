/**
 * Extension entry. Activation only wires things up: no validation, no worker thread and no catalog
 * work happen until a plan file is open or a command runs, so it stays cheap.
 */
import * as vscode from 'vscode';
import { PANEL_VIEW_TYPE } from '../shared/panelProtocol';
import { Commands } from './commands';
import { exportFromPanel } from './deploymentCommands';
import type * as Core from './core';
import type { CatalogApi, ValidateFn } from './engine';
import { DiagnosticsController, PDPLAN_LANGUAGE } from './diagnostics';
import { codeActionProvider, codeLensProvider, completionProvider, hoverProvider, symbolProvider } from './features';
import { JobClient } from './jobClient';
import { PanelManager } from './panels';

/** What tests and the benchmark reach through `vscode.extensions.getExtension(...).exports`. */
export interface PdPlannerApi {
  diagnostics: DiagnosticsController;
  panels: PanelManager;
  activationMs: number;
}

/**
 * The core (YAML loader, schema validator, catalog, perf checks) is loaded on first use, not at
 * activation: esbuild turns this require into a lazily initialised module.
 */
let core: typeof Core | undefined;
function loadCore(): typeof Core {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  core ??= require('./core') as typeof Core;
  return core;
}

function lazyCatalog(): CatalogApi {
  let catalog: CatalogApi | undefined;
  const get = () => (catalog ??= loadCore().coreCatalog());
  return { list: (kind) => get().list(kind), describe: (kind, name) => get().describe(kind, name) };
}

export function activate(context: vscode.ExtensionContext): PdPlannerApi {
  const started = performance.now();
  const selector: vscode.DocumentSelector = { language: PDPLAN_LANGUAGE };
  let validator: ValidateFn | undefined;
  const validate: ValidateFn = (text, fileName) =>
    (validator ??= loadCore().makeValidator({
      extensionPath: context.extensionPath,
      isTrusted: () => vscode.workspace.isTrusted,
    }))(text, fileName);
  const diagnostics = new DiagnosticsController(validate);
  const jobs = new JobClient(vscode.Uri.joinPath(context.extensionUri, 'dist', 'jobWorker.js').fsPath);
  const status = vscode.window.createStatusBarItem('pdPlanner.status', vscode.StatusBarAlignment.Left, 50);
  status.name = 'PD Planner';
  let commands: Commands | undefined;
  const panels = new PanelManager(context.extensionUri, {
    export: (data, format) => void commands?.exportAs(data, format),
    rerun: (data) => commands?.rerun(data),
    simulateCandidate: (data, rank) => commands?.simulateCandidate(data, rank),
    exportLayout: (data, layout) => exportFromPanel(data, layout),
  });
  const catalog = lazyCatalog();
  commands = new Commands(diagnostics, jobs, panels, status, catalog, context.extensionPath);
  const schema = lazySchema();
  context.subscriptions.push(
    diagnostics,
    panels,
    status,
    { dispose: () => void jobs.dispose() },
    ...commands.register(),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, panels.serializer()),
    vscode.languages.registerCompletionItemProvider(selector, completionProvider(schema, catalog), ':', ' '),
    vscode.languages.registerHoverProvider(selector, hoverProvider(schema, catalog)),
    vscode.languages.registerCodeActionsProvider(selector, codeActionProvider(diagnostics), {
      providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
    }),
    vscode.languages.registerCodeLensProvider(selector, codeLensProvider()),
    vscode.languages.registerDocumentSymbolProvider(selector, symbolProvider()),
    // Trust granted later: referenced trace/profile files may now be read, so check them again.
    vscode.workspace.onDidGrantWorkspaceTrust(() => diagnostics.revalidateAll()),
  );
  return { diagnostics, panels, activationMs: performance.now() - started };
}

function lazySchema(): Core.LazySchema {
  let navigator: ReturnType<typeof Core.planSchemaNavigator> | undefined;
  const get = () => (navigator ??= loadCore().planSchemaNavigator());
  return {
    keys: (p) => get().keys(p),
    enumValues: (p) => get().enumValues(p),
    description: (p) => get().description(p),
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
