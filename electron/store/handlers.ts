// The contract's handlers on top of the archive: the Node side of every request, shared by the
// Electron main process, the web server and the CLI. Writes announce themselves on the event bus.
import type { EventBus, EventOf, Handlers, RunStatus } from '../../shared/contract'
import type { Archive } from './archive'

export interface HandlerContext {
  archive: Archive
  appVersion: string
  host: 'electron' | 'web' | 'cli'
  bus: EventBus
  /** Shows a file in the system's file manager; only the Electron host has one. */
  reveal?: (path: string) => void
}

export function createHandlers({ archive, appVersion, host, bus, reveal }: HandlerContext): Handlers {
  const changed = (runIds: number[], change: EventOf<'runsChanged'>['change'], status?: RunStatus) =>
    bus.emit('runsChanged', status === undefined ? { runIds, change } : { runIds, change, status })

  return {
    getEnvironment: async () => ({ appVersion, archivePath: archive.path, schemaVersion: archive.schemaVersion, host }),
    revealArchive: async () => {
      if (!reveal) return { revealed: false }
      reveal(archive.path)
      return { revealed: true }
    },

    createStudy: (req) => archive.createStudy(req),
    listStudies: () => archive.listStudies(),

    createRun: async (req) => {
      const run = await archive.createRun(req)
      changed([run.id], 'created', run.status)
      return run
    },
    listRuns: (req) => archive.listRuns(req),
    getRun: (req) => archive.getRun(req.id),
    updateRun: async (req) => {
      const run = await archive.updateRun(req)
      changed([run.id], 'updated', run.status)
      return run
    },
    deleteRun: async (req) => {
      const result = await archive.deleteRun(req.id)
      if (result.deleted) changed([req.id], 'deleted')
      return result
    },

    appendMetrics: async (req) => {
      const result = await archive.appendMetrics(req)
      changed([req.runId], 'data')
      return result
    },
    queryMetrics: (req) => archive.queryMetrics(req),

    appendTimestepStats: async (req) => {
      const result = await archive.appendTimestepStats(req)
      changed([req.runId], 'data')
      return result
    },
    listTimestepSeries: (req) => archive.listTimestepSeries(req.runId),
    getTimestepProfile: (req) => archive.getTimestepProfile(req),
    getTimestepGrid: (req) => archive.getTimestepGrid(req),

    appendPopulationStats: async (req) => {
      const result = await archive.appendPopulationStats(req)
      changed([req.runId], 'data')
      return result
    },
    getPopulationStats: (req) => archive.getPopulationStats(req),

    appendEvaluations: async (req) => {
      const result = await archive.appendEvaluations(req)
      changed([req.runId], 'data')
      return result
    },
    listEvaluations: (req) => archive.listEvaluations(req),
  }
}
