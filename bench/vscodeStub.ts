/**
 * A stand-in `vscode` module for timing the extension's own code in plain Node: every API is a
 * no-op that returns something usable, except the hooks a benchmark needs (document change events
 * and the diagnostic collection), which it records.
 */
import Module = require('node:module');

type Listener = (event: unknown) => void;

export interface StubHooks {
  changeListeners: Listener[];
  openListeners: Listener[];
  onDiagnostics?: (uri: unknown, diagnostics: unknown[]) => void;
}

/** Any property, call or construction yields another stub; iteration yields nothing. */
function anything(): unknown {
  const target = function stub() {
    /* no-op */
  };
  return new Proxy(target, {
    get(_t, key) {
      if (key === Symbol.iterator) return function* empty() {};
      if (key === Symbol.toPrimitive) return () => '';
      if (key === 'then') return undefined;
      if (key === 'dispose') return () => undefined;
      return anything();
    },
    set: () => true,
    apply: () => anything(),
    construct: () => anything() as object,
  });
}

class EventEmitter {
  private listeners: Listener[] = [];
  event = (listener: Listener) => {
    this.listeners.push(listener);
    return { dispose: () => undefined };
  };
  fire(value: unknown) {
    for (const l of this.listeners) l(value);
  }
  dispose() {
    this.listeners = [];
  }
}

class Range {
  constructor(
    readonly startLine: number,
    readonly startCharacter: number,
    readonly endLine: number,
    readonly endCharacter: number,
  ) {}
}

class Diagnostic {
  code?: string;
  source?: string;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: number,
  ) {}
}

export function installVscodeStub(): StubHooks {
  const hooks: StubHooks = { changeListeners: [], openListeners: [] };
  const disposable = { dispose: () => undefined };
  const base = anything() as Record<string, unknown>;
  const vscode: Record<string, unknown> = new Proxy(
    {
      // The bundle copies the module's own keys (esbuild's __toESM), so every namespace it uses is named.
      ...Object.fromEntries(
        [
          'window',
          'commands',
          'SymbolKind',
          'CodeActionKind',
          'StatusBarAlignment',
          'ViewColumn',
          'ProgressLocation',
          'CompletionItemKind',
          'CompletionItem',
          'SnippetString',
          'MarkdownString',
          'Hover',
          'CodeAction',
          'CodeLens',
          'DocumentSymbol',
          'WorkspaceEdit',
          'Position',
          'extensions',
          'env',
        ].map((k) => [k, anything()]),
      ),
      EventEmitter,
      Range,
      Diagnostic,
      DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
      Uri: {
        joinPath: (_u: unknown, ...parts: string[]) => ({ fsPath: parts.join('/'), toString: () => parts.join('/') }),
        file: (p: string) => ({ fsPath: p }),
      },
      workspace: new Proxy(
        {
          textDocuments: [],
          isTrusted: true,
          onDidChangeTextDocument: (l: Listener) => (hooks.changeListeners.push(l), disposable),
          onDidOpenTextDocument: (l: Listener) => (hooks.openListeners.push(l), disposable),
          getConfiguration: () => ({ get: (_key: string, fallback: unknown) => fallback }),
        },
        {
          get: (t, k) =>
            k in t ? (t as Record<string | symbol, unknown>)[k] : (base as Record<string | symbol, unknown>)[k],
        },
      ),
      languages: new Proxy(
        {
          createDiagnosticCollection: () => ({
            set: (uri: unknown, diagnostics: unknown[]) => hooks.onDiagnostics?.(uri, diagnostics),
            delete: () => undefined,
            dispose: () => undefined,
          }),
        },
        {
          get: (t, k) =>
            k in t ? (t as Record<string | symbol, unknown>)[k] : (base as Record<string | symbol, unknown>)[k],
        },
      ),
    },
    {
      get: (t, k) =>
        k in t ? (t as Record<string | symbol, unknown>)[k] : (base as Record<string | symbol, unknown>)[k],
    },
  );
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = function load(request: string, ...rest: unknown[]) {
    return request === 'vscode' ? vscode : original.call(this, request, ...rest);
  };
  return hooks;
}
