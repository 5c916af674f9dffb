/**
 * The trained injection model: a logistic regression over hashed features (hashed-features.ts),
 * shipped as `models/injection/model.json` at the repository root and produced by
 * `node scripts/train-injection.mjs` from the train split of the labelled injection data only.
 * Weights are stored as int8 with one scale (256 KiB for 2^18 slots) and expanded to float once,
 * when the gateway starts. A missing or malformed file is a startup error, never a silent
 * "nothing is an injection".
 */
import { readFileSync } from 'node:fs';
import { GatehouseError } from '../../errors/catalog.js';
import { FEATURE_BITS, FEATURE_COUNT } from './hashed-features.js';

/** The model file the repository ships. */
export const DEFAULT_MODEL_URL = new URL('../../../../models/injection/model.json', import.meta.url);

/** The file's fields, as the training script writes them. */
export interface InjectionModelFile {
  readonly format: 'gatehouse-injection-logreg-v1';
  readonly featureBits: number;
  readonly bias: number;
  /** Probability at or above which a segment is reported. */
  readonly threshold: number;
  /** weight = int8 × weightScale. */
  readonly weightScale: number;
  /** Base64 of FEATURE_COUNT signed bytes. */
  readonly weights: string;
  readonly training: Readonly<Record<string, unknown>>;
}

/** A loaded model: ready to score. */
export interface InjectionModel {
  readonly weights: Float32Array;
  readonly bias: number;
  readonly threshold: number;
  readonly training: Readonly<Record<string, unknown>>;
}

function invalid(reason: string): GatehouseError {
  return new GatehouseError('GUARD_MODEL_INVALID', `The injection model cannot be used: ${reason}.`);
}

/** Expands a parsed model file; throws GUARD_MODEL_INVALID naming what is wrong. */
export function modelFromFile(file: InjectionModelFile): InjectionModel {
  if (file.format !== 'gatehouse-injection-logreg-v1') throw invalid(`unknown format ${String(file.format)}`);
  if (file.featureBits !== FEATURE_BITS) throw invalid(`featureBits is ${file.featureBits}, this build reads ${FEATURE_BITS}`);
  for (const key of ['bias', 'threshold', 'weightScale'] as const) {
    if (typeof file[key] !== 'number' || !Number.isFinite(file[key])) throw invalid(`${key} is not a finite number`);
  }
  if (file.threshold <= 0 || file.threshold >= 1) throw invalid('threshold must lie strictly between 0 and 1');
  const bytes = Buffer.from(String(file.weights), 'base64');
  if (bytes.length !== FEATURE_COUNT) throw invalid(`weights hold ${bytes.length} bytes, expected ${FEATURE_COUNT}`);
  const weights = new Float32Array(FEATURE_COUNT);
  const signed = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < FEATURE_COUNT; i++) weights[i] = (signed[i] as number) * file.weightScale;
  return { weights, bias: file.bias, threshold: file.threshold, training: file.training ?? {} };
}

let shipped: InjectionModel | undefined;

/** The repository's model, read once per process. */
export function loadShippedModel(): InjectionModel {
  if (shipped !== undefined) return shipped;
  let parsed: InjectionModelFile;
  try {
    parsed = JSON.parse(readFileSync(DEFAULT_MODEL_URL, 'utf8')) as InjectionModelFile;
  } catch (error) {
    throw invalid(`cannot read ${DEFAULT_MODEL_URL.pathname}: ${(error as Error).message}`);
  }
  shipped = modelFromFile(parsed);
  return shipped;
}

/** Logistic function, clamped so that extreme scores stay finite. */
export function probability(score: number): number {
  const z = Math.max(-30, Math.min(30, score));
  return 1 / (1 + Math.exp(-z));
}
