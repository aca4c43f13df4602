// The issue list: one page of issues for a query, the keyboard cursor, the multi-selection and
// bulk status changes (applied optimistically to the rows, then confirmed by the server).
import * as api from '../api.js';
import { moveCursor } from '../shortcuts.js';
import type { ApiIssue, IssueStatus } from '../types.js';
import type { PageLinks } from '../link.js';

export class IssueList {
  #items = $state<ApiIssue[]>([]);
  #links = $state<PageLinks>({ next: null, previous: null });
  #hits = $state<number | null>(null);
  #maxHits = $state<number | null>(null);
  #loading = $state(false);
  #error = $state<string | null>(null);
  #cursor = $state(-1);
  #selected = $state<string[]>([]);
  #seq = 0;

  get items(): ApiIssue[] {
    return this.#items;
  }
  get links(): PageLinks {
    return this.#links;
  }
  get hits(): number | null {
    return this.#hits;
  }
  /** True when the server stopped counting: there are at least `hits` matches. */
  get hitsCapped(): boolean {
    return this.#hits !== null && this.#maxHits !== null && this.#hits >= this.#maxHits;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get error(): string | null {
    return this.#error;
  }
  get cursor(): number {
    return this.#cursor;
  }
  get selected(): string[] {
    return this.#selected;
  }
  get current(): ApiIssue | null {
    return this.#items[this.#cursor] ?? null;
  }

  async load(org: string, args: api.IssueListArgs): Promise<void> {
    const seq = ++this.#seq; // a slower earlier request must not overwrite a newer one
    this.#loading = true;
    this.#error = null;
    try {
      const page = await api.listIssues(org, args);
      if (seq !== this.#seq) return;
      this.#items = page.items;
      this.#links = page.links;
      this.#hits = page.hits;
      this.#maxHits = page.maxHits;
      this.#selected = this.#selected.filter((id) => page.items.some((i) => i.id === id));
      if (this.#cursor >= page.items.length) this.#cursor = page.items.length - 1;
    } catch (err) {
      if (seq === this.#seq) this.#error = err instanceof Error ? err.message : String(err);
    } finally {
      if (seq === this.#seq) this.#loading = false;
    }
  }

  move(delta: 1 | -1): void {
    this.#cursor = moveCursor(this.#cursor, delta, this.#items.length);
  }

  setCursor(i: number): void {
    this.#cursor = i;
  }

  isSelected(id: string): boolean {
    return this.#selected.includes(id);
  }

  toggle(id: string): void {
    const i = this.#selected.indexOf(id);
    if (i >= 0) this.#selected.splice(i, 1);
    else this.#selected.push(id);
  }

  toggleAll(): void {
    this.#selected = this.#selected.length === this.#items.length ? [] : this.#items.map((i) => i.id);
  }

  /** Sets the status of the given issues (default: the selection, else the cursor row). */
  async setStatus(org: string, status: IssueStatus, ids?: string[]): Promise<number> {
    const target = ids ?? (this.#selected.length > 0 ? [...this.#selected] : this.current ? [this.current.id] : []);
    if (target.length === 0) return 0;
    const before = new Map(this.#items.filter((i) => target.includes(i.id)).map((i) => [i.id, i.status]));
    for (const item of this.#items) if (target.includes(item.id)) item.status = status;
    try {
      await api.bulkUpdateIssues(org, target, { status });
    } catch (err) {
      for (const item of this.#items) {
        const prev = before.get(item.id);
        if (prev) item.status = prev;
      }
      throw err;
    }
    this.#selected = [];
    return target.length;
  }
}
