export {
  startSimulator,
  type SimulatorHandle, type SimulatorOptions, type SimulatorStats, type StatsEndpoint,
} from './server.js';
export {
  FaultInjector, FaultSpecError, FAULT_KINDS, FAULT_SPEC_HELP, NO_FAULTS, parseFaultSpec, resolveFaults,
  type FaultConfig, type FaultKind, type FaultScope, type Hole,
} from './faults.js';
export {
  syntheticCandle, syntheticCandleAt, syntheticRow, syntheticRowJson, syntheticSeries,
  type SyntheticSeries,
} from './synthetic-candles.js';
export { DEFAULT_LISTING_TIME, DEFAULT_SYMBOLS, resolveSymbols } from './symbols.js';
export { loadReplay, parseReplayCsv, parseReplaySpec, ReplayError, type ReplaySpec, type ReplaySeries } from './csv-replay.js';
export {
  admit, DEFAULT_WEIGHT_POLICY, initialWeightState, klinesWeight,
  type Admission, type ExternalWeight, type WeightPolicy, type WeightState,
} from './weight-accounting.js';
export { runSimulatorCli, SimulatorUsageError, type SimulatorCliOptions } from './run.js';
export { startFredStandIn, syntheticFredSeries, FRED_OPEN_END, type FredStandIn, type FredSeriesSpec, type FredVersion } from './fred.js';
export { startFearGreedStandIn, syntheticFearGreed, type FearGreedStandIn, type FearGreedDay } from './fear-greed.js';
export { DEFAULT_FUNDING_SEGMENTS, type FundingSegment } from './sentiment-data.js';
