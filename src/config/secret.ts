import { inspect } from 'node:util';

/** Where a secret's value comes from: the environment (resolved at load) or the encrypted secrets store. */
export type SecretSource = 'env' | 'store';

/**
 * A secret named in configuration. It prints as "[secret ${kind:NAME}]" through toString, JSON and
 * util.inspect, so a secret that reaches a log line or an error by accident shows its name only.
 * Environment secrets carry their value from load time; store secrets (`${secret:NAME}`) are
 * resolved when used, through a SecretResolver, so they can be rotated without a restart.
 */
export class Secret {
  readonly #value: string | undefined;
  /** The reference as written, e.g. "${env:CRM_PASSWORD}" or "${secret:crm-db}". */
  readonly reference: string;
  readonly source: SecretSource;
  /** Environment variable or secret name. */
  readonly name: string;

  constructor(reference: string, source: SecretSource, name: string, value?: string) {
    this.reference = reference;
    this.source = source;
    this.name = name;
    this.#value = value;
  }

  /**
   * The value of an environment secret; call only where it is handed to the system that needs it.
   * Store secrets have no value here: resolve them with a SecretResolver.
   */
  reveal(): string {
    if (this.#value === undefined) throw new Error(`${this.reference} is a store secret; resolve it with the secret resolver`);
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
