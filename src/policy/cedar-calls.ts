/**
 * The Cedar calls the authorizer makes per request and per slice, with V8 set up so they cannot
 * abort the process.
 *
 * With Node 20's V8, the process aborts ("Fatal error ... unreachable code" in
 * `Deoptimizer::DoComputeBuiltinContinuation`) when TurboFan has inlined a JS-to-Wasm call into an
 * optimized function and lazily deoptimizes that function while the call runs; cedar-wasm calls
 * back into JS (JSON.stringify, JSON.parse) during every call, which can invalidate what the
 * caller's optimized code assumed. Replaying the policy bench's 10,000-policy world crashed 2 runs in
 * 3 (in the authorizer, and once in policy loading); with `--no-turbo-inline-js-wasm-calls`, none in
 * 8, at the same speed. So that flag is set when this module loads, before any Cedar call is hot.
 * It applies to the whole process; starting node with it has the same effect.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-turbo-inline-js-wasm-calls');

export { isAuthorizedPartial, preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
