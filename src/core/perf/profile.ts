import type { Diagnostic, Range } from '../spec/types';
import type { DecodeSample, KvCopySample, MeasuredProfile, PrefillSample } from './types';

export const PROFILE_FORMAT_MARKER = 'pdplan-profile v1';
export const PROFILE_HEADER = ['op', 'tp', 'history', 'tokens', 'batch', 'context', 'ms'] as const;

/** Diagnostic codes of profile parsing (PDP150–PDP169). */
export const PROFILE_CODES = {
  empty: 'PDP150',
  badHeader: 'PDP151',
  fieldCount: 'PDP152',
  unknownOp: 'PDP153',
  badNumber: 'PDP154',
  missingField: 'PDP155',
  extraField: 'PDP156',
  duplicate: 'PDP157',
  formatMarker: 'PDP158',
  noSamples: 'PDP159',
  nonMonotone: 'PDP160',
  tooMany: 'PDP161',
} as const;

function lineRange(line: number, length: number): Range {
  return { start: { line, character: 0 }, end: { line, character: length } };
}

type Field = (typeof PROFILE_HEADER)[number];

const REQUIRED: Record<'prefill' | 'decode' | 'kv_copy', readonly Field[]> = {
  prefill: ['tp', 'history', 'tokens', 'ms'],
  decode: ['tp', 'batch', 'context', 'ms'],
  kv_copy: ['tp', 'tokens', 'ms'],
};

/**
 * Parses a measured profile. Never throws: every problem becomes a diagnostic whose range is the
 * offending line of the profile text and whose message starts with `file:line`. A profile with
 * errors still returns the rows that parsed, but callers should not use it (`profile` is
 * undefined when any error was found).
 */
export function parseProfile(
  text: string,
  fileName = 'profile.csv',
): {
  profile?: MeasuredProfile;
  diagnostics: Diagnostic[];
} {
  const diagnostics: Diagnostic[] = [];
  let hiddenError = false;
  const lines = text.split(/\r\n|\r|\n/);
  // A listing stays readable (and an 8 MB profile of noise cannot flood the editor): the first
  // MAX_PROFILE_DIAGNOSTICS are shown, then one line saying how many more there were.
  let unshown = 0;
  const report = (severity: Diagnostic['severity'], code: string, index: number, message: string): void => {
    if (diagnostics.length >= MAX_PROFILE_DIAGNOSTICS) {
      unshown++;
      if (severity === 'error') hiddenError = true;
      return;
    }
    diagnostics.push({
      severity,
      code,
      message: `${fileName}:${index + 1}: ${message}`,
      path: '/perf/profile',
      range: lineRange(index, lines[index]?.length ?? 0),
    });
  };

  const metadata: Record<string, string> = {};
  const profile: MeasuredProfile = { metadata, prefill: [], decode: [], kvCopy: [] };
  let headerSeen = false;
  let markerSeen = false;
  let firstContentLine = -1;
  const seen = new Map<string, number>();

  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index].trim();
    if (raw === '') continue;
    if (firstContentLine < 0) firstContentLine = index;
    if (raw.startsWith('#')) {
      if (readComment(raw, metadata, (message) => report('error', PROFILE_CODES.formatMarker, index, message)))
        markerSeen = true;
      continue;
    }
    const cells = raw.split(',').map((cell) => cell.trim());
    if (!headerSeen) {
      headerSeen = true;
      if (raw.startsWith('{') || raw.startsWith('[')) {
        report(
          'error',
          PROFILE_CODES.badHeader,
          index,
          `this looks like JSON; measured profiles are CSV: '# ${PROFILE_FORMAT_MARKER}', '#' metadata lines, then the header '${PROFILE_HEADER.join(',')}'.`,
        );
        return { diagnostics };
      }
      const header = cells.map((cell) => cell.toLowerCase());
      if (header.join(',') !== PROFILE_HEADER.join(',')) {
        report(
          'error',
          PROFILE_CODES.badHeader,
          index,
          `expected the header '${PROFILE_HEADER.join(',')}' as the first line that is not a '#' comment; this line is something else.`,
        );
        return { diagnostics };
      }
      continue;
    }
    if (cells.length !== PROFILE_HEADER.length) {
      report(
        'error',
        PROFILE_CODES.fieldCount,
        index,
        `expected ${PROFILE_HEADER.length} comma-separated fields (${PROFILE_HEADER.join(',')}), found ${cells.length}; leave unused fields empty.`,
      );
      continue;
    }
    const op = cells[0];
    if (op !== 'prefill' && op !== 'decode' && op !== 'kv_copy') {
      report('error', PROFILE_CODES.unknownOp, index, `the first field (op) must be prefill, decode or kv_copy.`);
      continue;
    }
    const values = rowValues(op, cells, (severity, code, message) => report(severity, code, index, message));
    if (!values) continue;
    const key = addSample(profile, op, values, index);
    const previous = seen.get(key);
    if (previous !== undefined) {
      report(
        'warning',
        PROFILE_CODES.duplicate,
        index,
        `the same point was measured on line ${previous + 1}; the samples are averaged.`,
      );
    } else {
      seen.set(key, index);
    }
  }

  if (firstContentLine < 0) {
    report(
      'error',
      PROFILE_CODES.empty,
      0,
      `the profile is empty; expected '# ${PROFILE_FORMAT_MARKER}', metadata lines and the header '${PROFILE_HEADER.join(',')}'.`,
    );
    return { diagnostics };
  }
  if (!markerSeen) {
    report(
      'warning',
      PROFILE_CODES.formatMarker,
      firstContentLine,
      `no '# ${PROFILE_FORMAT_MARKER}' line; reading it as version 1.`,
    );
  }
  if (!headerSeen) {
    report(
      'error',
      PROFILE_CODES.badHeader,
      firstContentLine,
      `no header row; expected '${PROFILE_HEADER.join(',')}'.`,
    );
    return { diagnostics };
  }
  const rowErrors = diagnostics.some((d) => d.severity === 'error');
  if (!rowErrors && profile.prefill.length + profile.decode.length + profile.kvCopy.length === 0) {
    report(
      'warning',
      PROFILE_CODES.noSamples,
      firstContentLine,
      'the profile has no samples; the analytical model is used unchanged.',
    );
  }
  for (const warning of monotonicityWarnings(profile)) {
    report('warning', PROFILE_CODES.nonMonotone, warning.line - 1, warning.message);
  }
  if (unshown > 0) diagnostics.push(notShown(fileName, unshown, hiddenError));
  return rowErrors || hiddenError ? { diagnostics } : { profile, diagnostics };
}

