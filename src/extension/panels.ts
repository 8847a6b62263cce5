/**
 * Result panels: one webview per kind (plan, simulation, comparison, sweep), reused for the next
 * result of that kind whichever plan it comes from, and opened beside the editor only once: later
 * kinds join the column the panels already occupy, so a session never piles up editor groups.
 * Restored after a reload by a serializer from the state the webview saved. The webview gets the
 * panel data only after its `ready` message.
 */
import * as vscode from 'vscode';
import { panelHtml } from './panelHtml';
import {
  PANEL_VIEW_TYPE,
  parsePersistedState,
  parseWebviewMessage,
  type FromWebview,
  type PanelData,
  type ToWebview,
} from '../shared/panelProtocol';

export interface PanelActions {
  export(data: PanelData, format: 'html' | 'markdown' | 'json'): void;
  rerun(data: PanelData): void;
  simulateCandidate(data: PanelData, rank: number): void;
  exportLayout(data: PanelData, layout: string): void;
}

interface OpenPanel {
  panel: vscode.WebviewPanel;
  data?: PanelData;
  ready: boolean;
}

function panelKey(data: PanelData): string {
  return data.kind;
}

function panelTitle(data: PanelData): string {
  switch (data.kind) {
    case 'plan':
      return `Plan · ${data.context.planName}`;
    case 'simulation':
      return `Simulation · ${data.context.planName}`;
    case 'sweep':
      return `Rate sweep · ${data.context.planName}`;
    case 'comparison':
      return data.title;
    case 'pareto':
      return `Pareto · ${data.context.planName}`;
  }
}

export class PanelManager implements vscode.Disposable {
  private readonly open = new Map<string, OpenPanel>();
  private readonly renderedEmitter = new vscode.EventEmitter<{ kind: PanelData['kind']; charts: number }>();
  /** Fires when a webview reports that it drew a render (charts counted). */
  readonly onDidRender = this.renderedEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly actions: PanelActions,
  ) {}

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableFindWidget: true,
      localResourceRoots: [
        vscode.Uri.joinPath(this.extensionUri, 'dist'),
        vscode.Uri.joinPath(this.extensionUri, 'media'),
      ],
    };
  }

  private attach(panel: vscode.WebviewPanel, data: PanelData | undefined): OpenPanel {
    const entry: OpenPanel = { panel, data, ready: false };
    const webview = panel.webview;
    panel.webview.options = this.options();
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css')).toString(),
      title: data ? panelTitle(data) : 'PD Planner',
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.svg');
    const subscription = webview.onDidReceiveMessage((raw: unknown) => {
      const message = parseWebviewMessage(raw);
      if (message) this.onMessage(entry, message);
    });
    panel.onDidDispose(() => {
      subscription.dispose();
      for (const [key, value] of this.open) if (value === entry) this.open.delete(key);
    });
    if (data) this.open.set(panelKey(data), entry);
    return entry;
  }

  private onMessage(entry: OpenPanel, message: FromWebview): void {
    switch (message.type) {
      case 'ready':
        entry.ready = true;
        if (entry.data) this.post(entry, { type: 'render', data: entry.data });
        return;
      case 'rendered':
        this.renderedEmitter.fire({ kind: message.kind, charts: message.charts });
        return;
      case 'export':
        if (entry.data) this.actions.export(entry.data, message.format);
        return;
      case 'rerun':
        if (entry.data) this.actions.rerun(entry.data);
        return;
      case 'simulateCandidate':
        if (entry.data) this.actions.simulateCandidate(entry.data, message.rank);
        return;
      case 'exportLayout':
        if (entry.data) this.actions.exportLayout(entry.data, message.layout);
        return;
    }
  }

  private post(entry: OpenPanel, message: ToWebview): void {
    void entry.panel.webview.postMessage(message);
  }

  show(data: PanelData): void {
    const key = panelKey(data);
    let entry = this.open.get(key);
    if (!entry) {
      const panel = vscode.window.createWebviewPanel(
        PANEL_VIEW_TYPE,
        panelTitle(data),
        { viewColumn: this.panelColumn() ?? vscode.ViewColumn.Beside, preserveFocus: false },
        this.options(),
      );
      entry = this.attach(panel, data);
    } else {
      entry.data = data;
      entry.panel.title = panelTitle(data);
      entry.panel.reveal(undefined, false);
    }
    if (entry.ready) this.post(entry, { type: 'render', data });
  }

  /** The editor column our panels already use, if any is open. */
  private panelColumn(): vscode.ViewColumn | undefined {
    for (const entry of this.open.values()) if (entry.panel.viewColumn !== undefined) return entry.panel.viewColumn;
    return undefined;
  }

  /** The data of the panel the user is looking at, for Export Report from the palette. */
  activeData(): PanelData | undefined {
    for (const entry of this.open.values()) if (entry.panel.active) return entry.data;
    let last: PanelData | undefined;
    for (const entry of this.open.values()) last = entry.data ?? last;
    return last;
  }

  serializer(): vscode.WebviewPanelSerializer {
    return {
      deserializeWebviewPanel: async (panel, state) => {
        const restored = parsePersistedState(state);
        this.attach(panel, restored?.data);
      },
    };
  }

  dispose(): void {
    for (const entry of this.open.values()) entry.panel.dispose();
    this.open.clear();
    this.renderedEmitter.dispose();
  }
}
