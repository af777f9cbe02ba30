// One training worker as the page holds it: the Web Worker, its own way to the archive (given
// once, at creation), and the run it trains. What the worker says of that run goes to the run's
// listener; everything else (its backend's start-up, the self-check) to the owner's.
import type { DeviceInfoInput } from '../../../shared/contract/schemas'
import type { QueuedRun, RunOutcome } from '../../../shared/lab/run-lifecycle'
import type { ArchiveRoute } from '../api/archive-route'
import type { FromWorker, RunMessage, ToWorker } from './protocol'

/** How a worker reaches the archive (renderer/src/api), with the objects its message transfers. */
export type ArchiveRouteFactory = () => { route: ArchiveRoute; transfer: Transferable[] }

/** What the worker says that is not about a run. */
export type WorkerMessage = Exclude<FromWorker, RunMessage>

const isRunMessage = (message: FromWorker): message is RunMessage => 'runId' in message

interface Training {
  runId: number
  listen(message: RunMessage): void
  resolve(outcome: RunOutcome): void
  reject(error: Error): void
}

export class TrainingWorker {
  private training: Training | null = null

  constructor(
    private readonly worker: Worker,
    archiveRoute: ArchiveRouteFactory,
    onMessage: (message: WorkerMessage) => void,
  ) {
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const start = performance.now()
      const message = event.data
      if (isRunMessage(message)) this.receiveRun(message)
      else onMessage(message)
      performance.measure(`normlab:message-${message.type}`, { start, end: performance.now() })
    }
    const { route, transfer } = archiveRoute()
    worker.postMessage({ type: 'archive', route } satisfies ToWorker, transfer)
  }

  /** The run it trains now, if any. */
  get runId(): number | null {
    return this.training?.runId ?? null
  }

  send(message: ToWorker): void {
    this.worker.postMessage(message)
  }

  /**
   * Trains a run: the worker records everything itself. Resolves with how the run ended, as
   * recorded; rejects when the archive refused its start or end. `listen` hears its reports.
   */
  train(
    run: QueuedRun,
    lease: { owner: string; device: DeviceInfoInput | null },
    listen: (message: RunMessage) => void,
  ): Promise<RunOutcome> {
    return new Promise<RunOutcome>((resolve, reject) => {
      this.training = { runId: run.runId, listen, resolve, reject }
      this.send({ type: 'run', run, ...lease })
    })
  }

  terminate(): void {
    this.worker.terminate()
    this.training?.reject(new Error('the training worker was closed before the run ended'))
    this.training = null
  }

  private receiveRun(message: RunMessage): void {
    const training = this.training
    if (!training || message.runId !== training.runId) return
    if (message.type === 'outcome' || message.type === 'runError') this.training = null
    if (message.type === 'outcome') return training.resolve(message.outcome)
    if (message.type === 'runError') return training.reject(new Error(message.error))
    training.listen(message)
  }
}
