// A shared "now" that ticks every 15 s, so relative times ("3m ago") stay fresh without each
// row running its own timer.
class Clock {
  #now = $state(Date.now());
  constructor() {
    setInterval(() => (this.#now = Date.now()), 15_000);
  }
  get now(): number {
    return this.#now;
  }
}

export const clock = new Clock();
