// The training worker's runs: each trained through the lab's run lifecycle (runOne) in this
// worker, its records written to the archive from here (the page's ArchiveRoute), what the live
// view shows posted to the page, and the page's pause, resume, stop and answer to a blocked write.
import type { TrainingCheckpoint } from '../../../shared/contract/checkpoint'
import type { NormLabApi } from '../../../shared/contract'
import type { DeviceInfoInput } from '../../../shared/contract/schemas'
import type { Task } from '../../../shared/engine/data/task'
import { train } from '../../../shared/engine/trainer'
import type { TrainConfig } from '../../../shared/contract/train-config'
import {
  runOne,
  type QueuedRun,
  type RunHooks,
  type RunObserver,
  type TrainingHost,
} from '../../../shared/lab/run-lifecycle'
import type { FailureDecision } from '../../../shared/lab/write-queue'
import { openArchive, type ArchiveRoute } from '../api/archive-route'
import type { FromWorker } from './protocol'

export interface RunnerDeps {
  post(message: FromWorker): void
  /** Settles when the backend the page chose is ready: nothing trains before. */
  backendReady(): Promise<void>
  taskFor(config: TrainConfig, userData?: string): Promise<Task>
}

export function createRunner({ post, backendReady, taskFor }: RunnerDeps) {
  let paused = false
  let stopped = false
  let resumeWaiters: (() => void)[] = []
  /** The page's answer to a write that keeps failing, while one is asked. */
  let decide: ((decision: FailureDecision) => void) | null = null
  /** Where records go: set by the page's `archive` message before the first run. */
  let archive: NormLabApi | null = null

  const wake = () => {
    for (const resolve of resumeWaiters) resolve()
    resumeWaiters = []
  }
  const answer = (decision: FailureDecision) => {
    decide?.(decision)
    decide = null
  }

  /** Trains a run on the chosen backend; the lifecycle's hooks record each report, and the engine awaits them. */
  async function trainRun(run: QueuedRun, hooks: RunHooks, checkpoint: TrainingCheckpoint | null) {
    await backendReady()
    if (checkpoint) post({ type: 'resumed', runId: run.runId, step: checkpoint.step, wallMs: checkpoint.wallMs })
    const task = await taskFor(run.config, run.userData)
    return train(
      run.config,
      task,
      {
        ...hooks,
        // A pause or a stop keeps the state first: a closed window then loses nothing it trained.
        checkpointNow: () => paused || stopped,
        shouldStop: () => stopped,
        whilePaused: () =>
          paused && !stopped ? new Promise<void>((resolve) => resumeWaiters.push(resolve)) : Promise.resolve(),
        now: () => performance.now(),
      },
      checkpoint,
    )
  }

  /** What the page's live view hears of a run, and its question when a write keeps failing. */
  function pageObserver(runId: number): RunObserver {
    return {
      onStep: (report) => post({ type: 'step', runId, report }),
      onTimestepStats: (records) =>
        post({
          type: 'stats',
          runId,
          profile: records.map(({ featureMean: _m, featureVar: _v, ...summary }) => summary),
        }),
      onEval: (report) => post({ type: 'eval', runId, report }),
      onWriteBlocked: (blocked) =>
        new Promise<FailureDecision>((resolve) => {
          decide = resolve
          post({ type: 'writeBlocked', runId, blocked })
        }),
      onWriteUnblocked: () => post({ type: 'writeUnblocked', runId }),
    }
  }

  return {
    openArchive(route: ArchiveRoute): void {
      archive = openArchive(route)
    },

    async run(run: QueuedRun, owner: string, device: DeviceInfoInput | null): Promise<void> {
      // A pause holds across runs and start-up until Resume (resetting it here let the next run
      // train on after Pause); Stop ends the run it is sent in.
      stopped = false
      const host: TrainingHost = {
        owner,
        device: () => device,
        // The engine awaits every hook, so a blocked write holds training by itself.
        stop: () => {
          stopped = true
        },
        train: trainRun,
      }
      try {
        if (!archive) throw new Error('the training worker was given no way to the archive')
        post({ type: 'outcome', runId: run.runId, outcome: await runOne(archive, host, run, pageObserver(run.runId)) })
      } catch (error) {
        post({ type: 'runError', runId: run.runId, error: (error as Error).message || String(error) })
      }
    },

    answer,

    pause(): void {
      paused = true
    },

    resume(): void {
      paused = false
      wake()
    },

    stop(): void {
      stopped = true
      paused = false
      wake()
      // A write the page was asked about ends with the run.
      answer('stop')
    },
  }
}
