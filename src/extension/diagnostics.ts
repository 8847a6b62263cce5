/**
 * Live diagnostics: validate a plan when it opens and after each pause in typing. Typing never
 * waits on validation: changes only (re)arm a timer, and a result for an older document version
 * than the current one is dropped.
 */
import * as vscode from 'vscode';
import type { Diagnostic } from '../core/spec/types';
import type { ValidateFn, ValidationOutcome } from './engine';

export const PDPLAN_LANGUAGE = 'pdplan';

const SEVERITY: Record<Diagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export function toRange(range: Diagnostic['range']): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

export class DiagnosticsController implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('pdplan');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly outcomes = new Map<string, { version: number; outcome: ValidationOutcome }>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly validatedEmitter = new vscode.EventEmitter<{ uri: vscode.Uri; ms: number }>();
  readonly onDidValidate = this.validatedEmitter.event;

  constructor(private readonly validate: ValidateFn) {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((doc) => this.schedule(doc, 0)),
      vscode.workspace.onDidChangeTextDocument((event) => this.schedule(event.document, this.delayMs())),
      vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri)),
    );
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc, 0);
  }

  private delayMs(): number {
    return vscode.workspace.getConfiguration('pdPlanner').get<number>('diagnosticsDelayMs', 50);
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    if (doc.languageId !== PDPLAN_LANGUAGE) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.run(doc);
      }, delay),
    );
  }

  /** Validates now (commands call this so they act on what the user sees). */
  outcomeFor(doc: vscode.TextDocument): ValidationOutcome {
    const cached = this.outcomes.get(doc.uri.toString());
    if (cached && cached.version === doc.version) return cached.outcome;
    return this.run(doc);
  }

  private run(doc: vscode.TextDocument): ValidationOutcome {
    const started = performance.now();
    const version = doc.version;
    let outcome: ValidationOutcome;
    try {
      outcome = this.validate(doc.getText(), doc.fileName);
    } catch (error) {
      // A validator bug must not take the editor down; show it where the user looks.
      outcome = {
        diagnostics: [
          {
            severity: 'error',
            code: 'PDP000',
            message: `internal validator error: ${error instanceof Error ? error.message : String(error)}`,
            path: '',
            range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          },
        ],
        references: [],
      };
    }
    if (doc.isClosed || doc.version !== version) return outcome;
    this.outcomes.set(doc.uri.toString(), { version, outcome });
    this.collection.set(
      doc.uri,
      outcome.diagnostics.map((d) => this.toVscode(d)),
    );
    this.validatedEmitter.fire({ uri: doc.uri, ms: performance.now() - started });
    return outcome;
  }

  private toVscode(d: Diagnostic): vscode.Diagnostic {
    const diagnostic = new vscode.Diagnostic(toRange(d.range), d.message, SEVERITY[d.severity]);
    diagnostic.code = d.code;
    diagnostic.source = 'pdplan';
    return diagnostic;
  }

  /** The core diagnostics (with their fixes) of a document's latest validation. */
  coreDiagnostics(uri: vscode.Uri): Diagnostic[] {
    return this.outcomes.get(uri.toString())?.outcome.diagnostics ?? [];
  }

  revalidateAll(): void {
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc, 0);
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.outcomes.delete(key);
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.collection.dispose();
    this.validatedEmitter.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
