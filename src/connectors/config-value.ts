/**
 * Connector settings that may hold a secret: a literal, or a `${env:NAME}` / `${secret:NAME}`
 * reference. References become `Secret` objects when the connector is built, so their values are
 * fetched through the SecretResolver when (re)connecting, never kept in configuration objects.
 * Accepts a `Secret` already made by the configuration loader, too.
 */
import { SECRET_REFERENCE } from '../config/schema-parts.js';
import { Secret } from '../config/secret.js';
import { GatehouseError } from '../errors/catalog.js';
import type { SecretResolver } from '../secrets/secret-resolver.js';

/** A setting's value: plain text, or a secret to resolve when used. */
export type ConfigValue = string | Secret;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The value of a configured setting: a `Secret` for references (environment references are read
 * from `env` now and must be set), the text itself otherwise. `where` names the key in errors.
 */
export function configValue(value: string | Secret, where: string, env: Env = process.env): ConfigValue {
  if (value instanceof Secret) return value;
  const [, kind, name] = SECRET_REFERENCE.exec(value) ?? [];
  if (name === undefined) return value;
  if (kind === 'secret') return new Secret(value, 'store', name);
  const resolved = env[name];
  if (resolved === undefined || resolved === '') {
    throw new GatehouseError('CONFIG_REFERENCE_UNRESOLVED', `${where}: environment variable ${name} is not set.`, { name });
  }
  return new Secret(value, 'env', name, resolved);
}

/** Resolve every value of a map (secrets through `secrets`), for handing to the system that needs them. */
export async function resolveValues(values: Readonly<Record<string, ConfigValue>>, secrets: SecretResolver): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) out[key] = typeof value === 'string' ? value : await secrets.resolve(value);
  return out;
}
