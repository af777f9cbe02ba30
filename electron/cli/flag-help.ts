// What each CLI flag means and which values it takes, for `help <command>`: one line per flag.
// A flag that sets a training setting takes its type, allowed values and default from where
// they are decided — the TrainConfig schema the validation uses (as JSON Schema) and the app's
// defaults (DEFAULT_DRAFT, which the CLI applies) — so help never drifts from either.
import { z } from 'zod'
import { TrainConfig } from '../../shared/contract/train-config'
import { PRESET_IDS, DEFAULT_DRAFT, planInputOf } from '../../shared/lab/study-plan'
import { FIELD_OF_FLAG, GRID_FLAGS } from './study-flags'

const list = (values: readonly string[]) => values.join(', ')

/** A flag's value placeholder and meaning (a comma list where a sweep takes several). */
export const FLAG_HELP: Record<string, { value?: string; means: string }> = {
  db: { value: 'PATH', means: "the archive file (default: the app's archive)" },
  task: { value: 'T', means: 'what to learn (user: your file, --data)' },
  cell: { value: 'C', means: 'the recurrent cell (sweep: a comma list)' },
  norm: { value: 'N', means: 'the normalizer (sweep: a comma list)' },
  batch: { value: 'B', means: 'batch size (sweep: a comma list)' },
  batching: { value: 'M', means: 'variable lengths in a batch (sweep: a comma list)' },
  seed: { value: 'K', means: 'random seed (sweep: a comma list; 3 or more to judge findings)' },
  steps: { value: 'S', means: 'training steps' },
  hidden: { value: 'H', means: 'hidden units' },
  groups: { value: 'G', means: 'GroupNorm groups; must divide the normalized width' },
  lr: { value: 'R', means: 'learning rate' },
  optimizer: { value: 'O', means: 'the optimizer' },
  'clip-norm': { value: 'X', means: 'clip the gradient norm to X; 0: no clipping' },
  lengths: { value: 'L', means: 'sequence lengths: N (fixed), MIN-MAX (uniform) or longtail:MIN-MAX' },
  'record-every': { value: 'K', means: 'record per-time-step statistics every K steps; 0: never' },
  'eval-every': { value: 'K', means: 'held-out evaluation and a checkpoint every K steps; 0: at the end only' },
  snapshots: { value: 'P', means: 'keep a batch for Explore at first, middle, last or step numbers; none: no batch' },
  data: { value: 'FILE', means: 'your data file (JSONL or CSV) for --task user, or your copy of a report’s data' },
  config: { value: 'FILE', means: 'a JSON file of settings; flags override it' },
  'equal-samples': { means: 'scale steps by 1/batch size, so every batch size sees as many samples' },
  preset: { value: 'ID', means: `one of the app's presets, its settings and grid: ${list(PRESET_IDS)}` },
  study: { value: 'NAME|N', means: 'sweep: the new study’s name; elsewhere: a study id' },
  settle: { means: 'add seeds in rounds (3 → 5 → 8 → 12) until the claims are settled' },
  'max-seeds': { value: 'N', means: 'with --settle: at most N seeds (default 12)' },
  budget: { value: 'MIN', means: 'with --settle: stop adding rounds after MIN minutes' },
  plan: {
    value: 'DIR',
    means: 'write a cluster plan (one config per run, run.sh, submit.sh) instead of training here',
  },
  time: { value: 'T', means: 'with --plan: Slurm time limit per run (MINUTES, HH:MM:SS, D-HH:MM:SS)' },
  mem: { value: 'M', means: 'with --plan: Slurm memory per run (4G, 4000M)' },
  partition: { value: 'P', means: 'with --plan: Slurm partition(s)' },
  account: { value: 'A', means: 'with --plan: Slurm account' },
  'cpus-per-task': { value: 'N', means: 'with --plan: CPUs per run (default 2)' },
  throttle: { value: 'K', means: 'at most K array tasks at once (--array=…%K)' },
  'max-array-size': {
    value: 'M',
    means: "with --plan: the site's MaxArraySize (default 1001); larger plans go in chunks",
  },
  'from-report': { value: 'R.html', means: 'train the runs a report was made of again' },
  'from-plan': { value: 'FILE', means: 'train one run of a cluster plan (resumes it if the task ran before)' },
  jobs: {
    value: 'N',
    means: 'train N runs at once, each in a process of its own (auto, the default: one per core; 1: one after another)',
  },
  backend: { value: 'B', means: 'wasm (fast on this CPU) or cpu; checked against PyTorch references first' },
  run: { value: 'N', means: 'a run id' },
  runs: { value: 'IDS', means: 'run ids, comma separated (1,2,3)' },
  all: { means: 'every run (of the archive) this applies to' },
  json: { means: 'print machine-readable JSON instead of text' },
  lang: { value: 'L', means: 'en or zh-CN (default en)' },
  out: { value: 'PATH', means: 'where to write (never the archive itself)' },
  pdf: { value: 'PATH', means: 'also print the report as PDF with headless Chromium' },
  force: { means: 'replace an existing output file' },
  paper: { value: 'P', means: 'A4 or Letter (default A4)' },
  provenance: { value: 'P', means: 'basic (no paths, host names, platforms) or full (default basic)' },
  format: { value: 'F', means: 'csv or parquet (default csv)' },
  features: { means: 'also write per-feature values (at the steps the findings read them)' },
  'replace-newer': { means: 'take a run that changed elsewhere when the incoming one is newer' },
  status: { value: 'S', means: 'only runs in this status (queued, running, completed, failed, interrupted, diverged)' },
  tag: { value: 'T', means: 'only runs with this tag' },
}

