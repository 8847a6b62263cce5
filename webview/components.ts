/**
 * The panels' own small component layer. The toolkit's web components (buttons, badges, dividers)
 * sit behind these functions so views never depend on the toolkit directly and could swap it out.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeDivider,
  vsCodeTag,
} from '@vscode/webview-ui-toolkit';

let registered = false;
export function registerComponents(): void {
  if (registered) return;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeBadge(), vsCodeDivider(), vsCodeTag());
  registered = true;
}

type Child = Node | string | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  append(node, children);
  return node;
}

function append(node: Element, children: Child[]): void {
  for (const child of children) {
    if (child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

export function button(
  label: string,
  onClick: () => void,
  appearance: 'primary' | 'secondary' = 'secondary',
): HTMLElement {
  const node = document.createElement('vscode-button');
  node.setAttribute('appearance', appearance);
  node.textContent = label;
  node.addEventListener('click', onClick);
  return node;
}

export function badge(text: string): HTMLElement {
  const node = document.createElement('vscode-badge');
  node.textContent = text;
  return node;
}

export function tag(text: string): HTMLElement {
  const node = document.createElement('vscode-tag');
  node.textContent = text;
  return node;
}

export function divider(): HTMLElement {
  return document.createElement('vscode-divider');
}

export function section(title: string, ...children: Child[]): HTMLElement {
  return el('section', { class: 'section' }, el('h2', {}, title), ...children);
}

/** A headline figure: label, value, and a status class that colours it against its target. */
export function metric(label: string, value: string, status?: 'ok' | 'warn' | 'bad', hint?: string): HTMLElement {
  const node = el(
    'div',
    { class: `metric${status ? ` metric-${status}` : ''}`, 'data-metric': label },
    el('div', { class: 'metric-value' }, value),
    el('div', { class: 'metric-label' }, label),
  );
  if (hint) node.title = hint;
  return node;
}

export interface TableCell {
  text: string;
  className?: string;
}

export function table(headers: string[], rows: (string | TableCell)[][], caption?: string): HTMLTableElement {
  const head = el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h))));
  const body = el(
    'tbody',
    {},
    ...rows.map((row) =>
      el(
        'tr',
        {},
        ...row.map((cell, i) => {
          const c = typeof cell === 'string' ? { text: cell } : cell;
          const attrs: Record<string, string> = c.className ? { class: c.className } : {};
          return i === 0 ? el('th', { ...attrs, scope: 'row' }, c.text) : el('td', attrs, c.text);
        }),
      ),
    ),
  );
  return el('table', { class: 'grid' }, caption ? el('caption', {}, caption) : undefined, head, body);
}

/** A wide table scrolls inside its card instead of pushing the panel wider than the window. */
export function scrollable(node: HTMLElement): HTMLElement {
  return el(
    'div',
    {
      class: 'table-scroll',
      tabindex: '0',
      role: 'region',
      'aria-label': node.querySelector('caption')?.textContent ?? 'table',
    },
    node,
  );
}

/** A chart slot; the canvas is handed to charts.ts. The label doubles as the accessible name. */
export function chartBox(label: string, note?: string): { box: HTMLElement; canvas: HTMLCanvasElement } {
  const canvas = el('canvas', { role: 'img', 'aria-label': label });
  const box = el(
    'figure',
    { class: 'chart' },
    el('figcaption', {}, label, note ? el('span', { class: 'chart-note' }, ` · ${note}`) : undefined),
    el('div', { class: 'chart-canvas' }, canvas),
  );
  return { box, canvas };
}
