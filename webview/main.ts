/**
 * Webview entry: restores the last render from saved state, then renders whatever the extension
 * sends. Tells the extension `ready` once listening and `rendered` once every chart has drawn.
 */
import { registerComponents } from './components';
import { applyThemeColours, chartCount, destroyCharts } from './charts';
import {
  parsePersistedState,
  type FromWebview,
  type PanelData,
  type PersistedState,
  type ToWebview,
} from '../src/shared/panelProtocol';
import { renderComparison, renderPlan, renderSimulation, renderSweep } from './views';
import { renderPareto } from './paretoView';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: PersistedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (message: FromWebview) => vscode.postMessage(message);
const app = document.getElementById('app') as HTMLElement;

function show(message: string, className: string): void {
  current = undefined;
  destroyCharts();
  app.replaceChildren();
  const p = document.createElement('p');
  p.className = className;
  p.textContent = message;
  app.append(p);
}

let current: PanelData | undefined;

function render(data: PanelData): void {
  current = data;
  destroyCharts();
  applyThemeColours();
  const view =
    data.kind === 'plan'
      ? renderPlan(data, post)
      : data.kind === 'simulation'
        ? renderSimulation(data, post)
        : data.kind === 'comparison'
          ? renderComparison(data, post)
          : data.kind === 'pareto'
            ? renderPareto(data, post)
            : renderSweep(data, post);
  app.replaceChildren(view.root);
  for (const draw of view.draws) draw();
  document.body.dataset.rendered = data.kind;
  document.body.dataset.charts = String(chartCount());
  vscode.setState({ data });
  post({ type: 'rendered', kind: data.kind, charts: chartCount() });
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const message = event.data;
  switch (message.type) {
    case 'render':
      render(message.data);
      break;
    case 'busy':
      show(message.message, 'busy');
      break;
    case 'error':
      show(message.message, 'error');
      break;
  }
});

// A theme switch changes the body class and the --vscode-* variables on <html>: draw again, so
// every colour (axis titles, ticks, status text, GPU roles) is recomputed from the new theme.
let rethemePending = false;
const retheme = () => {
  if (rethemePending) return;
  rethemePending = true;
  requestAnimationFrame(() => {
    rethemePending = false;
    applyThemeColours();
    if (current) render(current);
  });
};
new MutationObserver(retheme).observe(document.body, { attributes: true, attributeFilter: ['class'] });
new MutationObserver(retheme).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

registerComponents();
applyThemeColours();
const saved = parsePersistedState(vscode.getState());
if (saved) render(saved.data);
post({ type: 'ready' });
