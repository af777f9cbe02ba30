// A study planned to train past one machine: one validated config file per run and a script that
// trains run i into its own archive file, usable as a Slurm job array (`sbatch run.sh`), under GNU
// parallel, or by hand. Every run names the same study by UUID, so `lab import` merges the run
// archives into one study. The file formats are defined here once; the CLI writes and reads them.
import { z } from 'zod'
import { Uuid } from '../contract/schemas'
import { TrainConfig } from '../contract/train-config'
import type { PlannedRun } from './study-plan'

export const StudyRef = z.strictObject({
  uuid: Uuid,
  name: z.string().min(1).max(200),
  description: z.string().max(10_000),
})
export type StudyRef = z.output<typeof StudyRef>

/** runs/NNN.json: one run of the sweep. */
export const PlannedRunFile = z.strictObject({
  format: z.literal('normlab-planned-run'),
  version: z.literal(1),
  /** 1-based, as Slurm's array index and the file name. */
  index: z.number().int().min(1),
  of: z.number().int().min(1),
  study: StudyRef,
  name: z.string().min(1).max(200),
  config: TrainConfig,
})
export type PlannedRunFile = z.output<typeof PlannedRunFile>

/** plan.json: the whole sweep, for people and for checking. */
export const SweepPlanFile = z.strictObject({
  format: z.literal('normlab-sweep-plan'),
  version: z.literal(1),
  createdAt: z.number(),
  study: StudyRef,
  runs: z.array(z.strictObject({ index: z.number().int().min(1), name: z.string(), file: z.string() })).min(1),
  /** The largest array the site's Slurm takes (its MaxArraySize − 1): larger plans are submitted in chunks (submit.sh). */
  arrayLimit: z.number().int().min(1).optional(),
})
export type SweepPlanFile = z.output<typeof SweepPlanFile>

/**
 * What a report carries to run its study again (`lab sweep --from-report`, the app's "Run this
 * study again"): the study's name and every run's name and full configuration.
 */
export const ReportPlan = z.strictObject({
  format: z.literal('normlab-report-plan'),
  version: z.literal(1),
  study: z.string().min(1).max(200),
  runs: z
    .array(z.strictObject({ name: z.string().min(1).max(200), config: TrainConfig }))
    .min(1)
    .max(256),
})
export type ReportPlan = z.output<typeof ReportPlan>

/** The zero-padded number of run `index` in file names: 001, 002, … */
export function runNumber(index: number, of: number): string {
  return String(index).padStart(Math.max(3, String(of).length), '0')
}

export interface SweepPaths {
  /** The plan folder, absolute: the script reads runs/ and writes archives/ and logs/ there. */
  planDir: string
  /** The NormLab checkout, absolute: where `node scripts/run-bundled.mjs` runs. */
  labHome: string
}

/**
 * What the cluster's scheduler is asked for, each written into run.sh as an #SBATCH line (Slurm's
 * own syntax); absent: the site's default. `throttle`: at most this many array tasks at once
 * (`--array=1-N%K`).
 */
export const SlurmOptions = z.strictObject({
  time: z
    .string()
    .regex(/^(\d+-)?\d{1,3}(:\d{2}){0,2}$/, 'a time limit as Slurm takes it: MINUTES, HH:MM:SS or DAYS-HH:MM:SS')
    .optional(),
  mem: z
    .string()
    .regex(/^\d+[KMGT]?$/, 'memory as Slurm takes it, e.g. 4G or 4000M')
    .optional(),
  partition: z
    .string()
    .regex(/^[A-Za-z0-9_.,-]{1,64}$/, 'a partition name (letters, digits, _ . , -)')
    .optional(),
  account: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'an account name (letters, digits, _ . -)')
    .optional(),
  cpusPerTask: z.number().int().min(1).max(1024).optional(),
  throttle: z.number().int().min(1).max(100_000).optional(),
  /** The site's MaxArraySize (Slurm's default 1001): array indices stay below it, so larger plans go in chunks. */
  maxArraySize: z.number().int().min(2).max(4_000_001).optional(),
})
export type SlurmOptions = z.output<typeof SlurmOptions>

