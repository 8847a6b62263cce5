import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePersistedState, parseWebviewMessage } from '../../../webview/protocol';
import { defaultSweepRates, isFromWorker, isToWorker } from '../../../src/workers/jobProtocol';
import { contentSecurityPolicy, panelHtml } from '../../../src/extension/panelHtml';

test('webview messages are narrowed; anything unknown or malformed is dropped', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'markdown' }), { type: 'export', format: 'markdown' });
  assert.deepEqual(parseWebviewMessage({ type: 'rendered', kind: 'plan', charts: 3, extra: 1 }), { type: 'rendered', kind: 'plan', charts: 3 });
  assert.equal(parseWebviewMessage({ type: 'export', format: 'exe' }), undefined);
  assert.equal(parseWebviewMessage({ type: 'simulateCandidate', rank: 0 }), undefined);
  assert.equal(parseWebviewMessage({ type: 'rendered', kind: 'evil', charts: 1 }), undefined);
  assert.equal(parseWebviewMessage('ready'), undefined);
  assert.equal(parseWebviewMessage(null), undefined);
});

test('persisted state is only restored for a known panel kind', () => {
  assert.equal(parsePersistedState({ data: { kind: 'script' } }), undefined);
  assert.equal(parsePersistedState(undefined), undefined);
  assert.ok(parsePersistedState({ data: { kind: 'comparison', title: 't', columns: [] } }));
});

test('worker messages: handshake, ids required', () => {
  assert.ok(isFromWorker({ type: 'ready' }));
  assert.ok(isFromWorker({ type: 'progress', id: 1, fraction: 0.5, message: 'x' }));
  assert.equal(isFromWorker({ type: 'progress', fraction: 0.5 }), false);
  assert.ok(isToWorker({ type: 'cancel', id: 3 }));
  assert.equal(isToWorker({ type: 'format-disk', id: 3 }), false);
});

test('defaultSweepRates brackets the plan rate', () => {
  const rates = defaultSweepRates(2);
  assert.equal(rates.length, 7);
  assert.equal(rates[0], 0.5);
  assert.equal(rates[6], 4);
  assert.ok(rates.includes(2));
});

test('panel HTML: nonce-only scripts, no remote sources, title escaped', () => {
  const html = panelHtml({ cspSource: 'vscode-webview://abc', scriptUri: 'vscode-webview://abc/dist/webview.js', styleUri: 'vscode-webview://abc/media/panel.css', title: '<b>x</b>', nonce: 'N0NCE' });
  const csp = contentSecurityPolicy('vscode-webview://abc', 'N0NCE');
  assert.ok(html.includes(csp));
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-N0NCE'$|script-src 'nonce-N0NCE';/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  assert.ok(html.includes('<script nonce="N0NCE" src="vscode-webview://abc/dist/webview.js">'));
  assert.ok(html.includes('&lt;b&gt;x&lt;/b&gt;'));
  assert.doesNotMatch(html, /<script>(?!<\/script>)/, 'no inline script without nonce');
  assert.doesNotMatch(html, /https?:\/\//);
});
