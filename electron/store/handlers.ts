// The contract's handlers on top of the archive: the Node side of every request, shared by the
// Electron main process, the web server and the CLI. Writes announce themselves on the event bus.
import type { EventBus, EventOf, Handlers, RunStatus } from '../../shared/contract'
import type { Archive } from './archive'
import { transferHandlers } from './transfer-handlers'

export interface HandlerContext {
  archive: Archive
  appVersion: string
  host: 'electron' | 'web' | 'cli'
  bus: EventBus
  /** Shows a file in the system's file manager; only the Electron host has one. */
  reveal?: (path: string) => void
  /** Makes reports (electron/report/service.ts). */
  exportReport: Handlers['exportReport']
}

export function createHandlers({ archive, appVersion, host, bus, reveal, exportReport }: HandlerContext): Handlers {
  const changed = (runIds: number[], change: EventOf<'runsChanged'>['change'], status?: RunStatus) =>
    bus.emit('runsChanged', status === undefined ? { runIds, change } : { runIds, change, status })

  return {
    getEnvironment: async () => ({ appVersion, archivePath: archive.path, schemaVersion: archive.schemaVersion, host }),
    revealArchive: async () => {
      if (!reveal) return { revealed: false }
      reveal(archive.path)
      return { revealed: true }
    },

    createStudy: (req) => archive.studies.create(req),
    listStudies: () => archive.studies.list(),

    createRun: async (req) => {
      const run = await archive.runs.create(req)
      changed([run.id], 'created', run.status)
      return run
    },
    listRuns: (req) => archive.runs.list(req),
    getRun: (req) => archive.runs.get(req.id),
    updateRun: async (req) => {
      const run = await archive.runs.update(req)
      if (run.status === 'completed' || run.status === 'diverged') await archive.checkpoints.dropFinished(run.id)
      changed([run.id], 'updated', run.status)
      return run
    },
    heartbeatRuns: async (req) => ({ renewed: await archive.runs.heartbeat(req.owner, req.runIds) }),
    saveCheckpoint: (req) => archive.checkpoints.save(req),
    listResumable: (req) => archive.checkpoints.resumable(req),
    resumeRun: async (req) => {
      const resumed = await archive.checkpoints.resume(req)
      changed([req.id], 'updated', resumed.run.status)
      return resumed
    },
    deleteRun: async (req) => {
      const result = await archive.runs.delete(req.id)
      if (result.deleted) changed([req.id], 'deleted')
      return result
    },

    appendMetrics: async (req) => {
      const result = await archive.metrics.append(req)
      changed([req.runId], 'data')
      return result
    },
    queryMetrics: (req) => archive.metrics.query(req),
    summarizeRuns: (req) => archive.metrics.summarize(req),

    appendTimestepStats: async (req) => {
      const result = await archive.timesteps.append(req)
      changed([req.runId], 'data')
      return result
    },
    listTimestepSeries: (req) => archive.timesteps.listSeries(req.runId),
    listRecordedSteps: (req) => archive.timesteps.recordedSteps(req),
    getTimestepProfile: (req) => archive.timesteps.profile(req),
    getTimestepGrid: (req) => archive.timesteps.grid(req),
    getTimestepRows: (req) => archive.timesteps.rows(req),

    appendPopulationStats: async (req) => {
      const result = await archive.population.append(req)
      changed([req.runId], 'data')
      return result
    },
    getPopulationStats: (req) => archive.population.get(req),

    appendSnapshots: async (req) => {
      const result = await archive.snapshots.append(req)
      changed([req.runId], 'data')
      return result
    },
    getSnapshot: (req) => archive.snapshots.get(req),

    appendEvaluations: async (req) => {
      const result = await archive.evaluations.append(req)
      changed([req.runId], 'data')
      return result
    },
    listEvaluations: (req) => archive.evaluations.list(req),
    exportReport,
    ...transferHandlers(archive, appVersion, bus),
  }
}
