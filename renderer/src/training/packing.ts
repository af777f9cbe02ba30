// The worker packs per-feature matrices (see shared/contract/packed.ts) before posting them, so
// the page forwards compact strings to the archive instead of walking thousands of numbers.
import { packMatrix, type PackedMatrix } from '../../../shared/contract'
import type { PopulationReport, TimestepStatsReport } from '../../../shared/engine/trainer'

export type PackedStats = Omit<TimestepStatsReport, 'featureMean' | 'featureVar'> & { featureMean?: PackedMatrix; featureVar?: PackedMatrix }
export type PackedPopulation = { step: number; records: (Omit<PopulationReport['records'][number], 'mean' | 'var'> & { mean: PackedMatrix; var: PackedMatrix })[] }

export function packStats(records: TimestepStatsReport[]): PackedStats[] {
  return records.map(({ featureMean, featureVar, ...rest }) => (featureMean && featureVar ? { ...rest, featureMean: packMatrix(featureMean), featureVar: packMatrix(featureVar) } : rest))
}

export function packPopulation(report: PopulationReport): PackedPopulation {
  return { step: report.step, records: report.records.map((r) => ({ ...r, mean: packMatrix(r.mean), var: packMatrix(r.var) })) }
}
