import { type FSWatcher, watch } from "node:fs";
import { loadTemplateSet, type TemplateSet } from "./template-set.js";

export interface TemplateStoreOptions {
  /** directory holding the templates, in the tree or the flattened ConfigMap layout */
  dir: string;
  /**
   * Reload when files change (fs.watch on every template directory; a ConfigMap update swaps the `..data`
   * symlink, which shows up as a change of the mount directory).
   * @defaultValue false
   */
  watch?: boolean;
  /**
   * Quiet period after the last change before reloading (editors and ConfigMap updates touch several files).
   * @defaultValue 200
   */
  debounceMs?: number;
  /** called after every successful reload (not the initial load) */
  onReload?: (set: TemplateSet) => void;
  /** called when a watch-triggered reload fails; the previous templates stay in use */
  onError?: (err: unknown) => void;
}

/** Compiled templates, loaded once, swapped atomically when the files change. */
export interface TemplateStore {
  readonly dir: string;
  /** the templates currently in use */
  current(): TemplateSet;
  /** Reads and compiles the files again; on failure the previous set stays in use and the error is thrown. */
  reload(): Promise<TemplateSet>;
  /** Stops watching. Idempotent. */
  close(): void;
}

class WatchingTemplateStore implements TemplateStore {
  private set: TemplateSet;
  private watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    initial: TemplateSet,
    private readonly options: TemplateStoreOptions,
  ) {
    this.set = initial;
    if (options.watch) this.arm(initial.watchDirs);
  }

  get dir(): string {
    return this.options.dir;
  }

  current(): TemplateSet {
    return this.set;
  }

  reload(): Promise<TemplateSet> {
    return this.enqueueReload(false);
  }

  private enqueueReload(fromWatch: boolean): Promise<TemplateSet> {
    // one reload at a time, in order: a change during a reload triggers another after it
    const next = this.chain.then(async () => {
      // a file change noticed before close() must not reload the templates after it
      if (fromWatch && this.closed) return this.set;
      const set = await loadTemplateSet(this.options.dir);
      if (fromWatch && this.closed) return this.set;
      this.set = set;
      if (this.options.watch && !this.closed) this.arm(set.watchDirs);
      this.options.onReload?.(set);
      return set;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.enqueueReload(true).catch((err: unknown) => this.options.onError?.(err));
    }, this.options.debounceMs ?? 200);
    this.timer.unref();
  }

  /** Watches exactly `dirs`: new subdirectories (a first hook) are picked up after the reload they cause. */
  private arm(dirs: readonly string[]): void {
    for (const [dir, watcher] of this.watchers) {
      if (!dirs.includes(dir)) {
        watcher.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, () => this.schedule());
        watcher.on("error", (err) => {
          watcher.close();
          this.watchers.delete(dir);
          this.options.onError?.(err);
          this.schedule();
        });
        this.watchers.set(dir, watcher);
      } catch (err) {
        this.options.onError?.(err);
      }
    }
  }
}

/**
 * Loads the templates in `options.dir` and, with `watch`, keeps them current.
 * @throws TemplateStoreError or TemplateSyntaxError when the initial load fails
 */
export async function openTemplateStore(options: TemplateStoreOptions): Promise<TemplateStore> {
  return new WatchingTemplateStore(await loadTemplateSet(options.dir), options);
}