export interface PlanFile {
  path: string
  text: string
  executable?: boolean
}

/** Text inside a double-quoted shell word: backslash, quote, dollar and backtick escaped. */
const inDoubleQuotes = (text: string) => text.replace(/[\\"$`]/g, '\\$&')

/** The files of a planned sweep, relative to its folder. */
export function sweepPlanFiles(
  planned: readonly PlannedRun[],
  study: StudyRef,
  paths: SweepPaths,
  createdAt: number,
  slurm: SlurmOptions = {},
): PlanFile[] {
  const of = planned.length
  const files: PlanFile[] = planned.map((run, i) => {
    const body: PlannedRunFile = {
      format: 'normlab-planned-run',
      version: 1,
      index: i + 1,
      of,
      study,
      name: run.name,
      config: run.config,
    }
    return { path: `runs/${runNumber(i + 1, of)}.json`, text: `${JSON.stringify(body, null, 2)}\n` }
  })
  const chunk = arrayChunk(slurm)
  const plan: SweepPlanFile = {
    format: 'normlab-sweep-plan',
    version: 1,
    createdAt,
    study,
    runs: planned.map((run, i) => ({ index: i + 1, name: run.name, file: files[i]!.path })),
    arrayLimit: chunk,
  }
  files.push({ path: 'plan.json', text: `${JSON.stringify(plan, null, 2)}\n` })
  files.push({ path: 'run.sh', text: runScript(of, study, paths, slurm), executable: true })
  files.push({ path: 'submit.sh', text: submitScript(of, paths, slurm), executable: true })
  return files
}

/** Slurm's default MaxArraySize: array indices run 0…1000. */
export const DEFAULT_MAX_ARRAY_SIZE = 1001
/** Tasks per submitted array: indices 1…chunk stay below the site's MaxArraySize. */
export const arrayChunk = (slurm: SlurmOptions): number => (slurm.maxArraySize ?? DEFAULT_MAX_ARRAY_SIZE) - 1

/**
 * Runs `indices` (1-based) as Slurm arrays: one `sbatch` per chunk, each task's index its array
 * index plus the chunk's offset (NORMLAB_OFFSET), so no index reaches the site's MaxArraySize.
 */
export function sbatchLines(indices: readonly number[], runScriptPath: string, slurm: SlurmOptions): string[] {
  const chunk = arrayChunk(slurm)
  const byOffset = new Map<number, number[]>()
  for (const i of indices) {
    const offset = Math.floor((i - 1) / chunk) * chunk
    byOffset.set(offset, [...(byOffset.get(offset) ?? []), i - offset])
  }
  const throttle = slurm.throttle !== undefined ? `%${slurm.throttle}` : ''
  return [...byOffset.entries()].map(
    ([offset, local]) =>
      `sbatch --array=${ranges(local)}${throttle} --export=ALL,NORMLAB_OFFSET=${offset} ${runScriptPath}`,
  )
}

/** 1,2,3,5,7,8 → "1-3,5,7-8": Slurm's array syntax. */
export function ranges(sorted: readonly number[]): string {
  const parts: string[] = []
  for (let i = 0; i < sorted.length;) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`)
    i = j + 1
  }
  return parts.join(',')
}

function submitScript(of: number, paths: SweepPaths, slurm: SlurmOptions): string {
  const all = Array.from({ length: of }, (_, i) => i + 1)
  return `#!/usr/bin/env bash
# Submits every run of this plan as Slurm array jobs, in chunks below the site's MaxArraySize
# (${slurm.maxArraySize ?? DEFAULT_MAX_ARRAY_SIZE}; sweep --max-array-size sets it). \`lab plan resubmit\` prints the same for unfinished runs only.
set -euo pipefail
${sbatchLines(all, `"${inDoubleQuotes(paths.planDir)}/run.sh"`, slurm).join('\n')}
`
}

function runScript(of: number, study: StudyRef, paths: SweepPaths, slurm: SlurmOptions): string {
  const width = Math.max(3, String(of).length)
  const oneArray = of <= arrayChunk(slurm)
  const asked = [
    slurm.time !== undefined ? `#SBATCH --time=${slurm.time}\n` : '',
    slurm.mem !== undefined ? `#SBATCH --mem=${slurm.mem}\n` : '',
    slurm.partition !== undefined ? `#SBATCH --partition=${slurm.partition}\n` : '',
    slurm.account !== undefined ? `#SBATCH --account=${slurm.account}\n` : '',
  ].join('')
  return `#!/usr/bin/env bash
# NormLab sweep “${study.name.replace(/\n/g, ' ')}”: ${of} runs, each trained into its own archive file.
#   Slurm:        ${oneArray ? `sbatch ${paths.planDir}/run.sh            (the array below runs 1-${of})` : `bash ${paths.planDir}/submit.sh        (${of} runs: arrays in chunks below MaxArraySize)`}
#   GNU parallel: seq ${of} | parallel -j 4 bash ${paths.planDir}/run.sh {}
#   by hand:      for i in $(seq ${of}); do bash ${paths.planDir}/run.sh "$i"; done
# Then merge:     npm run lab -- import ${paths.planDir}/archives/*.sqlite --db merged.sqlite
# Status and re-submitting what did not finish: npm run lab -- plan status|resubmit ${paths.planDir}
# A task run again (requeued, resubmitted, by hand) resumes its run from its last checkpoint, or
# does nothing if it has finished: never a second run. Slurm's warning before the time limit
# (USR1, 90 s ahead) makes the run keep a checkpoint and stop, and the task is requeued.
# NORMLAB_HOME, NORMLAB_PLAN_DIR and NORMLAB_BACKEND (wasm or cpu) override the defaults below.
#SBATCH --job-name=normlab-sweep
${oneArray ? `#SBATCH --array=1-${of}${slurm.throttle !== undefined ? `%${slurm.throttle}` : ''}\n` : ''}#SBATCH --cpus-per-task=${slurm.cpusPerTask ?? 2}
#SBATCH --signal=B:USR1@90
#SBATCH --requeue
${asked}#SBATCH --output=${paths.planDir}/logs/run-%A_%a.log
set -euo pipefail
PLAN_DIR="\${NORMLAB_PLAN_DIR:-${inDoubleQuotes(paths.planDir)}}"
NORMLAB_HOME="\${NORMLAB_HOME:-${inDoubleQuotes(paths.labHome)}}"
if [[ -n "\${1:-}" ]]; then
  i="$1"
elif [[ "\${SLURM_ARRAY_TASK_ID:-}" =~ ^[0-9]+$ ]]; then
  i=$(( SLURM_ARRAY_TASK_ID + \${NORMLAB_OFFSET:-0} ))
else
  i=""
fi
if ! [[ "$i" =~ ^[0-9]+$ ]] || (( i < 1 || i > ${of} )); then
  echo "usage: run.sh INDEX (1-${of}), or submit it as a Slurm array job" >&2
  exit 2
fi
n=$(printf '%0${width}d' "$i")
mkdir -p "$PLAN_DIR/archives" "$PLAN_DIR/logs"
cd "$NORMLAB_HOME"
node scripts/run-bundled.mjs electron/cli/main.ts train --from-plan "$PLAN_DIR/runs/$n.json" --db "$PLAN_DIR/archives/$n.sqlite" --backend "\${NORMLAB_BACKEND:-wasm}" &
child=$!
# A signal to this script goes on to the run (which keeps a checkpoint and stops); on Slurm's
# time-limit warning the task is requeued, and resumes when it starts again.
stop() {
  kill -"$1" "$child" 2>/dev/null || true
  code=0
  wait "$child" || code=$?
  if [[ "$1" == USR1 && -n "\${SLURM_JOB_ID:-}" ]] && command -v scontrol >/dev/null; then scontrol requeue "$SLURM_JOB_ID"; fi
  exit "$code"
}
trap 'stop USR1' USR1
trap 'stop TERM' TERM
trap 'stop INT' INT
code=0
wait "$child" || code=$?
exit "$code"
`
}
