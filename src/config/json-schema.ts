/** The JSON Schema of gatehouse.yaml, generated from the validator so the two never disagree. */
import { z } from 'zod';
import { configSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://gatehouse.dev/schemas/gatehouse.yaml.json',
    title: 'Gatehouse configuration (gatehouse.yaml)',
  };
}
