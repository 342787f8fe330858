// A tiny render helper: `h('div', { class: 'x', testid: 'y', onclick }, children…)`. Pages build
// their DOM with it and replace a region when its data changes; there is no virtual DOM. And the
// copy button every page uses for hashes, addresses and chat lines.

export type Child = Node | string | number | null | undefined | false | Child[];

type Handler = (event: Event) => void;
export type Props = Record<string, string | number | boolean | Handler | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'testid') element.dataset.testid = String(value);
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked' || key === 'disabled' || key === 'selected') {
      (element as unknown as Record<string, unknown>)[key] = value;
    } else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A button that copies `text`, saying so for a moment. */
export function copyButton(text: string, testid: string): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'secondary small', testid }, 'Copy');
  button.addEventListener('click', () => {
    const done = (label: string) => {
      button.textContent = label;
      setTimeout(() => (button.textContent = 'Copy'), 2_000);
    };
    navigator.clipboard?.writeText(text).then(
      () => done('Copied'),
      () => done('Select and copy'),
    ) ?? done('Select and copy');
  });
  return button;
}
