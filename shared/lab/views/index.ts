// The view model of each chart, computed once from the archive's data and drawn by the same
// components on the Compare page and in reports: runs grouped by seed (the mean with its 95 % band,
// each seed on demand), log scales where values span decades.
export {
  bands,
  groupBySeed,
  meanBand,
  meanSd,
  spansDecades,
  type BandPoint,
  type GroupLine,
  type RunGroup,
  type SeedLine,
} from './groups'
export { curvesView, type CurvesView, type CurvesOptions } from './curves'
export { lengthsView, type LengthsView } from './lengths'
export { batchSweepView, type BatchSweepView } from './batch-sweep'
export { profileView, type ProfileView, type StepStats } from './profiles'
export { configTable, type ConfigRow } from './config-table'
export { smooth } from './smoothing'
export {
  decodeSnapshot,
  isValid,
  perStep,
  populationUse,
  sharedCells,
  shares,
  statisticAt,
  valueAt,
  type Cell,
  type Grid,
  type Snapshot,
  type Statistic,
} from './explorable'
export { parallelView, type ParallelAxis, type ParallelLine, type ParallelView } from './parallel'
