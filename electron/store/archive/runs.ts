// Studies and runs (with their tags): rows ↔ contract objects, and nothing else. Which runs are
// interrupted, or may be deleted, is decided by the services that call this store.
import { createHash, randomUUID } from 'node:crypto'
import {
  ApiError,
  DeviceInfo,
  notFound,
  StudyDesign,
  type RequestOf,
  type Run,
  type RunStatus,
  type Study,
} from '../../../shared/contract'
import { FINAL_STATUSES, RUN_TRANSITIONS } from '../../../shared/kinds'
import { leftBehind, liveJudge } from '../lease-judge'
import { canonicalJson } from '../../../shared/canonical-json'
import { insertMany, type Param, type SqliteDb } from '../sqlite'

interface RunRow {
  id: number
  uuid: string
  host: string | null
  study_id: number | null
  name: string
  status: RunStatus
  config_json: string
  config_hash: string
  task: string
  cell: Run['cell']
  norm: Run['norm']
  batch_size: number
  seed: number
  device_json: string | null
  created_at: number
  started_at: number | null
  ended_at: number | null
  tags_json: string
  notes: string
  starred: number
  error: string | null
  lease_owner: string | null
  lease_host: string | null
  lease_pid: number | null
  lease_heartbeat: number | null
}

const RUN_COLUMNS = `runs.*, (SELECT json_group_array(tag) FROM (SELECT tag FROM run_tags WHERE run_id = runs.id ORDER BY tag)) AS tags_json`

function toRun(row: RunRow): Run {
  return {
    id: row.id,
    uuid: row.uuid,
    studyId: row.study_id,
    name: row.name,
    status: row.status,
    config: JSON.parse(row.config_json) as Run['config'],
    configHash: row.config_hash,
    task: row.task,
    cell: row.cell,
    norm: row.norm,
    batchSize: row.batch_size,
    seed: row.seed,
    // Parsed, not cast: rows written before a field existed get its default (numerics: null).
    device: row.device_json === null ? null : DeviceInfo.parse(JSON.parse(row.device_json)),
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    tags: JSON.parse(row.tags_json) as string[],
    notes: row.notes,
    starred: row.starred === 1,
    error: row.error,
    host: row.host ?? null,
    lease:
      row.lease_owner == null
        ? null
        : {
            owner: row.lease_owner,
            host: row.lease_host ?? '',
            pid: row.lease_pid ?? 0,
            heartbeatAt: row.lease_heartbeat ?? 0,
          },
  }
}

/** The process writing to the archive: a lease names it, so another process can tell whether it lives. */
export interface WriterProcess {
  host: string
  pid: number
}

interface StudyRow {
  id: number
  uuid: string
  name: string
  description: string
  created_at: number
  run_count: number
  design_json: string | null
}
const STUDY_SELECT = 'SELECT s.*, (SELECT COUNT(*) FROM runs r WHERE r.study_id = s.id) AS run_count FROM studies s'

function toStudy(row: StudyRow): Study {
  return {
    id: row.id,
    uuid: row.uuid,
    name: row.name,
    description: row.description,
    createdAt: row.created_at,
    runCount: row.run_count,
    design: row.design_json === null ? null : StudyDesign.parse(JSON.parse(row.design_json)),
  }
}

/** A config's identity: the hash of its canonical JSON. */
export function configHash(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16)
}

const FINAL: ReadonlySet<RunStatus> = new Set(FINAL_STATUSES)

/** Changes that only the trainer holding a running run's lease may make (besides ending it). */
const TRAINER_FIELDS = ['device', 'error'] as const

/**
 * The one place a run's record may change, whichever door the request came through (the app, the
 * web API, the CLI): its status only along RUN_TRANSITIONS; a lease taken only from a trainer that
 * is gone; a running run ended, or its device and error set, only under its lease; a finished run
 * kept as it is (its name, tags, notes and star stay editable).
 */
export function authorizeUpdate(run: Run, req: RequestOf<'updateRun'>, judge = liveJudge()): void {
  const refuse = (message: string) => {
    throw new ApiError('conflict', `run ${run.id}: ${message}`)
  }
  const changesStatus = req.status !== undefined && req.status !== run.status
  const lifecycle = changesStatus || req.lease !== undefined || TRAINER_FIELDS.some((f) => req[f] !== undefined)
  if (!lifecycle) return
  if (FINAL.has(run.status))
    refuse(
      `it has ended (${run.status}), and its record stays as it is: only its name, tags, notes and star can change`,
    )
  if (changesStatus && !RUN_TRANSITIONS[run.status].includes(req.status!))
    refuse(`a ${run.status} run cannot become ${req.status}`)
  if (req.status === 'running' && req.lease === undefined && run.status !== 'running')
    refuse('a run starts under a lease: give lease.owner')
  const holder = run.lease?.owner ?? null
  const gone = run.status === 'running' && leftBehind(run, judge) !== null
  if (req.lease !== undefined) {
    if (run.status === 'running' && holder !== req.lease.owner && !gone)
      refuse(
        `it is trained by another process (pid ${run.lease?.pid} on ${run.lease?.host}); its lease is taken only once that process is gone`,
      )
    if (req.status !== undefined && req.status !== 'running') refuse('a lease goes with status "running"')
    return
  }
  // Ending a running run, or setting its device or error: its trainer's word only.
  if (run.status === 'running' && req.owner !== holder && !gone)
    refuse('only the trainer that holds its lease can end it or change its device or error (give owner)')
}

