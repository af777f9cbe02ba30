// The experiment archive: one SQLite file holding runs, studies, metrics, per-timestep
// statistics, population statistics and evaluations. Every method is one unit of work on the
// connection's queue; every write is one transaction, so a bad batch leaves nothing behind.
import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import {
  DeviceInfo,
  matrixShape,
  notFound,
  type EvaluationResult,
  type MetricSeries,
  type PopulationRecord,
  type RequestOf,
  type ResponseOf,
  type Run,
  type RunStatus,
  type Study,
  type TimestepRecord,
} from '../../shared/contract'
import { float32Blob, int32Blob, matrixBlob, readFloat32, readInt32, readMatrix } from './blobs'
import { loadMigrations, migrate, verifyBeforeOpening, type Migration } from './migrations'
import { insertMany, SqliteDb, type Param } from './sqlite'

const TERMINAL: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'interrupted', 'diverged'])

interface RunRow {
  id: number
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
}

const RUN_COLUMNS = `runs.*, (SELECT json_group_array(tag) FROM (SELECT tag FROM run_tags WHERE run_id = runs.id ORDER BY tag)) AS tags_json`

function toRun(row: RunRow): Run {
  return {
    id: row.id,
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
  }
}

/** JSON with sorted keys, so equal configs hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export function configHash(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16)
}

export interface OpenOptions {
  /** Folder of NNNN_name.sql files, or the migrations themselves. */
  migrations: string | Migration[]
  /** Mark runs left "running" as "interrupted" (only the app does this, at start). */
  markInterrupted?: boolean
}

export class Archive {
  private constructor(
    private readonly db: SqliteDb,
    readonly path: string,
    readonly schemaVersion: number,
  ) {}

  static async open(path: string, options: OpenOptions): Promise<Archive> {
    const known = typeof options.migrations === 'string' ? loadMigrations(options.migrations) : options.migrations
    await verifyBeforeOpening(path, known)
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    const db = await SqliteDb.open(path)
    try {
      await db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;')
      const version = await migrate(db, known)
      const archive = new Archive(db, path, version)
      if (options.markInterrupted) await archive.markInterrupted()
      return archive
    } catch (error) {
      await db.close().catch(() => undefined)
      throw error
    }
  }

  close(): Promise<void> {
    return this.db.close()
  }

  /** Runs that were "running" when the app last stopped cannot still be: mark them interrupted. */
  markInterrupted(): Promise<number[]> {
    return this.db.transaction(async () => {
      const rows = await this.db.all<{ id: number }>("SELECT id FROM runs WHERE status = 'running'")
      await this.db.run("UPDATE runs SET status = 'interrupted', ended_at = ? WHERE status = 'running'", [Date.now()])
      return rows.map((r) => r.id)
    })
  }

  // ---- studies -------------------------------------------------------------------------------

  createStudy(req: RequestOf<'createStudy'>): Promise<Study> {
    return this.db.transaction(async () => {
      const { lastID } = await this.db.run('INSERT INTO studies (name, description, created_at) VALUES (?, ?, ?)', [
        req.name,
        req.description,
        Date.now(),
      ])
      return (await this.studyById(lastID))!
    })
  }

  listStudies(): Promise<Study[]> {
    return this.db.exclusive(async () => {
      const rows = await this.db.all<StudyRow>(`${STUDY_SELECT} ORDER BY s.id DESC`)
      return rows.map(toStudy)
    })
  }

  private async studyById(id: number): Promise<Study | undefined> {
    const row = await this.db.get<StudyRow>(`${STUDY_SELECT} WHERE s.id = ?`, [id])
    return row && toStudy(row)
  }

  // ---- runs ----------------------------------------------------------------------------------

  createRun(req: RequestOf<'createRun'>): Promise<Run> {
    return this.db.transaction(async () => {
      if (req.studyId !== null && !(await this.studyById(req.studyId))) throw notFound(`study ${req.studyId}`)
      const now = Date.now()
      const { config } = req
      const { lastID } = await this.db.run(
        `INSERT INTO runs (study_id, name, status, config_json, config_hash, task, cell, norm, batch_size, seed,
                           backend, device_json, created_at, started_at, notes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
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
      return (await this.runById(lastID))!
    })
  }

  listRuns(req: RequestOf<'listRuns'>): Promise<Run[]> {
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

  getRun(id: number): Promise<Run> {
    return this.db.exclusive(() => this.requireRun(id))
  }

  updateRun(req: RequestOf<'updateRun'>): Promise<Run> {
    return this.db.transaction(async () => {
      const run = await this.requireRun(req.id)
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
      if (req.status !== undefined && req.status !== run.status) {
        set('status', req.status)
        const now = Date.now()
        if (req.status === 'running' && run.startedAt === null) set('started_at', now)
        if (TERMINAL.has(req.status)) set('ended_at', now)
        if (req.status === 'running' || req.status === 'queued') set('ended_at', null)
      }
      if (sets.length > 0) await this.db.run(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`, [...params, req.id])
      if (req.tags !== undefined) {
        await this.db.run('DELETE FROM run_tags WHERE run_id = ?', [req.id])
        await this.writeTags(req.id, req.tags)
      }
      return this.requireRun(req.id)
    })
  }

