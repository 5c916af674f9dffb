import { inspect } from 'node:util';

/**
 * A resolved secret value. It prints as "[secret NAME]" through toString, JSON and util.inspect,
 * so a secret that reaches a log line or an error by accident shows its name, not its value.
 */
export class Secret {
  readonly #value: string;
  readonly reference: string;

  constructor(reference: string, value: string) {
    this.reference = reference;
    this.#value = value;
  }

  /** The secret itself; call only where it is handed to the system that needs it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return `[secret ${this.reference}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
