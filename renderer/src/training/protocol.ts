// Messages between the page and the training worker.
import type { TrainConfig } from '../../../shared/engine/config'
import type { CaseResult } from '../../../shared/engine/golden-result'
import type { NumericsSummary } from '../../../shared/engine/numerics'
import type { EvalReport, LengthEvalReport, StepReport, TrainResult } from '../../../shared/engine/trainer'
import type { PackedPopulation, PackedStats } from './packing'

export type BackendName = 'webgl' | 'wasm' | 'cpu'
export const BACKENDS: BackendName[] = ['webgl', 'wasm', 'cpu']

export interface BackendInfo {
  backend: BackendName
  webglVersion: number | null
  gpuRenderer: string | null
  float32: boolean | null
  /** Why the preferred backend was not used, when it was not. */
  fallbackReason: string | null
  /** The numerics gate this backend passed (now, or earlier with the same GPU and app version). */
  numerics: NumericsSummary
}

export interface InitMessage {
  type: 'init'
  preferred: BackendName
  appVersion: string
  /** Gate results the page remembers; a backend with a matching one is not checked again. */
  checked: NumericsSummary[]
  /** Test hook: this backend computes its gate with the bug the gate exists for, so it fails. */
  numericsFault?: BackendName
}

export type ToWorker =
  | InitMessage
  | { type: 'train'; runId: number; config: TrainConfig; userData?: string }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'selfCheck' }

export type FromWorker =
  | { type: 'backendProgress'; backend: BackendName; phase: 'starting' | 'checking' }
  | { type: 'backend'; info: BackendInfo }
  | { type: 'numerics'; summary: NumericsSummary }
  | { type: 'backendFailed'; reason: string }
  | { type: 'step'; runId: number; report: StepReport }
  | { type: 'stats'; runId: number; records: PackedStats[] }
  | { type: 'eval'; runId: number; report: EvalReport }
  | { type: 'population'; runId: number; report: PackedPopulation }
  | { type: 'lengthEval'; runId: number; results: LengthEvalReport[] }
  | { type: 'done'; runId: number; result: TrainResult }
  | { type: 'failed'; runId: number; error: string }
  | { type: 'selfCheckCase'; result: CaseResult }
  | { type: 'selfCheckDone'; backend: BackendName }
