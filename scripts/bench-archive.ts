// Benchmark of the archive (prints JSON; not a test): write cost of one training step's
// statistics, and read cost of a 10,000-step × 100-time-step heatmap.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Archive, shippedMigrationsDir } from '../electron/store'
import { TrainConfig } from '../shared/contract/train-config'

const STEPS = 10_000
const T = 100
const C = 64
const TERMS = ['x', 'h', 'c'] as const

function stepRecords(step: number, withFeatures: boolean) {
  return TERMS.map((term) => {
    const count = Array.from({ length: T }, (_, t) => Math.max(1, 64 - t))
    const mean = count.map((_, t) => Math.sin(step / 100 + t / 10))
    const variance = count.map((_, t) => 1 + t / T)
    const features = withFeatures
      ? count.map((_, t) => Array.from({ length: C }, (_, c) => Math.cos(t + c)))
      : undefined
    return {
      step,
      layer: 0,
      term,
      count,
      mean,
      var: variance,
      ...(features ? { featureMean: features, featureVar: features } : {}),
    }
  })
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'normlab-bench-'))
  const archive = await Archive.open(join(dir, 'bench.sqlite'), { migrations: shippedMigrationsDir() })
  const created = await archive.runs.create({
    name: 'bench',
    config: TrainConfig.parse({ task: 'adding', cell: 'lstm', norm: 'bn_step', batchSize: 64, seed: 0 }),
    studyId: null,
    status: 'queued',
    tags: [],
    notes: '',
    device: null,
  })
  const owner = 'bench-trainer-01'
  const run = await archive.runs.update({ id: created.id, status: 'running', lease: { owner } })

  // Summaries for 10,000 steps, written 100 steps per transaction as a trainer would batch them.
  let t0 = performance.now()
  for (let step = 0; step < STEPS; step += 100) {
    const records = []
    for (let s = step; s < step + 100; s++) records.push(...stepRecords(s, false))
    await archive.timesteps.append({ runId: run.id, owner, records })
  }
  const writeSummariesMs = performance.now() - t0

  // One step with per-feature vectors (3 terms × 100 × 64 floats, twice): one transaction.
  const oneStep: number[] = []
  for (let i = 0; i < 20; i++) {
    t0 = performance.now()
    await archive.timesteps.append({ runId: run.id, owner, records: stepRecords(STEPS + i, true) })
    oneStep.push(performance.now() - t0)
  }

  const grid = (maxRows: number) =>
    archive.timesteps.grid({ runId: run.id, layer: 0, term: 'x', field: 'mean', maxRows })
  await grid(STEPS) // warm the page cache as a running app would have it
  const full: number[] = []
  const decimated: number[] = []
  for (let i = 0; i < 5; i++) {
    t0 = performance.now()
    const g = await grid(100_000)
    full.push(performance.now() - t0)
    if (g.values.length !== STEPS + 20) throw new Error(`expected ${STEPS + 20} rows, got ${g.values.length}`)
    t0 = performance.now()
    await grid(2000)
    decimated.push(performance.now() - t0)
  }
  const metricsT0 = performance.now()
  await archive.metrics.append({
    runId: run.id,
    owner,
    points: Array.from({ length: STEPS }, (_, i) => ({ name: 'loss', step: i, value: 1 / (i + 1), wallMs: i })),
  })
  const metricsMs = performance.now() - metricsT0

  await archive.close()
  rmSync(dir, { recursive: true, force: true })
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  console.log(
    JSON.stringify(
      {
        timeSteps: T,
        features: C,
        write: {
          summariesFor10000StepsMs: Math.round(writeSummariesMs),
          oneStepWithFeatureVectorsMedianMs: +median(oneStep).toFixed(2),
          metrics10000PointsMs: Math.round(metricsMs),
        },
        read: {
          heatmap10000x100MedianMs: +median(full).toFixed(1),
          heatmapDecimatedTo2000MedianMs: +median(decimated).toFixed(1),
          targetMs: 100,
        },
      },
      null,
      2,
    ),
  )
}

void main()
