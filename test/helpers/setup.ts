// Per-file setup. Kept small: shared fixtures live in the helpers that need them.
export {};
