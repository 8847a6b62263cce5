import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSecurityPolicy, panelHtml } from '../../../src/extension/panelHtml';

test('panel HTML: nonce-only scripts, no remote sources, title escaped', () => {
  const html = panelHtml({
    cspSource: 'vscode-webview://abc',
    scriptUri: 'vscode-webview://abc/dist/webview.js',
    styleUri: 'vscode-webview://abc/media/panel.css',
    title: '<b>x</b>',
    nonce: 'N0NCE',
  });
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
