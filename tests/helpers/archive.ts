// Reading an archive a process under test is writing: a read-only connection per query, so the
// writer's locks are met the way any other reader would meet them.
import { SqliteDb } from '../../electron/store/sqlite'

export async function readArchive<T>(db: string, sql: string): Promise<T[]> {
  const conn = await SqliteDb.open(db, { readonly: true })
  try {
    return await conn.all<T>(sql)
  } finally {
    await conn.close()
  }
}

/** Waits until the archive holds at least `points` loss points (a missing or busy file counts as none yet). */
export async function untilLossPoints(db: string, points: number, timeoutMs = 60_000): Promise<void> {
  const started = Date.now()
  for (;;) {
    const [row] = await readArchive<{ n: number }>(db, "SELECT COUNT(*) AS n FROM metrics WHERE name = 'loss'").catch(
      () => [{ n: 0 }],
    )
    if (row!.n >= points) return
    if (Date.now() - started > timeoutMs) throw new Error(`no ${points} loss points after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * What a stopped run kept: its loss steps (1…k, no gap, or none when it never started) and the
 * step of its checkpoint (k: its state at the last step it trained, to resume from; null if none).
 */
export async function keptSteps(db: string, runId: number): Promise<{ steps: number[]; checkpoint: number | null }> {
  const steps = (
    await readArchive<{ step: number }>(
      db,
      `SELECT step FROM metrics WHERE run_id = ${runId} AND name = 'loss' ORDER BY step`,
    )
  ).map((r) => r.step)
  const [checkpoint] = await readArchive<{ step: number }>(
    db,
    `SELECT step FROM run_checkpoints WHERE run_id = ${runId}`,
  )
  return { steps, checkpoint: checkpoint?.step ?? null }
}

/** 1…n: the steps of a run that lost none. */
export const firstSteps = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1)
