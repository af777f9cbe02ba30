// Per-feature matrices cross the worker boundary as flat Float32Arrays (transferred, not cloned
// element by element) and become the contract's nested arrays only when they are written.
import type { PopulationReport, TimestepStatsReport } from '../../../shared/engine/trainer'

export interface PackedMatrix {
  rows: number
  columns: number
  values: Float32Array
}

export type PackedStats = Omit<TimestepStatsReport, 'featureMean' | 'featureVar'> & { featureMean?: PackedMatrix; featureVar?: PackedMatrix }
export type PackedPopulation = { step: number; records: { layer: number; term: PopulationReport['records'][number]['term']; mean: PackedMatrix; var: PackedMatrix; seen: number[] }[] }

/** Nulls (steps with no valid sample) travel as NaN. */
export function pack(rows: readonly (readonly (number | null)[])[]): PackedMatrix {
  const columns = rows[0]?.length ?? 0
  const values = new Float32Array(rows.length * columns)
  rows.forEach((row, r) => row.forEach((v, c) => (values[r * columns + c] = v === null ? Number.NaN : v)))
  return { rows: rows.length, columns, values }
}

export function unpack(m: PackedMatrix): (number | null)[][] {
  const out: (number | null)[][] = []
  for (let r = 0; r < m.rows; r++) {
    const row = new Array<number | null>(m.columns)
    for (let c = 0; c < m.columns; c++) {
      const v = m.values[r * m.columns + c]!
      row[c] = v !== v ? null : v
    }
    out.push(row)
  }
  return out
}

export function packStats(records: TimestepStatsReport[]): { records: PackedStats[]; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = []
  const packed = records.map(({ featureMean, featureVar, ...rest }) => {
    if (!featureMean || !featureVar) return rest
    const m = pack(featureMean)
    const v = pack(featureVar)
    transfer.push(m.values.buffer as ArrayBuffer, v.values.buffer as ArrayBuffer)
    return { ...rest, featureMean: m, featureVar: v }
  })
  return { records: packed, transfer }
}

export function unpackStats(records: PackedStats[]): TimestepStatsReport[] {
  return records.map(({ featureMean, featureVar, ...rest }) => (featureMean && featureVar ? { ...rest, featureMean: unpack(featureMean), featureVar: unpack(featureVar) } : rest))
}

export function packPopulation(report: PopulationReport): { report: PackedPopulation; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = []
  const records = report.records.map((r) => {
    const mean = pack(r.mean)
    const variance = pack(r.var)
    transfer.push(mean.values.buffer as ArrayBuffer, variance.values.buffer as ArrayBuffer)
    return { layer: r.layer, term: r.term, mean, var: variance, seen: r.seen }
  })
  return { report: { step: report.step, records }, transfer }
}

export function unpackPopulation(report: PackedPopulation): PopulationReport {
  return { step: report.step, records: report.records.map((r) => ({ layer: r.layer, term: r.term, mean: unpack(r.mean) as number[][], var: unpack(r.var) as number[][], seen: r.seen })) }
}
