// A screen's work handed to Rust, with its busy flag (buttons disabled meanwhile), the
// progress a long step reports, and the error line (cleared when work starts, the
// failure's wording when it fails or is cancelled).
export class Task<P = never> {
  busy = $state(false);
  progress = $state<P | null>(null);
  error = $state("");
  #words: (e: unknown) => string;

  /** `words`: the sentence for a failure (usually `errorText` in the user's language). */
  constructor(words: (e: unknown) => string) {
    this.#words = words;
  }

  /** Puts a failure on the error line (an arrow: it can be handed to `.catch`). */
  fail = (e: unknown): void => {
    this.error = this.#words(e);
  };

  /** The progress callback of a long command (an arrow: it is handed to `api`). */
  report = (p: P): void => {
    this.progress = p;
  };

  /** Runs `work`; its value, or undefined when it failed (the error line says why). */
  async run<T>(work: () => Promise<T>): Promise<T | undefined> {
    this.error = "";
    this.busy = true;
    this.progress = null;
    try {
      return await work();
    } catch (e) {
      this.fail(e);
      return undefined;
    } finally {
      this.busy = false;
      this.progress = null;
    }
  }
}
