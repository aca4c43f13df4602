// The client-side router: the current URL as reactive state, navigation through the History
// API, and one document-level click handler that turns same-origin links into navigations.
import { matchRoute, type Route } from './routes.js';

class Router {
  #path = $state(location.pathname);
  #search = $state(location.search);

  get path(): string {
    return this.#path;
  }
  get route(): Route {
    return matchRoute(this.#path);
  }
  get query(): URLSearchParams {
    return new URLSearchParams(this.#search);
  }

  navigate(to: string, opts: { replace?: boolean } = {}): void {
    const u = new URL(to, location.origin);
    if (u.pathname + u.search === location.pathname + location.search) return;
    if (opts.replace) history.replaceState(null, '', u.pathname + u.search);
    else history.pushState(null, '', u.pathname + u.search);
    this.#sync();
    if (!opts.replace) window.scrollTo(0, 0);
  }

  #sync(): void {
    this.#path = location.pathname;
    this.#search = location.search;
  }

  start(): () => void {
    const onPop = () => this.#sync();
    const onClick = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const a = (e.target as Element | null)?.closest?.('a');
      if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
      if (a.pathname.startsWith('/api/')) return;
      e.preventDefault();
      this.navigate(a.pathname + a.search);
    };
    window.addEventListener('popstate', onPop);
    document.addEventListener('click', onClick);
    return () => {
      window.removeEventListener('popstate', onPop);
      document.removeEventListener('click', onClick);
    };
  }
}

export const router = new Router();
