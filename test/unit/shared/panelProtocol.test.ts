import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePersistedState, parseWebviewMessage } from '../../../src/shared/panelProtocol';

test('webview messages are narrowed; anything unknown or malformed is dropped', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'markdown' }), { type: 'export', format: 'markdown' });
  assert.deepEqual(parseWebviewMessage({ type: 'rendered', kind: 'plan', charts: 3, extra: 1 }), {
    type: 'rendered',
    kind: 'plan',
    charts: 3,
  });
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
