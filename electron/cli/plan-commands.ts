// `lab plan status DIR` and `lab plan resubmit DIR`: where a planned sweep (sweep --plan) stands,
// read from the per-task archives it trains into, and the scheduler lines that train only what did
// not finish. A task trained again resumes its run (train --from-plan), so re-submitting is safe.
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { leftBehind, liveJudge } from '../store/lease-judge'
import { SqliteDb } from '../store/sqlite'
import {
  DEFAULT_MAX_ARRAY_SIZE,
  runNumber,
  sbatchLines,
  ranges,
  SweepPlanFile,
  type SlurmOptions,
} from '../../shared/lab/sweep-plan'
import { UsageError, type Command } from './command'
import { formatTable } from './table'

/** Where one planned run stands. stalled: "running", but its trainer is gone (its process ended, or no heartbeat for longer than a lease lasts). */
export type TaskState =
  'completed' | 'diverged' | 'running' | 'stalled' | 'interrupted' | 'failed' | 'queued' | 'missing'
const UNFINISHED: ReadonlySet<TaskState> = new Set(['stalled', 'interrupted', 'failed', 'queued', 'missing'])

export interface TaskStatus {
  index: number
  name: string
  state: TaskState
  /** The last step with a loss in its archive, and the step its checkpoint would resume from. */
  lastStep: number | null
  checkpoint: number | null
  error: string | null
}

function readPlan(dir: string): SweepPlanFile {
  const path = join(dir, 'plan.json')
  try {
    return SweepPlanFile.parse(JSON.parse(readFileSync(path, 'utf8')))
  } catch (error) {
    throw new UsageError(
      `${dir} is not a NormLab sweep plan: ${existsSync(path) ? 'its plan.json is not valid' : 'it has no plan.json'} (${(error as NodeJS.ErrnoException).code ?? 'made by sweep --plan DIR'})`,
    )
  }
}

/** Each planned run's state, from its task's archive (read-only: a task may be writing it). */
export async function planStatus(dir: string, now = Date.now()): Promise<{ plan: SweepPlanFile; tasks: TaskStatus[] }> {
  const plan = readPlan(dir)
  const tasks: TaskStatus[] = []
  for (const planned of plan.runs) {
    const archive = join(dir, 'archives', `${runNumber(planned.index, plan.runs.length)}.sqlite`)
    const missing: TaskStatus = {
      index: planned.index,
      name: planned.name,
      state: 'missing',
      lastStep: null,
      checkpoint: null,
      error: null,
    }
    if (!existsSync(archive)) {
      tasks.push(missing)
      continue
    }
    let db: SqliteDb | null = null
    try {
      db = await SqliteDb.open(archive, { readonly: true })
      const row = await db.get<{
        id: number
        status: string
        error: string | null
        owner: string | null
        host: string | null
        pid: number | null
        heartbeat: number | null
        last: number | null
        checkpoint: number | null
      }>(
        `SELECT r.id, r.status, r.error, r.lease_owner AS owner, r.lease_host AS host, r.lease_pid AS pid, r.lease_heartbeat AS heartbeat,
                (SELECT MAX(step) FROM metrics m WHERE m.run_id = r.id AND m.name = 'loss') AS last,
                (SELECT step FROM run_checkpoints c WHERE c.run_id = r.id) AS checkpoint
         FROM runs r JOIN studies s ON s.id = r.study_id WHERE s.uuid = ? AND r.name = ? ORDER BY r.id LIMIT 1`,
        [plan.study.uuid, planned.name],
      )
      if (!row) tasks.push(missing)
      else {
        const lease =
          row.owner !== null && row.host !== null && row.pid !== null && row.heartbeat !== null
            ? { owner: row.owner, host: row.host, pid: row.pid, heartbeatAt: row.heartbeat }
            : null
        const stalled = row.status === 'running' && leftBehind({ lease }, { ...liveJudge(), now }) !== null
        tasks.push({
          index: planned.index,
          name: planned.name,
          state: stalled ? 'stalled' : (row.status as TaskState),
          lastStep: row.last,
          checkpoint: row.checkpoint,
          error: row.error,
        })
      }
    } catch (error) {
      // An archive a task is still creating, or one that is damaged: its run is not there to count.
      tasks.push({ ...missing, error: `its archive cannot be read: ${(error as Error).message}` })
    } finally {
      await db?.close()
    }
  }
  return { plan, tasks }
}

