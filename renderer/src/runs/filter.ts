// The Runs page's filter: what the user typed and picked, and the listRuns request it makes.
export interface RunFilter {
  text: string
  study: string
  task: string
  cell: string
  norm: string
  batchSize: string
  status: string
  tag: string
}

export const EMPTY_FILTER: RunFilter = {
  text: '',
  study: '',
  task: '',
  cell: '',
  norm: '',
  batchSize: '',
  status: '',
  tag: '',
}

export const isEmptyFilter = (f: RunFilter): boolean => JSON.stringify(f) === JSON.stringify(EMPTY_FILTER)

/** The listRuns filter: blank fields left out, the batch size only when it is a whole number. */
export function filterRequest(filter: RunFilter): Record<string, unknown> {
  const f: Record<string, unknown> = {}
  if (filter.text.trim()) f.text = filter.text.trim()
  if (filter.study) f.studyId = Number(filter.study)
  if (filter.task) f.task = filter.task
  if (filter.cell) f.cell = filter.cell
  if (filter.norm) f.norm = filter.norm
  if (filter.status) f.status = filter.status
  if (filter.tag.trim()) f.tag = filter.tag.trim()
  const batch = Number(filter.batchSize)
  if (filter.batchSize.trim() && Number.isInteger(batch)) f.batchSize = batch
  return f
}
