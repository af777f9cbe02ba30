// Messages between the page and the training worker. Reports travel in the archive's record
// shapes (shared/contract/schemas.ts), per-feature matrices already packed by the engine.
import type { EvaluationResult, NumericsCheck, TimestepRecord } from '../../../shared/contract/schemas'
import type { TrainConfig } from '../../../shared/contract/train-config'
import type { CaseResult } from '../../../shared/engine/golden-result'
import type { EvalReport, PopulationReport, StepReport, TrainResult } from '../../../shared/engine/trainer'

export type BackendName = 'webgl' | 'wasm' | 'cpu'
export const BACKENDS: BackendName[] = ['webgl', 'wasm', 'cpu']

export interface BackendInfo {
  backend: BackendName
  webglVersion: number | null
  gpuRenderer: string | null
  float32: boolean | null
  /** Why the preferred backend was not used, when it was not. */
  fallbackReason: string | null
  /** The numerics gate this backend passed (now, or earlier with the same fingerprint). */
  numerics: NumericsCheck
  /** The check was remembered (same fingerprint): it did not run again. */
  numericsRemembered: boolean
  tfjsVersion: string
}

export interface InitMessage {
  type: 'init'
  preferred: BackendName
  appVersion: string
  /** Gate results the page remembers; a backend with a matching one is not checked again. */
  checked: NumericsCheck[]
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
  | { type: 'numerics'; summary: NumericsCheck }
  | { type: 'backendFailed'; reason: string }
  | { type: 'step'; runId: number; report: StepReport }
  | { type: 'stats'; runId: number; records: TimestepRecord[] }
  | { type: 'eval'; runId: number; report: EvalReport }
  | { type: 'population'; runId: number; report: PopulationReport }
  | { type: 'lengthEval'; runId: number; results: EvaluationResult[] }
  | { type: 'done'; runId: number; result: TrainResult }
  | { type: 'failed'; runId: number; error: string }
  | { type: 'selfCheckCase'; result: CaseResult }
  | { type: 'selfCheckDone'; backend: BackendName }