/**
 * A `#` line: the format marker (true; a version this one does not read is reported) or a
 * `key: value` metadata line (kept in `metadata`); any other comment is skipped.
 */
function readComment(raw: string, metadata: Record<string, string>, reportMarker: (message: string) => void): boolean {
  const body = raw.replace(/^#+\s*/, '');
  if (/^pdplan-profile\b/.test(body)) {
    if (body !== PROFILE_FORMAT_MARKER)
      reportMarker(`unsupported profile format version; this version reads '# ${PROFILE_FORMAT_MARKER}'.`);
    return true;
  }
  const colon = body.indexOf(':');
  if (colon > 0) metadata[body.slice(0, colon).trim().toLowerCase()] = body.slice(colon + 1).trim();
  return false;
}

/** The one line that stands for the problems past MAX_PROFILE_DIAGNOSTICS. */
function notShown(fileName: string, unshown: number, hiddenError: boolean): Diagnostic {
  return {
    severity: hiddenError ? 'error' : 'warning',
    code: PROFILE_CODES.tooMany,
    message: `${fileName}: ${unshown} more problem${unshown === 1 ? '' : 's'} not shown; fix the ones above first.`,
    path: '/perf/profile',
    range: lineRange(0, 0),
  };
}

/** Adds one row's sample to the profile; returns the measured point's key (duplicates are warned about). */
function addSample(
  profile: MeasuredProfile,
  op: keyof typeof REQUIRED,
  values: Partial<Record<Field, number>>,
  index: number,
): string {
  const tp = values.tp as number;
  const ms = values.ms as number;
  if (op === 'prefill') {
    const sample: PrefillSample = {
      tp,
      history: values.history as number,
      tokens: values.tokens as number,
      ms,
      line: index + 1,
    };
    profile.prefill.push(sample);
    return `prefill,${tp},${sample.history},${sample.tokens}`;
  }
  if (op === 'decode') {
    const sample: DecodeSample = {
      tp,
      batch: values.batch as number,
      context: values.context as number,
      ms,
      line: index + 1,
    };
    profile.decode.push(sample);
    return `decode,${tp},${sample.batch},${sample.context}`;
  }
  const sample: KvCopySample = { tp, tokens: values.tokens as number, ms, line: index + 1 };
  profile.kvCopy.push(sample);
  return `kv_copy,${tp},${sample.tokens}`;
}

/**
 * The numbers of one data row of `op`, or undefined when a field it needs is missing or not a valid
 * number (each problem reported); fields the op does not use are reported and ignored.
 */
function rowValues(
  op: keyof typeof REQUIRED,
  cells: string[],
  report: (severity: Diagnostic['severity'], code: string, message: string) => void,
): Partial<Record<Field, number>> | undefined {
  const values: Partial<Record<Field, number>> = {};
  let rowOk = true;
  for (let column = 1; column < PROFILE_HEADER.length; column++) {
    const field = PROFILE_HEADER[column];
    const cell = cells[column];
    const required = REQUIRED[op].includes(field);
    if (cell === '') {
      if (required) {
        report('error', PROFILE_CODES.missingField, `${op} rows need '${field}'.`);
        rowOk = false;
      }
      continue;
    }
    if (!required) {
      report('warning', PROFILE_CODES.extraField, `'${field}' is not used by ${op} rows and is ignored.`);
      continue;
    }
    const value = Number(cell);
    const integral = field !== 'ms';
    const valid =
      Number.isFinite(value) &&
      (field === 'ms' ? value > 0 : value >= 0) &&
      (!integral || Number.isInteger(value)) &&
      ((field !== 'tp' && field !== 'batch' && field !== 'tokens') || value >= 1);
    if (!valid) {
      const want =
        field === 'ms'
          ? 'a positive number of milliseconds'
          : field === 'history' || field === 'context'
            ? 'a whole number ≥ 0'
            : 'a whole number ≥ 1';
      report('error', PROFILE_CODES.badNumber, `'${field}' must be ${want}.`);
      rowOk = false;
      continue;
    }
    values[field] = value;
  }
  return rowOk ? values : undefined;
}

/** Problems listed per profile; docs/plan-file.md lists the limit. */
export const MAX_PROFILE_DIAGNOSTICS = 200;

/** Times that fall as tokens or context grow usually mean noise or a mislabelled row. */
function monotonicityWarnings(profile: MeasuredProfile): { line: number; message: string }[] {
  const warnings: { line: number; message: string }[] = [];
  const check = <S extends { ms: number; line: number }>(
    samples: S[],
    rowKey: (s: S) => string,
    x: (s: S) => number,
    what: string,
  ): void => {
    const rows = new Map<string, S[]>();
    for (const sample of samples) {
      const key = rowKey(sample);
      const row = rows.get(key);
      if (row) row.push(sample);
      else rows.set(key, [sample]);
    }
    for (const row of rows.values()) {
      row.sort((a, b) => x(a) - x(b));
      for (let i = 1; i < row.length; i++) {
        if (x(row[i]) > x(row[i - 1]) && row[i].ms < row[i - 1].ms * 0.9) {
          warnings.push({
            line: row[i].line,
            message: `${row[i].ms} ms is more than 10 % below the ${row[i - 1].ms} ms measured with fewer ${what} (line ${row[i - 1].line}); check the measurement.`,
          });
        }
      }
    }
  };
  check(
    profile.prefill,
    (s) => `${s.tp},${s.history}`,
    (s) => s.tokens,
    'tokens',
  );
  check(
    profile.decode,
    (s) => `${s.tp},${s.batch}`,
    (s) => s.context,
    'context tokens',
  );
  check(
    profile.kvCopy,
    (s) => `${s.tp}`,
    (s) => s.tokens,
    'tokens',
  );
  return warnings;
}

/** A 1-D piecewise-linear table: sorted distinct x with their (averaged) measured y. */
interface Row {
  xs: Float64Array;
  ys: Float64Array;
}

/**
 * Measured samples over (outer, inner) — (history, tokens) for prefill, (batch, context per
 * sequence) for decode, (·, tokens) for KV copies — interpolated piecewise-linearly: first along
 * `inner` within the two rows bracketing `outer`, then linearly between those rows (the AMPD
 * profiler's piecewise model, reference 004 §3). Exact at every sample point.
 *
 * Outside the measured range the analytical model supplies the shape and the profile the level:
 * the estimate is analytic(query) × measured(edge) / analytic(edge), where edge is the query
 * clamped to the measured range (aiconfigurator's "hold utilisation" rule). It is continuous at
 * the edge and keeps the analytical growth beyond it.
 */
export class InterpolationGrid {
  private readonly keys: Float64Array;
  private readonly rows: Row[];

  constructor(samples: { outer: number; inner: number; ms: number }[]) {
    const byOuter = new Map<number, Map<number, { sum: number; count: number }>>();
    for (const s of samples) {
      let row = byOuter.get(s.outer);
      if (!row) byOuter.set(s.outer, (row = new Map()));
      const cell = row.get(s.inner);
      if (cell) {
        cell.sum += s.ms;
        cell.count++;
      } else row.set(s.inner, { sum: s.ms, count: 1 });
    }
    const keys = [...byOuter.keys()].sort((a, b) => a - b);
    this.keys = Float64Array.from(keys);
    this.rows = keys.map((key) => {
      const cells = [...(byOuter.get(key) as Map<number, { sum: number; count: number }>).entries()].sort(
        (a, b) => a[0] - b[0],
      );
      return {
        xs: Float64Array.from(cells.map((c) => c[0])),
        ys: Float64Array.from(cells.map((c) => c[1].sum / c[1].count)),
      };
    });
  }

  get size(): number {
    return this.keys.length;
  }

  estimate(outer: number, inner: number, analytic: (outer: number, inner: number) => number): number {
    const keys = this.keys;
    const last = keys.length - 1;
    if (outer <= keys[0] || outer >= keys[last]) {
      const edgeIndex = outer <= keys[0] ? 0 : last;
      const edge = keys[edgeIndex];
      const atEdge = this.rowEstimate(edgeIndex, inner, analytic);
      if (outer === edge) return atEdge;
      return holdRatio(atEdge, analytic(outer, inner), analytic(edge, inner));
    }
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (keys[mid] <= outer) lo = mid;
      else hi = mid;
    }
    const low = this.rowEstimate(lo, inner, analytic);
    if (outer === keys[lo]) return low;
    const high = this.rowEstimate(hi, inner, analytic);
    const t = (outer - keys[lo]) / (keys[hi] - keys[lo]);
    return low + t * (high - low);
  }

  private rowEstimate(rowIndex: number, x: number, analytic: (outer: number, inner: number) => number): number {
    const { xs, ys } = this.rows[rowIndex];
    const outer = this.keys[rowIndex];
    const last = xs.length - 1;
    if (x <= xs[0]) {
      return x === xs[0] ? ys[0] : holdRatio(ys[0], analytic(outer, x), analytic(outer, xs[0]));
    }
    if (x >= xs[last]) {
      return x === xs[last] ? ys[last] : holdRatio(ys[last], analytic(outer, x), analytic(outer, xs[last]));
    }
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] <= x) lo = mid;
      else hi = mid;
    }
    if (x === xs[lo]) return ys[lo];
    const t = (x - xs[lo]) / (xs[hi] - xs[lo]);
    return ys[lo] + t * (ys[hi] - ys[lo]);
  }
}

