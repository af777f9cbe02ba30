// Seeds as groups: runs alike in every setting but the seed are one group, drawn as one line (the
// mean over seeds with its 95 % band) in one color, its seeds on demand. What TensorBoard, W&B,
// MLflow and ClearML users have long asked for; every chart and the runs table use this grouping.
import { canonicalJson } from '../../canonical-json'
import type { Run } from '../../contract/schemas'
import type { MessageValue } from '../../i18n/placeholders'
import { estimate, t95 } from '../findings/method/stats'

export interface RunGroup {
  /** The group's settings (its runs' configuration without the seed), canonical. */
  key: string
  /** The settings that tell it from the other groups shown ({ norm } when nothing else differs). */
  label: Record<string, MessageValue>
  runs: Run[]
  /** Its place among the groups shown: its color. */
  index: number
}

const settingsOf = (run: Run, ignored: readonly string[]) => {
  const rest = { ...(run.config as Record<string, unknown>) }
  for (const key of ignored) delete rest[key]
  return canonicalJson(rest)
}

/**
 * Groups of runs that differ only by seed (and the settings in `varying`, which a chart puts on
 * its x axis), in the order their first run appears.
 */
export function groupBySeed(runs: readonly Run[], varying: readonly string[] = []): RunGroup[] {
  const ignored = ['seed', ...varying]
  const byKey = new Map<string, Run[]>()
  for (const run of runs) byKey.set(settingsOf(run, ignored), [...(byKey.get(settingsOf(run, ignored)) ?? []), run])
  const configs = [...byKey.values()].map((g) => g[0]!.config as Record<string, unknown>)
  const keys = [...new Set(configs.flatMap((c) => Object.keys(c)))]
    .filter((k) => !ignored.includes(k) && new Set(configs.map((c) => canonicalJson(c[k]))).size > 1)
    .sort()
  // Name the norm first: it is what a reader looks for.
  const labelKeys = keys.includes('norm')
    ? ['norm', ...keys.filter((k) => k !== 'norm')]
    : keys.length === 0
      ? ['norm']
      : keys
  return [...byKey.entries()].map(([key, group], index) => {
    const c = group[0]!.config as Record<string, unknown>
    const label = Object.fromEntries(
      labelKeys.map((k) => [
        k,
        typeof c[k] === 'number' || typeof c[k] === 'string' ? (c[k] as MessageValue) : canonicalJson(c[k]),
      ]),
    )
    return { key, label, runs: group, index }
  })
}

/** One x position of a group's line: the mean over its seeds and the 95 % t-interval (null with one seed). */
export interface BandPoint {
  x: number
  mean: number | null
  low: number | null
  high: number | null
  /** How many seeds have a value here. */
  n: number
}

/** One seed's own line, shown on demand. */
export interface SeedLine {
  runId: number
  seed: number
  points: { x: number; y: number | null }[]
}

/**
 * A group's line over seeds at each x. `per` is each seed's values by x (missing x: that seed has no
 * value there). On 'linear' the arithmetic mean with its t-interval; on 'log' the same of the
 * values' logarithms, mapped back (the geometric mean and an interval that stays above zero): what
 * a log axis shows, and how the findings compare losses (as ratios). Values ≤ 0 have no logarithm
 * and are left out of a 'log' band.
 */
export function meanBand(
  per: readonly { x: readonly number[]; y: readonly (number | null)[] }[],
  scale: 'linear' | 'log' = 'linear',
): BandPoint[] {
  const at = new Map<number, number[]>()
  for (const line of per)
    line.x.forEach((x, i) => {
      const y = line.y[i]
      if (y === null || y === undefined || !Number.isFinite(y) || (scale === 'log' && y <= 0)) return
      const values = at.get(x) ?? []
      values.push(scale === 'log' ? Math.log(y) : y)
      at.set(x, values)
    })
  const back = scale === 'log' ? (v: number | null) => (v === null ? null : Math.exp(v)) : (v: number | null) => v
  return [...at.entries()]
    .sort(([a], [b]) => a - b)
    .map(([x, values]) => {
      const e = estimate(values)
      return { x, mean: e.n > 0 ? back(e.mean) : null, low: back(e.low), high: back(e.high), n: e.n }
    })
}

/** Both bands of a group's line: arithmetic (linear axis) and geometric (log axis). */
export function bands(per: readonly { x: readonly number[]; y: readonly (number | null)[] }[]): {
  points: BandPoint[]
  logPoints: BandPoint[]
} {
  return { points: meanBand(per), logPoints: meanBand(per, 'log') }
}

/** A group's line on a chart: the mean over its seeds with the band, and each seed's own line (shown on demand). */
export interface GroupLine {
  /** The group's index among those shown: its color. */
  group: number
  label: Record<string, MessageValue>
  /** What the line is within its group, when a group has several (a BN policy). */
  variant: string | null
  runIds: number[]
  /** The arithmetic mean over seeds with its 95 % band: drawn on a linear axis. */
  points: BandPoint[]
  /** The geometric mean with its 95 % band (of logarithms): drawn on a log axis. */
  logPoints: BandPoint[]
  seeds: SeedLine[]
}

/** The mean and sample sd of finite values, or nulls (a grouped row's "mean ± sd"). */
export function meanSd(values: readonly (number | null | undefined)[]): {
  mean: number | null
  sd: number | null
  n: number
} {
  const e = estimate(values.filter((v): v is number => v !== null && v !== undefined && Number.isFinite(v)))
  return { mean: e.n > 0 ? e.mean : null, sd: e.sd, n: e.n }
}

export { t95 }

/** Whether positive values span more than a decade: a log scale reads them better. */
export function spansDecades(values: Iterable<number | null>): boolean {
  let low = Infinity
  let high = 0
  for (const v of values) {
    if (v === null || !(v > 0) || !Number.isFinite(v)) continue
    low = Math.min(low, v)
    high = Math.max(high, v)
  }
  return high > 0 && high / low > 10
}
