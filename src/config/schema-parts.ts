/**
 * Building blocks of the configuration schema shared by the top-level schema (schema.ts) and each
 * connector type's own schema (connectors/<type>/<type>-config.ts). Kept apart so that connector
 * schemas can use them without importing the top-level schema, which imports them.
 */
import { z } from 'zod';
import ms from 'ms';
import { POWERS } from '../domain/types.js';
import { guardsSchema } from '../guards/guard-config.js';

/** `${env:NAME}` or `${secret:NAME}`: the only way a secret may appear in configuration. */
export const SECRET_REFERENCE = /^\$\{(env|secret):([A-Za-z_][A-Za-z0-9_.-]*)\}$/;

const NAME = /^[a-z0-9-]+$/;

export const lowercaseName = (what: string) =>
  z.string().regex(NAME, { message: `${what} names use lowercase letters, digits and "-" only` }).max(48);

/** A duration such as "30d", "12h", "5m", "90s". */
export const duration = z.string().refine((value) => {
  const parsed = ms(value as ms.StringValue);
  return typeof parsed === 'number' && parsed > 0;
}, { message: 'expected a duration such as "90s", "5m", "12h" or "30d"' });

/** A duration that may also be zero ("0s"), e.g. for "do not wait". */
export const durationOrZero = z.string().refine((value) => {
  const parsed = ms(value as ms.StringValue);
  return typeof parsed === 'number' && parsed >= 0;
}, { message: 'expected a duration such as "0s", "30s" or "5m"' });

/** A value that must be given as a reference, never as a literal secret. */
export const secretReference = z.string().regex(SECRET_REFERENCE, {
  message: 'secrets must be references such as "${env:NAME}", never literal values',
});

export const sensitivity = z.string().regex(/^[a-z][a-z0-9_-]*$/, { message: 'labels use lowercase letters, digits, "-" and "_"' });

/** Keys every connector type has; each type's schema spreads these. */
export const connectorCommon = {
  name: lowercaseName('connector'),
  owner: z.string().min(1),
  purpose: z.string().min(1),
  powers: z.array(z.enum(POWERS)).min(1),
  /** Per-connector override of audit.content. */
  audit_content: z.enum(['hashed', 'full']).optional(),
  /** What the guards do with findings in this connector's arguments and results (docs/guards.md). */
  guards: guardsSchema.optional(),
};

/** Parse a duration string validated by the schema into milliseconds. */
export function durationMs(value: string): number {
  return ms(value as ms.StringValue);
}