function holdRatio(measuredAtEdge: number, analyticAtQuery: number, analyticAtEdge: number): number {
  if (!(analyticAtEdge > 0)) return analyticAtQuery > 0 ? analyticAtQuery : measuredAtEdge;
  return (measuredAtEdge * analyticAtQuery) / analyticAtEdge;
}

/** Per-TP interpolation grids of one profile. */
export interface ProfileTables {
  prefill: Map<number, InterpolationGrid>;
  decode: Map<number, InterpolationGrid>;
  kvCopy: Map<number, InterpolationGrid>;
}

export function buildProfileTables(profile: MeasuredProfile): ProfileTables {
  const group = <S extends { tp: number }>(
    samples: S[],
    point: (s: S) => { outer: number; inner: number; ms: number },
  ) => {
    const byTp = new Map<number, { outer: number; inner: number; ms: number }[]>();
    for (const s of samples) {
      const list = byTp.get(s.tp);
      if (list) list.push(point(s));
      else byTp.set(s.tp, [point(s)]);
    }
    const grids = new Map<number, InterpolationGrid>();
    for (const [tp, points] of byTp) grids.set(tp, new InterpolationGrid(points));
    return grids;
  };
  return {
    prefill: group(profile.prefill, (s) => ({ outer: s.history, inner: s.tokens, ms: s.ms })),
    decode: group(profile.decode, (s) => ({ outer: s.batch, inner: s.context, ms: s.ms })),
    kvCopy: group(profile.kvCopy, (s) => ({ outer: 0, inner: s.tokens, ms: s.ms })),
  };
}

/**
 * Which times a run used, for its output: the measured profile the plan names, or the analytical
 * model (also when the plan names a profile that was not read, which it then says).
 */
export function timesSource(profileName: string | undefined, profile: MeasuredProfile | undefined): string {
  if (profileName && profile) return `measured profile ${profileName}`;
  if (profileName) return `analytical performance model (profile ${profileName} not read)`;
  return 'analytical performance model';
}
