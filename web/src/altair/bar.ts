// The bar above Altair: says when the server hides its schema, and takes the bearer token.
import type { PlaygroundConfig } from '../lib/config';
import type { TokenStore } from '../lib/token';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e: HTMLElementTagNameMap[K] = document.createElement(tag);
  Object.assign(e, props);
  e.append(...children);
  return e;
}

/** renderBar fills the bar, or leaves it hidden when there is nothing to say or ask. */
export function renderBar(bar: HTMLElement, config: PlaygroundConfig, tokens: TokenStore): void {
  if (config.introspection && !config.tokensRequired) return;
  if (!config.introspection) {
    bar.append(el('p', { className: 'mg-notice', role: 'status' }, 'The server hides its schema (introspection is off): no docs or autocompletion here. Operations still run.'));
  }
  if (config.tokensRequired) {
    const input = el('input', { id: 'mg-token', type: 'password', autocomplete: 'off', spellcheck: false, value: tokens.get(), placeholder: 'needed for mutations and uploads' });
    const state = el('span', { className: 'mg-token-state' });
    state.setAttribute('aria-live', 'polite');
    const show = () => { state.textContent = tokens.get() ? 'token set' : 'no token'; };
    show();
    tokens.subscribe(show);
    const form = el('form', { className: 'mg-token' }, el('label', { htmlFor: 'mg-token' }, 'Bearer token'), input, el('button', { type: 'submit' }, 'Use for this tab'), state);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      tokens.set(input.value);
    });
    bar.append(form);
  }
  bar.hidden = false;
  const fit = () => document.documentElement.style.setProperty('--mg-bar-height', `${bar.offsetHeight}px`);
  fit();
  new ResizeObserver(fit).observe(bar);
}