type JsonSchema = {
  type?: string
  enum?: unknown[]
  default?: unknown
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  anyOf?: JsonSchema[]
}

/** TrainConfig as JSON Schema (input side): each field's type, bounds and allowed values. */
const CONFIG_FIELDS = (
  z.toJSONSchema(TrainConfig, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, JsonSchema> }
).properties

/** "one of a, b", "a whole number from 1 to 1024", "a number above 0, at most 10" (null: nothing simple to say). */
export function allowedValues(field: string): string | null {
  const s = CONFIG_FIELDS[field]
  if (!s) return null
  if (s.enum) return `one of ${s.enum.map(String).join(', ')}`
  if (s.type !== 'integer' && s.type !== 'number') return null
  const kind = s.type === 'integer' ? 'a whole number' : 'a number'
  const low =
    s.exclusiveMinimum !== undefined
      ? `above ${s.exclusiveMinimum}`
      : s.minimum !== undefined
        ? `from ${s.minimum}`
        : null
  const high =
    s.exclusiveMaximum !== undefined
      ? `below ${s.exclusiveMaximum}`
      : s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER
        ? `${low?.startsWith('from') ? 'to' : 'at most'} ${s.maximum}`
        : null
  if (low?.startsWith('from') && !high) return `${kind}, ${s.minimum} or more`
  return [kind, low, high]
    .filter(Boolean)
    .join(' ')
    .replace(/ (above \S+) (at most)/, ' $1, $2')
}

const APP_SETTINGS = planInputOf(DEFAULT_DRAFT).shared as Record<string, unknown>
const GRID = new Set(Object.keys(GRID_FLAGS))

/**
 * The value a flag left out takes, written as the flag takes it: a setting the app's New
 * experiment form's (study-flags.ts applies DEFAULT_DRAFT), a grid axis the schema's own default
 * (one run, not the form's grid).
 */
export function appDefault(flag: string): string | null {
  if (flag === 'task') return null // always named
  const field = FIELD_OF_FLAG[flag] ?? ''
  const value: unknown = GRID.has(flag) ? CONFIG_FIELDS[field]?.default : APP_SETTINGS[field]
  if (value === undefined) return null
  if (flag === 'lengths') {
    const l = value as { kind: string; min?: number; max?: number; length?: number }
    return l.kind === 'fixed' ? String(l.length) : `${l.kind === 'longtail' ? 'longtail:' : ''}${l.min}-${l.max}`
  }
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(',')
  return String(value)
}

/** A flag's whole help text: what it means, then (a training setting) its values and default. */
export function flagMeaning(flag: string): string | undefined {
  const help = FLAG_HELP[flag]
  const field = FIELD_OF_FLAG[flag]
  if (!field) return help?.means
  const values = allowedValues(field)
  const fallback = appDefault(flag)
  return [help?.means, values, fallback === null ? null : `default ${fallback}`].filter(Boolean).join('; ')
}