const unfinished = (tasks: readonly TaskStatus[]) => tasks.filter((t) => UNFINISHED.has(t.state)).map((t) => t.index)

function counts(tasks: readonly TaskStatus[]): string {
  const n = new Map<TaskState, number>()
  for (const t of tasks) n.set(t.state, (n.get(t.state) ?? 0) + 1)
  return [...n.entries()].map(([s, k]) => `${k} ${s}`).join(', ')
}

function planDirOf(positionals: string[], command: string): string {
  if (positionals.length !== 1)
    throw new UsageError(`plan ${command} takes the plan's folder (what sweep --plan DIR made)`)
  return resolve(positionals[0]!)
}

export const planStatusCommand: Command = {
  usage: 'plan status <DIR> [--json]',
  summary: 'where a planned sweep stands: each task done, running, stalled, interrupted, failed or missing',
  options: { json: { type: 'boolean' } },
  archive: false,
  async run({ positionals, values, io }) {
    const dir = planDirOf(positionals, 'status')
    const { plan, tasks } = await planStatus(dir)
    if (values.json) return io.out(JSON.stringify({ study: plan.study, tasks, unfinished: unfinished(tasks) }, null, 2))
    io.out(`Plan “${plan.study.name}”: ${tasks.length} runs — ${counts(tasks)}`)
    io.out(
      formatTable(
        ['task', 'run', 'state', 'last step', 'resumes from'],
        tasks.map((t) => [
          runNumber(t.index, tasks.length),
          t.name,
          t.state,
          t.lastStep === null ? '-' : String(t.lastStep),
          t.checkpoint === null ? '-' : `step ${t.checkpoint}`,
        ]),
      ),
    )
    for (const t of tasks.filter((x) => x.error && x.state !== 'completed'))
      io.out(`  ${runNumber(t.index, tasks.length)}: ${t.error}`)
    const left = unfinished(tasks)
    io.out(
      left.length === 0
        ? 'Every run has finished: merge with npm run lab -- import ' + join(dir, 'archives') + '/*.sqlite'
        : `Not finished: ${ranges(left)} — npm run lab -- plan resubmit ${dir}`,
    )
  },
}

export const planResubmitCommand: Command = {
  usage: 'plan resubmit <DIR> [--throttle K]',
  summary: 'the Slurm and GNU parallel lines that train only the runs of a plan that did not finish (each resumes)',
  options: { throttle: { type: 'string' } },
  archive: false,
  async run({ positionals, values, io }) {
    const dir = planDirOf(positionals, 'resubmit')
    const { plan, tasks } = await planStatus(dir)
    const left = unfinished(tasks)
    if (left.length === 0)
      return io.out(`Nothing to resubmit: all ${tasks.length} runs have finished (${counts(tasks)}).`)
    const throttle = values.throttle === undefined ? undefined : Number(values.throttle)
    if (throttle !== undefined && (!Number.isInteger(throttle) || throttle < 1))
      throw new UsageError(`--throttle must be a positive whole number, got "${String(values.throttle)}"`)
    const slurm: SlurmOptions = {
      maxArraySize: (plan.arrayLimit ?? DEFAULT_MAX_ARRAY_SIZE - 1) + 1,
      ...(throttle !== undefined ? { throttle } : {}),
    }
    const script = join(dir, 'run.sh')
    io.out(
      `${left.length} of ${tasks.length} runs did not finish (${counts(tasks.filter((t) => left.includes(t.index)))}); each resumes from its checkpoint:`,
    )
    io.out(
      `  Slurm:\n${sbatchLines(left, script, slurm)
        .map((l) => `    ${l}`)
        .join('\n')}`,
    )
    io.out(`  GNU parallel:\n    printf '%s\\n' ${left.join(' ')} | parallel -j 4 bash ${script} {}`)
  },
}
