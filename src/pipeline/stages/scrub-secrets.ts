import type { Stage } from '../stage.js';

/**
 * Step 10: clean the result of every connector credential the gateway has handed out, in case the
 * upstream echoed one (a header dump, an error body, a debugging tool). Runs before the audit
 * record is written, so neither the agent nor the trail ever holds a credential. Error messages are
 * cleaned by the runner.
 */
export const scrubSecrets: Stage = {
  name: 'scrub-secrets',
  run(ctx, runtime) {
    const result = ctx.result;
    if (result === undefined || !runtime.scrubber.active) return;
    const text = runtime.scrubber.scrubText(result.text);
    const structured = runtime.scrubber.scrubValue(result.structured);
    const summary = runtime.scrubber.scrubText(result.summary);
    if (text !== result.text || structured !== result.structured || summary !== result.summary) {
      runtime.log.warn('a connector credential was echoed in a result and was redacted', { requestId: ctx.requestId, connector: ctx.tool?.connector.name });
      ctx.result = { ...result, text, structured, summary };
    }
  },
};
