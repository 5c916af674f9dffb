/**
 * How CLI commands talk to the terminal. Commands receive an Io rather than touching process.*,
 * so tests can run them in-process and E2E tests can spawn the real binary.
 */
export interface Io {
  /** Write to standard output (results, JSON). */
  out(text: string): void;
  /** Write to standard error (progress, problems). */
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Exit codes: 0 success, 1 a check failed (verify, policy test), 2 usage or configuration error. */
export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_USAGE = 2;