/** The id a new row of `table` takes: one past the largest ever inserted (migration 0006), so a deleted id is never given again. */
export const NEXT_ID = (table: 'runs' | 'studies', schema = 'main') =>
  `(SELECT max_id + 1 FROM ${schema}.id_high_water WHERE name = '${table}')`

export class StudyStore {
  constructor(private readonly db: SqliteDb) {}

  create(req: RequestOf<'createStudy'>): Promise<Study> {
    return this.db.transaction(async () => {
      // A sweep's run archives name one study by UUID; the second run into the same archive finds it.
      if (req.uuid) {
        const existing = await this.db.get<{ id: number }>('SELECT id FROM studies WHERE uuid = ?', [req.uuid])
        if (existing) return (await this.byId(existing.id))!
      }
      const { lastID } = await this.db.run(
        `INSERT INTO studies (id, uuid, name, description, created_at, design_json) VALUES (${NEXT_ID('studies')}, ?, ?, ?, ?, ?)`,
        [
          req.uuid ?? randomUUID(),
          req.name,
          req.description,
          Date.now(),
          req.design === null ? null : JSON.stringify(req.design),
        ],
      )
      return (await this.byId(lastID))!
    })
  }

  list(): Promise<Study[]> {
    return this.db.exclusive(async () =>
      (await this.db.all<StudyRow>(`${STUDY_SELECT} ORDER BY s.id DESC`)).map(toStudy),
    )
  }

  /** Inside a unit of work. */
  async byId(id: number): Promise<Study | undefined> {
    const row = await this.db.get<StudyRow>(`${STUDY_SELECT} WHERE s.id = ?`, [id])
    return row && toStudy(row)
  }
}

export class RunStore {
  constructor(
    private readonly db: SqliteDb,
    private readonly studies: StudyStore,
    private readonly writer: WriterProcess,
  ) {}

