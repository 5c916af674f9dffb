/**
 * A recursive watcher on one folder that turns change events into batches.
 *
 * Events are collected for one debounce window after the first, then handed over as one batch of
 * entry names relative to the folder. A batch is `full` when the platform could not say what
 * changed or the watcher failed, so the whole folder must be checked. After a failure the watcher
 * stays down for `retryDelayMs` (no error loops); `ensure()` starts it again, and also restarts it
 * when the folder was replaced by another directory at the same path.
 */
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { toPosix } from './safe-path.js';

/** One batch of changes. */
export interface FolderChanges {
  /** Entries that changed, relative to the folder and `/`-separated, as reported (not yet checked). */
  readonly names: ReadonlySet<string>;
  /** Something changed that the names do not cover: check the whole folder. */
  readonly full: boolean;
}

/** How a folder watcher batches and where it reports. */
export interface FolderWatcherOptions {
  /** How long events are collected after the first one of a batch, in ms. */
  readonly debounceMs: number;
  /** After a watcher failure, how long before `ensure()` may start it again, in ms. */
  readonly retryDelayMs: number;
  /** Receives each batch. Called from a timer: it must handle its own errors. */
  readonly onChanges: (changes: FolderChanges) => void;
  /** Told of a watcher failure; the watcher has already stopped and queued a full batch. */
  readonly onError: (message: string, err: unknown) => void;
}

/** Watches one folder. Call `ensure()` after each full scan; `close()` when done. */
export class FolderWatcher {
  readonly #o: FolderWatcherOptions;
  #watcher: FSWatcher | undefined;
  #watchedIno: number | undefined;
  #pending = new Set<string>();
  #pendingFull = false;
  #flushTimer: NodeJS.Timeout | undefined;
  /** After a failure, no restart before this time (performance.now()). */
  #retryAt = 0;
  #closed = false;

  constructor(options: FolderWatcherOptions) {
    this.#o = options;
  }

  /** Whether a watcher is running. */
  get watching(): boolean {
    return this.#watcher !== undefined;
  }

  /**
   * Watch `rootReal` (a real directory path) unless already watching that directory, closed, or
   * waiting out a failure. A start failure is reported through `onError`, never thrown.
   */
  async ensure(rootReal: string): Promise<void> {
    if (this.#closed || performance.now() < this.#retryAt) return;
    const ino = (await stat(rootReal).catch(() => undefined))?.ino;
    if (this.#closed || ino === undefined || (this.#watcher && this.#watchedIno === ino)) return;
    this.#stop();
    try {
      const watcher = watch(rootReal, { recursive: true, persistent: false }, (_event, name) => this.#onEvent(name));
      watcher.on('error', (err) => {
        this.#o.onError('files connector watcher failed', err);
        this.#stop();
        // Catch up on what the watcher missed now; it is retried after the delay.
        this.#retryAt = performance.now() + this.#o.retryDelayMs;
        this.#schedule(true);
      });
      this.#watcher = watcher;
      this.#watchedIno = ino;
    } catch (err) {
      this.#o.onError('files connector watcher could not start', err);
    }
  }

  /** Stop watching and drop any batch not yet handed over. */
  close(): void {
    this.#closed = true;
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#stop();
  }

  #stop(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#watchedIno = undefined;
  }

  #onEvent(name: string | Buffer | null): void {
    // No name: the platform could not say what changed, so everything is checked.
    if (name !== null) this.#pending.add(toPosix(name.toString()));
    this.#schedule(name === null);
  }

  /** Collect events for one window after the first, then hand them over as one batch. */
  #schedule(full: boolean): void {
    if (full) this.#pendingFull = true;
    if (this.#flushTimer || this.#closed) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      const changes: FolderChanges = { names: this.#pending, full: this.#pendingFull };
      this.#pending = new Set();
      this.#pendingFull = false;
      this.#o.onChanges(changes);
    }, this.#o.debounceMs);
    this.#flushTimer.unref();
  }
}
