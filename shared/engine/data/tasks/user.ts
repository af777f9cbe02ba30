// The user's own sequences, from JSONL or CSV text, validated with the line and field of every
// problem (up to 20 listed) before anything trains or is written.
//
// JSONL, one sequence per line:   {"x": [[0.1, 2.0], [0.3, 1.5]], "label": 2}      (a class)
//                            or:   {"x": [[0.1], [0.3], [0.2]], "target": 0.75}       (a number)
// CSV, one row per time step, rows of a sequence together, steps 0, 1, 2, …:
//   sequence,step,label,f1,f2
//   a,0,1,0.1,2.0
//   a,1,1,0.3,1.5
import type { Sample, TargetKind } from '../batch'
import { datasetTask, type Task } from '../task'

export interface UserProblem {
  line: number
  field: string
  message: string
}

export class UserDataError extends Error {
  constructor(readonly problems: UserProblem[]) {
    super(
      `The data has ${problems.length}${problems.length >= MAX_PROBLEMS ? '+' : ''} problem(s):\n` +
        problems.map((p) => `  line ${p.line}, ${p.field}: ${p.message}`).join('\n'),
    )
    this.name = 'UserDataError'
  }
}

export interface UserData {
  samples: Sample[]
  inputSize: number
  outputs: number
  targetKind: Exclude<TargetKind, 'sequence'>
}

const MAX_PROBLEMS = 20

class Problems {
  list: UserProblem[] = []
  add(line: number, field: string, message: string): void {
    if (this.list.length < MAX_PROBLEMS) this.list.push({ line, field, message })
  }
  get full(): boolean {
    return this.list.length >= MAX_PROBLEMS
  }
}

interface Raw {
  line: number
  rows: number[][]
  value: number
  kind: 'class' | 'regression'
}

function finish(raws: Raw[], problems: Problems): UserData {
  if (raws.length === 0 && problems.list.length === 0) problems.add(1, '(file)', 'holds no sequences')
  const first = raws[0]
  if (first) {
    const D = first.rows[0]?.length ?? 0
    for (const r of raws) {
      if (r.kind !== first.kind)
        problems.add(
          r.line,
          r.kind === 'class' ? 'label' : 'target',
          `every sequence must use the same kind of answer as line ${first.line} (${first.kind === 'class' ? 'label' : 'target'})`,
        )
      r.rows.forEach((row, t) => {
        if (row.length !== D)
          problems.add(r.line, `x[${t}]`, `has ${row.length} features, but line ${first.line} has ${D}`)
      })
    }
  }
  if (problems.list.length > 0) throw new UserDataError(problems.list)
  const kind = first!.kind
  const D = first!.rows[0]!.length
  const samples = raws.map((r) => ({ x: Float32Array.from(r.rows.flat()), length: r.rows.length, label: r.value }))
  const outputs = kind === 'class' ? raws.reduce((max, r) => Math.max(max, r.value), 0) + 1 : 1
  if (kind === 'class' && outputs < 2)
    throw new UserDataError([
      { line: first!.line, field: 'label', message: 'a classification needs at least two classes (labels 0 and 1)' },
    ])
  return { samples, inputSize: D, outputs, targetKind: kind }
}

/** The largest float32: training computes in float32, so a larger value would become Infinity there. */
const FLOAT32_MAX = 3.4028234663852886e38
/** A number the model can read: finite in float32, not only in JavaScript's float64 (1e39 passed, then trained to NaN). */
const representable = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= FLOAT32_MAX
const FINITE = 'must be a finite number within ±3.4e38 (float32, what training computes in)'

function checkAnswer(value: unknown, field: 'label' | 'target', line: number, problems: Problems): number | null {
  if (!representable(value)) {
    problems.add(line, field, `${FINITE}, got ${JSON.stringify(value)}`)
    return null
  }
  if (field === 'label' && (!Number.isInteger(value) || value < 0 || value > 9999)) {
    problems.add(line, field, `a class label must be a whole number from 0 to 9999, got ${value}`)
    return null
  }
  return value
}

