// Short-lived notices ("Resolved 3 issues", errors from actions), announced to screen readers.
export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

class Toasts {
  #items = $state<Toast[]>([]);
  #next = 1;

  get items(): Toast[] {
    return this.#items;
  }

  show(text: string, kind: Toast['kind'] = 'info', ms = 4000): void {
    const id = this.#next++;
    this.#items.push({ id, kind, text });
    setTimeout(() => this.dismiss(id), ms);
  }

  error(err: unknown): void {
    this.show(err instanceof Error ? err.message : String(err), 'error', 7000);
  }

  dismiss(id: number): void {
    const i = this.#items.findIndex((t) => t.id === id);
    if (i >= 0) this.#items.splice(i, 1);
  }
}

export const toasts = new Toasts();
