/** A set of listeners: add returns the unsubscribe function; emit calls each in order. */
export class Listeners<A extends unknown[]> {
  readonly #set = new Set<(...args: A) => void>();

  add(listener: (...args: A) => void): () => void {
    this.#set.add(listener);
    return () => this.#set.delete(listener);
  }

  /** Calls every listener; one added or removed meanwhile takes effect next time. */
  emit(...args: A): void {
    for (const l of [...this.#set]) l(...args);
  }
}
