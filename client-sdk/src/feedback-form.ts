// A small optional feedback form for browsers: a dialog with a message, name and e-mail that
// sends what the user wrote through captureFeedback. Built with DOM calls only (no HTML strings,
// so nothing the page or the user typed is ever parsed as markup); styles are inline and
// minimal so the page's own CSS can restyle `.faultline-feedback`. No-op outside a browser.
import type { FeedbackParams } from './types.js';

export interface FeedbackFormOptions {
  /** The error event the feedback is about (the id captureException returned). */
  associatedEventId?: string;
  title?: string;
  /** Prefilled name and e-mail (e.g. from the signed-in user). */
  name?: string;
  email?: string;
  submitLabel?: string;
  onSubmitted?: (feedbackId: string) => void;
}

type Send = (params: FeedbackParams) => string;

/** Opens the dialog; returns a function that closes it. */
export function showFeedbackForm(send: Send, options: FeedbackFormOptions = {}): () => void {
  const doc = (globalThis as { document?: Document }).document;
  if (!doc?.body) return () => {};
  const el = <T extends HTMLElement>(tag: string, props: Record<string, unknown> = {}, ...children: Node[]): T => {
    const node = Object.assign(doc.createElement(tag), props) as T;
    node.append(...children);
    return node;
  };
  const field = (label: string, input: HTMLInputElement | HTMLTextAreaElement) => {
    input.style.cssText = 'display:block;width:100%;box-sizing:border-box;margin-top:4px;font:inherit;padding:6px';
    const l = el<HTMLLabelElement>('label', {}, doc.createTextNode(label), input);
    l.style.cssText = 'display:block;margin:8px 0';
    return l;
  };
  const message = el<HTMLTextAreaElement>('textarea', { name: 'message', rows: 4, maxLength: 4096 });
  const name = el<HTMLInputElement>('input', { name: 'name', type: 'text', value: options.name ?? '', maxLength: 128 });
  const email = el<HTMLInputElement>('input', {
    name: 'email',
    type: 'email',
    value: options.email ?? '',
    maxLength: 256,
  });
  const error = el('p');
  error.setAttribute('role', 'alert');
  error.style.cssText = 'color:#c2410c;margin:4px 0;min-height:1em';
  const cancel = el('button', { type: 'button', textContent: 'Cancel' });
  const submit = el('button', { type: 'submit', textContent: options.submitLabel ?? 'Send feedback' });
  const form = el<HTMLFormElement>(
    'form',
    {},
    el('h2', { textContent: options.title ?? 'Tell us what happened' }),
    field('What happened?', message),
    field('Name', name),
    field('E-mail', email),
    error,
    cancel,
    doc.createTextNode(' '),
    submit,
  );
  const dialog = el<HTMLDialogElement>('dialog', { className: 'faultline-feedback' }, form);
  dialog.setAttribute('aria-label', options.title ?? 'Tell us what happened');
  dialog.style.cssText = 'max-width:28rem;width:90%;font:14px system-ui,sans-serif';
  const close = () => {
    if (dialog.open) dialog.close();
    dialog.remove();
  };
  cancel.addEventListener('click', close);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (message.value.trim() === '') {
      error.textContent = 'Please describe what happened.';
      return;
    }
    const params: FeedbackParams = { message: message.value, source: 'feedback-form' };
    if (name.value) params.name = name.value;
    if (email.value) params.email = email.value;
    if (options.associatedEventId) params.associatedEventId = options.associatedEventId;
    const id = send(params);
    close();
    options.onSubmitted?.(id);
  });
  doc.body.append(dialog);
  if (typeof dialog.showModal === 'function') dialog.showModal();
  else dialog.setAttribute('open', '');
  message.focus();
  return close;
}
