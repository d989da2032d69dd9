import { isDeepStrictEqual } from 'node:util';
import type { ConsoleModel } from './console-model.js';

export interface ModelSource<K extends keyof ConsoleModel = keyof ConsoleModel> {
  key: K;
  everyMs: number;
  read(): ConsoleModel[K] | Promise<ConsoleModel[K]>;
}

/**
 * The model the views render, fed by sources polled at their own pace. Listeners hear of a
 * change only when a value really changed, and at most `maxHz` times a second: an idle console
 * redraws nothing and costs next to no CPU or bytes over SSH.
 */
export class ConsoleStore {
  private model: ConsoleModel;
  private readonly listeners = new Set<() => void>();
  private readonly timers: NodeJS.Timeout[] = [];
  private pending: NodeJS.Timeout | undefined;
  private lastNotify = 0;

  constructor(initial: ConsoleModel, private readonly maxHz = 4) {
    this.model = initial;
  }

  getSnapshot = (): ConsoleModel => this.model;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  set<K extends keyof ConsoleModel>(key: K, value: ConsoleModel[K]): void {
    if (isDeepStrictEqual(this.model[key], value)) return;
    this.model = { ...this.model, [key]: value };
    this.schedule();
  }

  update<K extends keyof ConsoleModel>(key: K, fn: (current: ConsoleModel[K]) => ConsoleModel[K]): void {
    this.set(key, fn(this.model[key]));
  }

  poll(source: ModelSource, onError?: (error: unknown) => void): void {
    const read = async () => {
      try {
        this.set(source.key, await source.read());
      } catch (error) {
        onError?.(error);
      }
    };
    void read();
    const timer = setInterval(read, source.everyMs);
    this.timers.push(timer);
  }

  private schedule(): void {
    if (this.pending) return;
    const wait = Math.max(0, this.lastNotify + 1000 / this.maxHz - Date.now());
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.lastNotify = Date.now();
      for (const listener of this.listeners) listener();
    }, wait);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.pending);
  }
}