  deleteRun(id: number): Promise<{ deleted: boolean }> {
    // Foreign keys cascade to every table that belongs to the run.
    return this.db.transaction(async () => ({ deleted: (await this.db.run('DELETE FROM runs WHERE id = ?', [id])).changes > 0 }))
  }

  private async writeTags(runId: number, tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return
    await insertMany(this.db, 'INSERT OR IGNORE INTO run_tags (run_id, tag)', 2, tags.map((t) => [runId, t]))
  }

  private async runById(id: number): Promise<Run | undefined> {
    const row = await this.db.get<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`, [id])
    return row && toRun(row)
  }

  private async requireRun(id: number): Promise<Run> {
    const run = await this.runById(id)
    if (!run) throw notFound(`run ${id}`)
    return run
  }

  private async requireRunIds(ids: readonly number[]): Promise<void> {
    const unique = [...new Set(ids)]
    const rows = await this.db.all<{ id: number }>(`SELECT id FROM runs WHERE id IN (${unique.map(() => '?').join(',')})`, unique)
    const found = new Set(rows.map((r) => r.id))
    const missing = unique.filter((id) => !found.has(id))
    if (missing.length > 0) throw notFound(`run ${missing.join(', ')}`)
  }

  // ---- metrics -------------------------------------------------------------------------------

  appendMetrics(req: RequestOf<'appendMetrics'>): Promise<{ written: number }> {
    return this.db.transaction(async () => {
      await this.requireRun(req.runId)
      const rows = req.points.map((p) => [req.runId, p.name, p.step, p.value, p.wallMs])
      const written = await insertMany(
        this.db,
        'INSERT INTO metrics (run_id, name, step, value, wall_ms)',
        5,
        rows,
        'ON CONFLICT (run_id, name, step) DO UPDATE SET value = excluded.value, wall_ms = excluded.wall_ms',
      )
      return { written }
    })
  }

  queryMetrics(req: RequestOf<'queryMetrics'>): Promise<{ series: MetricSeries[] }> {
    return this.db.exclusive(async () => {
      await this.requireRunIds(req.runIds)
      const series: MetricSeries[] = []
      for (const runId of req.runIds) {
        const names =
          req.names ?? (await this.db.all<{ name: string }>('SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name', [runId])).map((r) => r.name)
        for (const name of names) {
          const rows = await this.db.all<{ step: number; value: number; wall_ms: number }>(
            'SELECT step, value, wall_ms FROM metrics WHERE run_id = ? AND name = ? ORDER BY step',
            [runId, name],
          )
          series.push({ runId, name, steps: rows.map((r) => r.step), values: rows.map((r) => r.value), wallMs: rows.map((r) => r.wall_ms) })
        }
      }
      return { series }
    })
  }

  // ---- per-timestep statistics ---------------------------------------------------------------

  appendTimestepStats(req: RequestOf<'appendTimestepStats'>): Promise<{ written: number }> {
    return this.db.transaction(async () => {
      await this.requireRun(req.runId)
      const rows = req.records.map((r: TimestepRecord) => [
        req.runId,
        r.layer,
        r.term,
        r.step,
        r.count.length,
        r.featureMean ? matrixShape(r.featureMean).columns : 0,
        int32Blob(r.count),
        r.normCount ? int32Blob(r.normCount) : null,
        float32Blob(r.mean),
        float32Blob(r.var),
      ])
      const ids: number[] = []
      const perStatement = 400
      for (let start = 0; start < rows.length; start += perStatement) {
        const chunk = rows.slice(start, start + perStatement)
        const inserted = await this.db.all<{ id: number }>(
          `INSERT INTO timestep_stats (run_id, layer, term, step, time_steps, features, count, norm_count, mean, var)
           VALUES ${chunk.map(() => '(?,?,?,?,?,?,?,?,?,?)').join(',')}
           ON CONFLICT (run_id, layer, term, step) DO UPDATE SET time_steps = excluded.time_steps,
             features = excluded.features, count = excluded.count, norm_count = excluded.norm_count, mean = excluded.mean, var = excluded.var
           RETURNING id`,
          chunk.flat(),
        )
        ids.push(...inserted.map((r) => r.id))
      }
      // RETURNING gives rows in insertion order, one per VALUES tuple.
      const features: Param[][] = []
      req.records.forEach((r, i) => {
        if (r.featureMean && r.featureVar) features.push([ids[i]!, matrixBlob(r.featureMean), matrixBlob(r.featureVar)])
      })
      await this.db.run(`DELETE FROM timestep_features WHERE stat_id IN (${ids.map(() => '?').join(',')})`, ids)
      if (features.length > 0) await insertMany(this.db, 'INSERT INTO timestep_features (stat_id, feature_mean, feature_var)', 3, features)
      return { written: ids.length }
    })
  }

  listTimestepSeries(runId: number): Promise<ResponseOf<'listTimestepSeries'>> {
    return this.db.exclusive(async () => {
      await this.requireRun(runId)
      const rows = await this.db.all<{ layer: number; term: 'x' | 'h' | 'c'; t: number; c: number; n: number; first: number; last: number }>(
        `SELECT layer, term, MAX(time_steps) AS t, MAX(features) AS c, COUNT(*) AS n, MIN(step) AS first, MAX(step) AS last
         FROM timestep_stats WHERE run_id = ? GROUP BY layer, term ORDER BY layer, CASE term WHEN 'x' THEN 0 WHEN 'h' THEN 1 ELSE 2 END`,
        [runId],
      )
      return rows.map((r) => ({ layer: r.layer, term: r.term, timeSteps: r.t, features: r.c, recordedSteps: r.n, firstStep: r.first, lastStep: r.last }))
    })
  }

  getTimestepProfile(req: RequestOf<'getTimestepProfile'>): Promise<ResponseOf<'getTimestepProfile'>> {
    return this.db.exclusive(async () => {
      await this.requireRun(req.runId)
      const row = await this.db.get<{ step: number; features: number; count: Buffer; norm_count: Buffer | null; mean: Buffer; var: Buffer; feature_mean: Buffer | null; feature_var: Buffer | null }>(
        `SELECT s.step, s.features, s.count, s.norm_count, s.mean, s.var, f.feature_mean, f.feature_var
         FROM timestep_stats s LEFT JOIN timestep_features f ON f.stat_id = s.id
         WHERE s.run_id = ? AND s.layer = ? AND s.term = ? ${req.step === undefined ? '' : 'AND s.step <= ?'}
         ORDER BY s.step DESC LIMIT 1`,
        req.step === undefined ? [req.runId, req.layer, req.term] : [req.runId, req.layer, req.term, req.step],
      )
      if (!row) {
        throw notFound(`per-timestep statistics of run ${req.runId}, layer ${req.layer}, term ${req.term}${req.step === undefined ? '' : ` at or before step ${req.step}`}`)
      }
      return {
        step: row.step,
        layer: req.layer,
        term: req.term,
        count: readInt32(row.count),
        normCount: row.norm_count ? readInt32(row.norm_count) : null,
        mean: readFloat32(row.mean),
        var: readFloat32(row.var),
        featureMean: row.feature_mean ? readMatrix(row.feature_mean, row.features) : null,
        featureVar: row.feature_var ? readMatrix(row.feature_var, row.features) : null,
      }
    })
  }

  getTimestepGrid(req: RequestOf<'getTimestepGrid'>): Promise<ResponseOf<'getTimestepGrid'>> {
    return this.db.exclusive(async () => {
      await this.requireRun(req.runId)
      // Count first (index only); when there are more rows than asked for, pick evenly spaced
      // steps from the index and read only those rows' blobs.
      const where = 'run_id = ? AND layer = ? AND term = ?'
      const params: Param[] = [req.runId, req.layer, req.term]
      const total = (await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM timestep_stats WHERE ${where}`, params))!.n
      let filter = ''
      if (total > req.maxRows) {
        const steps = (await this.db.all<{ step: number }>(`SELECT step FROM timestep_stats WHERE ${where} ORDER BY step`, params)).map((r) => r.step)
        filter = 'AND step IN (SELECT value FROM json_each(?))'
        params.push(JSON.stringify(decimate(steps, req.maxRows)))
      }
      // The column name comes from a closed enum validated by the contract.
      const column = req.field === 'normCount' ? 'norm_count' : req.field
      const picked = await this.db.all<{ step: number; time_steps: number; blob: Buffer | null }>(
        `SELECT step, time_steps, ${column} AS blob FROM timestep_stats WHERE ${where} ${filter} ORDER BY step`,
        params,
      )
      const timeSteps = picked.reduce((max, r) => Math.max(max, r.time_steps), 0)
      const read = req.field === 'count' || req.field === 'normCount' ? readInt32 : readFloat32
      const values = picked.map((r) => {
        const row: (number | null)[] = r.blob ? read(r.blob) : []
        while (row.length < timeSteps) row.push(null)
        return row
      })
      return { layer: req.layer, term: req.term, field: req.field, steps: picked.map((r) => r.step), timeSteps, values, totalSteps: total }
    })
  }

  // ---- population statistics and evaluations -------------------------------------------------

  appendPopulationStats(req: RequestOf<'appendPopulationStats'>): Promise<{ written: number }> {
    return this.db.transaction(async () => {
      await this.requireRun(req.runId)
      const rows = req.records.map((r: PopulationRecord) => [
        req.runId,
        req.step,
        r.layer,
        r.term,
        r.seen.length,
        matrixShape(r.mean).columns,
        matrixBlob(r.mean),
        matrixBlob(r.var),
        int32Blob(r.seen),
      ])
      const written = await insertMany(
        this.db,
        'INSERT INTO population_stats (run_id, step, layer, term, time_steps, features, mean, var, seen)',
        9,
        rows,
        `ON CONFLICT (run_id, step, layer, term) DO UPDATE SET time_steps = excluded.time_steps, features = excluded.features,
           mean = excluded.mean, var = excluded.var, seen = excluded.seen`,
      )
      return { written }
    })
  }

  getPopulationStats(req: RequestOf<'getPopulationStats'>): Promise<ResponseOf<'getPopulationStats'>> {
    return this.db.exclusive(async () => {
      await this.requireRun(req.runId)
      const latest = await this.db.get<{ step: number | null }>(
        `SELECT MAX(step) AS step FROM population_stats WHERE run_id = ? ${req.step === undefined ? '' : 'AND step <= ?'}`,
        req.step === undefined ? [req.runId] : [req.runId, req.step],
      )
      if (!latest || latest.step === null) return null
      const rows = await this.db.all<{ layer: number; term: 'x' | 'h' | 'c'; features: number; mean: Buffer; var: Buffer; seen: Buffer }>(
        `SELECT layer, term, features, mean, var, seen FROM population_stats WHERE run_id = ? AND step = ?
         ORDER BY layer, CASE term WHEN 'x' THEN 0 WHEN 'h' THEN 1 ELSE 2 END`,
        [req.runId, latest.step],
      )
      return {
        step: latest.step,
        records: rows.map((r) => ({
          layer: r.layer,
          term: r.term,
          mean: readMatrix(r.mean, r.features),
          var: readMatrix(r.var, r.features),
          seen: readInt32(r.seen),
        })),
      }
    })
  }

  appendEvaluations(req: RequestOf<'appendEvaluations'>): Promise<{ written: number }> {
    return this.db.transaction(async () => {
      await this.requireRun(req.runId)
      const rows = req.results.map((r: EvaluationResult) => [req.runId, r.step, r.policy, r.length, r.metric, r.value])
      const written = await insertMany(
        this.db,
        'INSERT INTO evaluations (run_id, step, policy, length, metric, value)',
        6,
        rows,
        'ON CONFLICT (run_id, step, policy, length, metric) DO UPDATE SET value = excluded.value',
      )
      return { written }
    })
  }

  listEvaluations(req: RequestOf<'listEvaluations'>): Promise<ResponseOf<'listEvaluations'>> {
    return this.db.exclusive(async () => {
      await this.requireRunIds(req.runIds)
      const rows = await this.db.all<EvaluationResult & { runId: number }>(
        `SELECT run_id AS runId, step, policy, length, metric, value FROM evaluations
         WHERE run_id IN (${req.runIds.map(() => '?').join(',')}) ORDER BY run_id, step, policy, length, metric`,
        req.runIds,
      )
      return rows
    })
  }

  /** For tests and diagnostics: the number of rows in a table. */
  countRows(table: 'runs' | 'metrics' | 'timestep_stats' | 'timestep_features' | 'population_stats' | 'evaluations' | 'run_tags' | 'studies'): Promise<number> {
    return this.db.exclusive(async () => (await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n)
  }
}

interface StudyRow {
  id: number
  name: string
  description: string
  created_at: number
  run_count: number
}
const STUDY_SELECT = 'SELECT s.*, (SELECT COUNT(*) FROM runs r WHERE r.study_id = s.id) AS run_count FROM studies s'

function toStudy(row: StudyRow): Study {
  return { id: row.id, name: row.name, description: row.description, createdAt: row.created_at, runCount: row.run_count }
}

/** Evenly spaced rows, always keeping the first and the last. */
export function decimate<T>(rows: readonly T[], maxRows: number): T[] {
  if (rows.length <= maxRows) return [...rows]
  if (maxRows === 1) return [rows[rows.length - 1]!]
  const picked: T[] = []
  for (let i = 0; i < maxRows; i++) picked.push(rows[Math.round((i * (rows.length - 1)) / (maxRows - 1))]!)
  return picked
}