  create(req: RequestOf<'createRun'>): Promise<Run> {
    return this.db.transaction(async () => {
      if (req.studyId !== null && !(await this.studies.byId(req.studyId))) throw notFound(`study ${req.studyId}`)
      const now = Date.now()
      const { config } = req
      const { lastID } = await this.db.run(
        `INSERT INTO runs (id, uuid, study_id, name, status, config_json, config_hash, task, cell, norm, batch_size, seed,
                           backend, device_json, created_at, started_at, notes)
         VALUES (${NEXT_ID('runs')}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          randomUUID(),
          req.studyId,
          req.name,
          req.status,
          JSON.stringify(config),
          configHash(config),
          config.task,
          config.cell,
          config.norm,
          config.batchSize,
          config.seed,
          req.device?.backend ?? null,
          req.device === null ? null : JSON.stringify(req.device),
          now,
          req.status === 'running' ? now : null,
          req.notes,
        ],
      )
      await this.writeTags(lastID, req.tags)
      return (await this.byId(lastID))!
    })
  }

  list(req: RequestOf<'listRuns'>): Promise<Run[]> {
    const where: string[] = []
    const params: Param[] = []
    const f = req.filter
    const equal = (column: string, value: Param | undefined) => {
      if (value !== undefined) {
        where.push(`${column} = ?`)
        params.push(value)
      }
    }
    equal('task', f.task)
    equal('cell', f.cell)
    equal('norm', f.norm)
    equal('batch_size', f.batchSize)
    equal('status', f.status)
    equal('study_id', f.studyId)
    if (f.starred !== undefined) equal('starred', f.starred ? 1 : 0)
    if (f.tag !== undefined) {
      where.push('EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = runs.id AND t.tag = ?)')
      params.push(f.tag)
    }
    if (f.text !== undefined && f.text.trim() !== '') {
      const like = `%${f.text.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
      where.push(
        `(name LIKE ? ESCAPE '\\' OR notes LIKE ? ESCAPE '\\' OR task LIKE ? ESCAPE '\\'
          OR EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = runs.id AND t.tag LIKE ? ESCAPE '\\'))`,
      )
      params.push(like, like, like, like)
    }
    const sql = `SELECT ${RUN_COLUMNS} FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC`
    return this.db.exclusive(async () => (await this.db.all<RunRow>(sql, params)).map(toRun))
  }

  get(id: number): Promise<Run> {
    return this.db.exclusive(() => this.require(id))
  }

  update(req: RequestOf<'updateRun'>): Promise<Run> {
    return this.db.transaction(async () => {
      const run = await this.require(req.id)
      authorizeUpdate(run, req)
      const sets: string[] = []
      const params: Param[] = []
      const set = (column: string, value: Param) => {
        sets.push(`${column} = ?`)
        params.push(value)
      }
      if (req.name !== undefined) set('name', req.name)
      if (req.notes !== undefined) set('notes', req.notes)
      if (req.starred !== undefined) set('starred', req.starred ? 1 : 0)
      if (req.error !== undefined) set('error', req.error)
      if (req.device !== undefined) {
        set('backend', req.device.backend)
        set('device_json', JSON.stringify(req.device))
      }
      const now = Date.now()
      if (req.status !== undefined && req.status !== run.status) {
        set('status', req.status)
        if (req.status === 'running' && run.startedAt === null) set('started_at', now)
        if (FINAL.has(req.status)) set('ended_at', now)
        if (req.status === 'running' || req.status === 'queued') set('ended_at', null)
      }
      if (req.lease !== undefined) {
        set('host', this.writer.host)
        set('lease_owner', req.lease.owner)
        set('lease_host', this.writer.host)
        set('lease_pid', this.writer.pid)
        set('lease_heartbeat', now)
      } else if (req.status !== undefined && req.status !== 'running') {
        // A run that is not training has no trainer.
        for (const column of ['lease_owner', 'lease_host', 'lease_pid', 'lease_heartbeat']) set(column, null)
      }
      if (sets.length > 0) await this.db.run(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`, [...params, req.id])
      if (req.tags !== undefined) {
        await this.db.run('DELETE FROM run_tags WHERE run_id = ?', [req.id])
        await this.writeTags(req.id, req.tags)
      }
      return this.require(req.id)
    })
  }

  delete(id: number): Promise<{ deleted: boolean }> {
    // Foreign keys cascade to every table that belongs to the run.
    return this.db.transaction(async () => {
      const row = await this.db.get<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`, [id])
      const run = row && toRun(row)
      if (run && run.status === 'running' && leftBehind(run, liveJudge()) === null)
        throw new ApiError(
          'conflict',
          `run ${id} is being trained (pid ${run.lease?.pid} on ${run.lease?.host}): stop it first, then delete it`,
        )
      return { deleted: (await this.db.run('DELETE FROM runs WHERE id = ?', [id])).changes > 0 }
    })
  }

  /** Renews the leases `owner` holds on these runs; returns the runs it still holds. */
  heartbeat(owner: string, ids: readonly number[]): Promise<number[]> {
    return this.db.transaction(async () => {
      const rows = await this.db.all<{ id: number }>(
        `UPDATE runs SET lease_heartbeat = ? WHERE lease_owner = ? AND status = 'running' AND id IN (${ids.map(() => '?').join(',')}) RETURNING id`,
        [Date.now(), owner, ...ids],
      )
      return rows.map((r) => r.id).sort((a, b) => a - b)
    })
  }

  /** Runs in the "running" status with their leases (for the services to judge). */
  running(): Promise<Pick<Run, 'id' | 'lease'>[]> {
    return this.db.exclusive(async () =>
      (await this.db.all<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE status = 'running' ORDER BY id`)).map((r) => ({
        id: r.id,
        lease: toRun(r).lease,
      })),
    )
  }

  /** Ends the given runs as interrupted, with a reason; only those still running change. */
  markInterrupted(ids: readonly number[], reason: string): Promise<number[]> {
    if (ids.length === 0) return Promise.resolve([])
    return this.db.transaction(async () => {
      const rows = await this.db.all<{ id: number }>(
        `UPDATE runs SET status = 'interrupted', ended_at = ?, error = COALESCE(error, ?), lease_owner = NULL, lease_host = NULL, lease_pid = NULL, lease_heartbeat = NULL
         WHERE status = 'running' AND id IN (${ids.map(() => '?').join(',')}) RETURNING id`,
        [Date.now(), reason, ...ids],
      )
      return rows.map((r) => r.id).sort((a, b) => a - b)
    })
  }

  private async writeTags(runId: number, tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return
    await insertMany(
      this.db,
      'INSERT OR IGNORE INTO run_tags (run_id, tag)',
      2,
      tags.map((t) => [runId, t]),
    )
  }

  /** The run, read inside a unit of work that already holds the connection (a store's transaction). */
  byIdInTransaction(id: number): Promise<Run | undefined> {
    return this.byId(id)
  }

  /** Inside the caller's transaction: the run trains again under `owner`'s lease, its end and error cleared (a resumed run). */
  async takeLease(id: number, owner: string, device: DeviceInfo | undefined): Promise<void> {
    const now = Date.now()
    await this.db.run(
      `UPDATE runs SET status = 'running', ended_at = NULL, error = NULL, started_at = COALESCE(started_at, ?), host = ?,
         lease_owner = ?, lease_host = ?, lease_pid = ?, lease_heartbeat = ? ${device ? ', backend = ?, device_json = ?' : ''} WHERE id = ?`,
      [
        now,
        this.writer.host,
        owner,
        this.writer.host,
        this.writer.pid,
        now,
        ...(device ? [device.backend, JSON.stringify(device)] : []),
        id,
      ],
    )
  }

  private async byId(id: number): Promise<Run | undefined> {
    const row = await this.db.get<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`, [id])
    return row && toRun(row)
  }

  private async require(id: number): Promise<Run> {
    const run = await this.byId(id)
    if (!run) throw notFound(`run ${id}`)
    return run
  }
}
