// The signed-in user, their organizations and the CSRF token for writes. Loaded once at start;
// login/logout update it. Pages read `session.org` for the organization in the URL.
import * as api from '../api.js';
import type { ApiOrganizationSummary, ApiSession, ApiUser } from '../types.js';

const LAST_ORG_KEY = 'faultline.org';

class SessionState {
  #user = $state<ApiUser | null>(null);
  #orgs = $state<ApiOrganizationSummary[]>([]);
  #loaded = $state(false);

  get user(): ApiUser | null {
    return this.#user;
  }
  get organizations(): ApiOrganizationSummary[] {
    return this.#orgs;
  }
  get loaded(): boolean {
    return this.#loaded;
  }

  #set(s: ApiSession | null): void {
    this.#user = s?.user ?? null;
    this.#orgs = s?.organizations ?? [];
    api.setCsrfToken(s?.csrfToken ?? '');
    this.#loaded = true;
  }

  async load(): Promise<void> {
    try {
      this.#set(await api.getSession());
    } catch (err) {
      if (!(err instanceof api.ApiError) || (err.status !== 401 && err.status !== 403)) throw err;
      this.#set(null);
    }
  }

  async login(email: string, password: string): Promise<void> {
    this.#set(await api.login(email, password));
    // The login response may omit organizations; the session endpoint is the full picture.
    if (this.#orgs.length === 0) await this.load();
  }

  /** Returns the identity provider's logout URL when the session came from SSO and it has one. */
  async logout(): Promise<string | null> {
    const out = await api.logout().catch((err: unknown) => {
      if (!(err instanceof api.ApiError) || err.status !== 401) throw err;
      return undefined;
    });
    this.#set(null);
    return out?.logoutUrl ?? null;
  }

  role(org: string): ApiOrganizationSummary['role'] | null {
    return this.#orgs.find((o) => o.slug === org)?.role ?? null;
  }

  /** The organization to land on: the last one visited if still a member, else the first. */
  defaultOrg(): string | null {
    let last: string | null = null;
    try {
      last = localStorage.getItem(LAST_ORG_KEY);
    } catch {
      last = null; // storage blocked: fall back to the first organization
    }
    if (last && this.#orgs.some((o) => o.slug === last)) return last;
    return this.#orgs[0]?.slug ?? null;
  }

  rememberOrg(org: string): void {
    try {
      localStorage.setItem(LAST_ORG_KEY, org);
    } catch {
      // not remembered when storage is blocked
    }
  }
}

export const session = new SessionState();
