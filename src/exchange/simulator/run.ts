import { parseReplaySpec, ReplayError, type ReplaySpec } from './csv-replay.js';
import { FaultSpecError, parseFaultSpec, type FaultConfig } from './faults.js';
import { FundingReplayError, parseFundingReplaySpec, type FundingReplaySpec } from './sentiment-data.js';
import { startSimulator, type SimulatorHandle } from './server.js';

/** `cfa-console simulate-exchange`: the simulator as a foreground process. */

export interface SimulatorCliOptions {
  port?: number | string;
  /** A count (`60`) or a comma-separated list (`BTCUSDT,ETHUSDT`). */
  symbols?: number | string;
  /** A fault spec, see parseFaultSpec. */
  faults?: string;
  windowMs?: number | string;
  weightLimit?: number | string;
  /** `SYMBOL:INTERVAL:FILE`, once or repeated. */
  replay?: string | readonly string[];
  /** `SYMBOL:FILE` of real funding settlements, once or repeated. */
  replayFunding?: string | readonly string[];
  /** Stops the simulator like SIGINT does; for embedding and tests. */
  signal?: AbortSignal;
  /** Where the JSON event line goes (default: stdout). */
  write?: (line: string) => void;
  /** Called once listening, before the event line is written. */
  onListening?: (handle: SimulatorHandle) => void;
}

/** A bad flag value: the CLI should exit 2. */
export class SimulatorUsageError extends Error {
  override name = 'SimulatorUsageError';
  readonly exitCode = 2;
}

function integer(name: string, value: number | string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new SimulatorUsageError(`--${name} must be an integer >= ${min}, got '${value}'`);
  }
  return n;
}

function symbolsOption(value: number | string | undefined): number | string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' || /^\d+$/.test(value.trim())) return integer('symbols', value, 1);
  return value.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
}

/** Starts the simulator, prints `{"event":"listening","url":...}`, and resolves once stopped. */
export async function runSimulatorCli(opts: SimulatorCliOptions = {}): Promise<void> {
  const write = opts.write ?? ((line: string) => process.stdout.write(line));
  let faults: FaultConfig | undefined;
  let replay: ReplaySpec[];
  let fundingReplay: FundingReplaySpec[];
  try {
    fundingReplay = (opts.replayFunding === undefined ? [] : typeof opts.replayFunding === 'string' ? [opts.replayFunding] : [...opts.replayFunding]).map(parseFundingReplaySpec);
    faults = opts.faults === undefined ? undefined : parseFaultSpec(opts.faults);
    replay = (opts.replay === undefined ? [] : typeof opts.replay === 'string' ? [opts.replay] : [...opts.replay]).map(parseReplaySpec);
  } catch (err) {
    if (err instanceof FaultSpecError || err instanceof ReplayError || err instanceof FundingReplayError) throw new SimulatorUsageError(err.message);
    throw err;
  }
  const port = integer('port', opts.port, 0);
  if (port !== undefined && port > 65_535) throw new SimulatorUsageError(`--port must be at most 65535, got ${port}`);
  let handle: SimulatorHandle;
  try {
    handle = await startSimulator({
      port,
      symbols: symbolsOption(opts.symbols),
      faults,
      windowMs: integer('window-ms', opts.windowMs, 1),
      weightLimit: integer('weight-limit', opts.weightLimit, 1),
      replay,
      fundingReplay,
    });
  } catch (err) {
    if (err instanceof RangeError || err instanceof ReplayError || err instanceof FundingReplayError) throw new SimulatorUsageError(err.message);
    throw err;
  }
  opts.onListening?.(handle);
  write(`${JSON.stringify({ event: 'listening', url: handle.url, port: handle.port, symbols: handle.symbols.length })}\n`);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      opts.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (opts.signal?.aborted) stop();
    else opts.signal?.addEventListener('abort', stop, { once: true });
  });
  await handle.close();
}
