import type { Command } from 'commander';

export function registerSimulatorCommand(program: Command): void {
  program.command('simulate-exchange')
    .description('serve a Binance USD-M futures API on 127.0.0.1 with synthetic candles, weight limits and injected faults')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '0')
    .option('--symbols <n|list>', 'how many symbols (the default 60 in order, then SIM061USDT, ...), or a comma list', '60')
    .option('--faults <spec>', 'e.g. latency=50,5xx=0.1,reset=0.05,stall=0.02,truncate=0.05,malformed=0.02,seed=7')
    .option('--window-ms <n>', 'length of a weight window in ms (Binance: 60000)', '60000')
    .option('--weight-limit <n>', 'weight allowed per window before 429s (Binance: 2400)', '2400')
    .option('--replay <symbol:interval:file...>', 'serve a series from a CSV in Binance\'s 12-column format')
    .option('--replay-funding <symbol:file...>', 'serve a symbol\'s funding rates from a CSV (fundingTime,fundingIntervalHours,fundingRate)')
    .action(async (o: { port: string; symbols: string; faults?: string; windowMs: string; weightLimit: string; replay?: string[]; replayFunding?: string[] }) => {
      const { runSimulatorCli } = await import('../exchange/simulator/run.js');
      await runSimulatorCli({ port: o.port, symbols: o.symbols, faults: o.faults, windowMs: o.windowMs, weightLimit: o.weightLimit, replay: o.replay, replayFunding: o.replayFunding });
    });
}
