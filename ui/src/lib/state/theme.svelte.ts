// Light/dark theme: follows prefers-color-scheme unless the user picked one (kept in localStorage).
export type ThemeMode = 'system' | 'light' | 'dark';
const KEY = 'faultline.theme';

function stored(): ThemeMode {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system'; // storage blocked (privacy mode): follow the system
  }
}

class ThemeState {
  #mode = $state<ThemeMode>(stored());

  get mode(): ThemeMode {
    return this.#mode;
  }

  /** The theme in effect: the choice, or the system's when none was made. */
  get effective(): 'light' | 'dark' {
    if (this.#mode !== 'system') return this.#mode;
    return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }

  set(mode: ThemeMode): void {
    this.#mode = mode;
    try {
      if (mode === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, mode);
    } catch {
      // Not persisted when storage is blocked; the choice still applies to this page.
    }
    this.apply();
  }

  /** Cycles system → light → dark → system. */
  toggle(): void {
    this.set(
      this.#mode === 'system'
        ? this.effective === 'dark'
          ? 'light'
          : 'dark'
        : this.#mode === 'light'
          ? 'dark'
          : 'system',
    );
  }

  apply(): void {
    const root = document.documentElement;
    if (this.#mode === 'system') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', this.#mode);
  }
}

export const theme = new ThemeState();