export function parseJsonl(text: string): UserData {
  const problems = new Problems()
  const raws: Raw[] = []
  text.split(/\r?\n/).forEach((source, i) => {
    const line = i + 1
    if (source.trim() === '' || problems.full) return
    let value: unknown
    try {
      value = JSON.parse(source)
    } catch (error) {
      problems.add(line, '(line)', `is not valid JSON: ${(error as Error).message}`)
      return
    }
    if (!value || typeof value !== 'object' || Array.isArray(value))
      return problems.add(line, '(line)', 'must be a JSON object with "x" and "label" or "target"')
    const o = value as Record<string, unknown>
    const extra = Object.keys(o).filter((k) => k !== 'x' && k !== 'label' && k !== 'target')
    if (extra.length > 0) problems.add(line, extra[0]!, 'is not a known field (use x, and label or target)')
    if ('label' in o === 'target' in o)
      return problems.add(line, 'label', 'give exactly one of "label" (a class) or "target" (a number)')
    const field = 'label' in o ? 'label' : 'target'
    const answer = checkAnswer(o[field], field, line, problems)
    if (!Array.isArray(o.x) || o.x.length === 0)
      return problems.add(line, 'x', 'must be a non-empty array of time steps')
    if (o.x.length > 10_000) return problems.add(line, 'x', `has ${o.x.length} steps; the limit is 10000`)
    const rows: number[][] = []
    for (const [t, step] of o.x.entries()) {
      const row = Array.isArray(step) ? step : typeof step === 'number' ? [step] : null
      if (!row || row.length === 0)
        return problems.add(line, `x[${t}]`, 'must be an array of numbers (the features of one step)')
      const bad = row.findIndex((v) => !representable(v))
      if (bad >= 0) return problems.add(line, `x[${t}][${bad}]`, `${FINITE}, got ${JSON.stringify(row[bad])}`)
      rows.push(row as number[])
    }
    if (answer !== null) raws.push({ line, rows, value: answer, kind: field === 'label' ? 'class' : 'regression' })
  })
  return finish(raws, problems)
}

export function parseCsv(text: string): UserData {
  const problems = new Problems()
  const lines = text.split(/\r?\n/)
  const header = (lines[0] ?? '').split(',').map((h) => h.trim())
  if (
    header[0] !== 'sequence' ||
    header[1] !== 'step' ||
    (header[2] !== 'label' && header[2] !== 'target') ||
    header.length < 4
  ) {
    throw new UserDataError([
      {
        line: 1,
        field: '(header)',
        message:
          'must be "sequence,step,label,<feature>…" or "sequence,step,target,<feature>…" with at least one feature column',
      },
    ])
  }
  const kind = header[2] === 'label' ? 'class' : 'regression'
  const raws: Raw[] = []
  const seen = new Set<string>()
  let current: (Raw & { id: string }) | null = null
  for (let i = 1; i < lines.length && !problems.full; i++) {
    const line = i + 1
    const source = lines[i]!
    if (source.trim() === '') continue
    const cells = source.split(',').map((c) => c.trim())
    if (cells.length !== header.length) {
      problems.add(line, '(row)', `has ${cells.length} fields, the header has ${header.length}`)
      continue
    }
    const [id, stepText, answerText, ...features] = cells as [string, string, string, ...string[]]
    if (id === '') problems.add(line, 'sequence', 'must not be empty')
    const step = Number(stepText)
    const answer = checkAnswer(
      answerText === '' ? NaN : Number(answerText),
      header[2] as 'label' | 'target',
      line,
      problems,
    )
    const row = features.map((f, j) => {
      const v = f === '' ? NaN : Number(f)
      if (!representable(v)) problems.add(line, header[j + 3]!, `${FINITE}, got "${f}"`)
      return v
    })
    if (!current || current.id !== id) {
      if (seen.has(id)) problems.add(line, 'sequence', `"${id}" appeared before: keep the rows of a sequence together`)
      seen.add(id)
      current = { id, line, rows: [], value: answer ?? 0, kind }
      raws.push(current)
    } else if (answer !== null && answer !== current.value) {
      problems.add(line, header[2]!, `changes within sequence "${id}" (was ${current.value} on line ${current.line})`)
    }
    if (step !== current.rows.length)
      problems.add(
        line,
        'step',
        `must be ${current.rows.length} (steps count 0, 1, 2, … within a sequence), got "${stepText}"`,
      )
    current.rows.push(row)
  }
  return finish(
    raws.map(({ line, rows, value, kind }) => ({ line, rows, value, kind })),
    problems,
  )
}

export function userTask(data: UserData, seed: number, heldOutFraction = 0.2): Task {
  return datasetTask(data.samples, seed, heldOutFraction, (sample) => sample, {
    name: 'user',
    inputSize: data.inputSize,
    outputs: data.outputs,
    targetKind: data.targetKind,
  })
}
