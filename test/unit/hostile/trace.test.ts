import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_TRACE_LINES, parseTrace } from '../../../src/core/sim/workload';

const SECRET = 'sk-live-S3CR3T';
const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ session: 's1', round: 0, arrivalMs: 0, inputTokens: 10, outputTokens: 5, ...fields });

test('the line limit counts lines, not line breaks: exactly the limit with a final break is read', () => {
  assert.deepEqual(
    parseTrace('\n'.repeat(MAX_TRACE_LINES)).diagnostics.map((d) => d.code),
    ['PDP205'],
  );
  assert.deepEqual(
    parseTrace('\n'.repeat(MAX_TRACE_LINES + 1)).diagnostics.map((d) => d.code),
    ['PDP206'],
  );
});

test('LF, CRLF and lone CR line ends give the same sessions and line numbers', () => {
  const lines = [
    line({}),
    line({ round: 1, arrivalMs: undefined, thinkMs: 100 }),
    line({ session: 's2', arrivalMs: 50 }),
    '{bad',
  ];
  const results = ['\n', '\r\n', '\r'].map((end) => parseTrace(lines.join(end) + end));
  for (const r of results) {
    assert.equal(r.sessions.length, 2);
    assert.equal(r.sessions[0].rounds.length, 2);
    assert.deepEqual(
      r.diagnostics.map((d) => d.range.start.line),
      [3],
    );
  }
});

test('trace messages name the line and field and never quote the trace', () => {
  const text = [
    `${SECRET}`,
    line({ session: SECRET, arrivalMs: SECRET }),
    line({ session: SECRET }),
    line({ session: SECRET }),
    line({ session: SECRET, round: 3, arrivalMs: undefined, thinkMs: 1 }),
    line({ session: { key: SECRET } }),
    JSON.stringify([SECRET]),
    line({ session: 's9', inputTokens: 1e15 }),
  ].join('\n');
  const { diagnostics } = parseTrace(text);
  assert.equal(diagnostics.length, 7);
  for (const d of diagnostics) {
    assert.ok(!d.message.includes('S3CR3T'), d.message);
    assert.match(d.message, /^line \d+: /);
  }
  assert.match(diagnostics[2].message, /^line 4: the session of this line already has a round 0 \(line 3\)/);
  assert.match(
    diagnostics[6].message,
    /^line 8: "inputTokens" must be a token count from 1 to 1e\+7, found a number out of range/,
  );
});

test("a round that takes its session past the model's context is refused at its line, not dropped from the results", () => {
  const text = [
    line({ inputTokens: 6000, outputTokens: 1000 }),
    line({ round: 1, arrivalMs: undefined, thinkMs: 10, inputTokens: 2000, outputTokens: 100 }),
  ].join('\n');
  assert.equal(parseTrace(text).diagnostics.length, 0);
  const { diagnostics } = parseTrace(text, { maxContextTokens: 8192 });
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.range.start.line]),
    [['PDP202', 1]],
  );
  assert.match(diagnostics[0].message, /past the model's 8192 tokens \(maxContextTokens\)/);
});
