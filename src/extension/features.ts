/** Editing features of a plan file: completion, hover, quick fixes, CodeLens and the outline. */
import * as vscode from 'vscode';
import { catalogKindAt, type CatalogApi } from './engine';
import type { DiagnosticsController } from './diagnostics';
import { toRange } from './diagnostics';
import type { SchemaNavigator } from './schemaNav';

type Schema = Pick<SchemaNavigator, 'keys' | 'enumValues' | 'description'>;
import type * as YamlPath from './yamlPath';
import type { OutlineEntry } from './yamlPath';

/** The YAML parser is loaded on the first completion/hover/outline request, not at activation. */
let yamlPath: typeof YamlPath | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lazyYaml = (): typeof YamlPath => (yamlPath ??= require('./yamlPath') as typeof YamlPath);
const placeAt: typeof YamlPath.placeAt = (text, offset) => lazyYaml().placeAt(text, offset);
const outline: typeof YamlPath.outline = (text) => lazyYaml().outline(text);

export function completionProvider(schema: Schema, catalog: CatalogApi): vscode.CompletionItemProvider {
  return {
    provideCompletionItems(doc, position) {
      const offset = doc.offsetAt(position);
      const place = placeAt(doc.getText(), offset);
      const replace = place.span
        ? new vscode.Range(doc.positionAt(place.span[0]), doc.positionAt(Math.max(place.span[1], offset)))
        : undefined;
      const items: vscode.CompletionItem[] = [];
      if (place.on === 'key') {
        for (const key of schema.keys(place.path)) {
          const item = new vscode.CompletionItem(key.name, vscode.CompletionItemKind.Property);
          item.detail = key.type;
          if (key.description) item.documentation = new vscode.MarkdownString(key.description);
          item.insertText = key.type === 'object' ? new vscode.SnippetString(`${key.name}:\n  $0`) : `${key.name}: `;
          if (replace) item.range = replace;
          items.push(item);
        }
        return items;
      }
      for (const value of schema.enumValues(place.path)) {
        const item = new vscode.CompletionItem(value, vscode.CompletionItemKind.EnumMember);
        if (replace) item.range = replace;
        items.push(item);
      }
      const kind = catalogKindAt(place.path);
      if (kind) {
        for (const entry of catalog.list(kind)) {
          const item = new vscode.CompletionItem(entry.name, vscode.CompletionItemKind.Value);
          item.detail = entry.detail;
          const docs = catalog.describe(kind, entry.name);
          if (docs) item.documentation = new vscode.MarkdownString(docs);
          if (replace) item.range = replace;
          items.push(item);
        }
      }
      return items;
    },
  };
}

export function hoverProvider(schema: Schema, catalog: CatalogApi): vscode.HoverProvider {
  return {
    provideHover(doc, position) {
      const place = placeAt(doc.getText(), doc.offsetAt(position));
      const range = place.span
        ? new vscode.Range(doc.positionAt(place.span[0]), doc.positionAt(place.span[1]))
        : undefined;
      if (place.on === 'key' && place.text) {
        const text = schema.description([...place.path, place.text]);
        return text ? new vscode.Hover(new vscode.MarkdownString(`**${place.text}** — ${text}`), range) : undefined;
      }
      const kind = catalogKindAt(place.path);
      if (kind && place.text) {
        const specs = catalog.describe(kind, place.text);
        if (specs) return new vscode.Hover(new vscode.MarkdownString(specs), range);
      }
      const text = schema.description(place.path);
      return text ? new vscode.Hover(new vscode.MarkdownString(text), range) : undefined;
    },
  };
}

/** Quick fixes come straight from the validator's machine-readable `fix` (did-you-mean, nearest TP). */
export function codeActionProvider(diagnostics: DiagnosticsController): vscode.CodeActionProvider {
  return {
    provideCodeActions(doc, range) {
      const actions: vscode.CodeAction[] = [];
      for (const d of diagnostics.coreDiagnostics(doc.uri)) {
        if (!d.fix) continue;
        const diagnosticRange = toRange(d.range);
        if (!diagnosticRange.intersection(range)) continue;
        const action = new vscode.CodeAction(d.fix.title, vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        action.edit.replace(doc.uri, toRange(d.fix.range), d.fix.replacement);
        const shown = new vscode.Diagnostic(diagnosticRange, d.message);
        shown.code = d.code;
        action.diagnostics = [shown];
        action.isPreferred = true;
        actions.push(action);
      }
      return actions;
    },
  };
}

export function codeLensProvider(): vscode.CodeLensProvider {
  return {
    provideCodeLenses(doc) {
      if (!vscode.workspace.getConfiguration('pdPlanner').get<boolean>('codeLens', true)) return [];
      const top = new vscode.Range(0, 0, 0, 0);
      const hasVariants = /^variants\s*:/m.test(doc.getText());
      return [
        new vscode.CodeLens(top, { title: '$(play) Run plan', command: 'pdPlanner.runPlan', arguments: [doc.uri] }),
        new vscode.CodeLens(top, { title: 'Simulate', command: 'pdPlanner.simulate', arguments: [doc.uri] }),
        new vscode.CodeLens(top, {
          title: hasVariants ? 'Compare variants' : 'Compare…',
          command: 'pdPlanner.compare',
          arguments: [doc.uri, { allVariants: hasVariants }],
        }),
      ];
    },
  };
}

const SECTION_KIND: Record<string, vscode.SymbolKind> = {
  model: vscode.SymbolKind.Class,
  cluster: vscode.SymbolKind.Namespace,
  workload: vscode.SymbolKind.Event,
  slo: vscode.SymbolKind.Constant,
  policy: vscode.SymbolKind.Interface,
  planner: vscode.SymbolKind.Function,
  deployment: vscode.SymbolKind.Struct,
  variants: vscode.SymbolKind.Array,
  perf: vscode.SymbolKind.Operator,
};

export function symbolProvider(): vscode.DocumentSymbolProvider {
  const toSymbol = (doc: vscode.TextDocument, entry: OutlineEntry, top: boolean): vscode.DocumentSymbol => {
    const symbol = new vscode.DocumentSymbol(
      entry.name,
      entry.detail,
      top ? (SECTION_KIND[entry.name] ?? vscode.SymbolKind.Field) : vscode.SymbolKind.Field,
      new vscode.Range(doc.positionAt(entry.span[0]), doc.positionAt(entry.span[1])),
      new vscode.Range(doc.positionAt(entry.keySpan[0]), doc.positionAt(entry.keySpan[1])),
    );
    symbol.children = entry.children.map((child) => toSymbol(doc, child, false));
    return symbol;
  };
  return { provideDocumentSymbols: (doc) => outline(doc.getText()).map((e) => toSymbol(doc, e, true)) };
}
