// Messages between the page and the training worker. Reports travel in the archive's record
// shapes (shared/contract/schemas.ts), per-feature matrices already packed by the engine.
import type { EvaluationResult, NumericsCheck, TimestepRecord } from '../../../shared/contract/schemas'
import type { TrainConfig } from '../../../shared/contract/train-config'
import type { TrainingCheckpoint } from '../../../shared/contract/checkpoint'
import type { BackendProbe } from '../../../shared/engine/backend-probe'
import type { CaseResult } from '../../../shared/engine/golden-result'
import type { EvalReport, PopulationReport, SnapshotReport, StepReport, TrainResult } from '../../../shared/engine/trainer'

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu'
export const BACKENDS: BackendName[] = ['webgl', 'webgpu', 'wasm', 'cpu']
/**
 * Where training goes when the backend the user chose cannot be used: the CPU's WebAssembly first
 * (a GPU backend that failed its numerics suggests a driver the other GPU API shares), then the
 * GPU backends, plain JavaScript last.
 */
export const FALLBACK: BackendName[] = ['wasm', 'webgl', 'webgpu', 'cpu']
/** The backends the probe times when the lab chooses (cpu only if none of them can be used: always the slowest). */
export const PROBED: BackendName[] = ['webgpu', 'webgl', 'wasm']
/** What the user asks for: a backend, or the fastest that passes the numerics gate, measured (auto). */
export type BackendChoice = 'auto' | BackendName
export const BACKEND_CHOICES: BackendChoice[] = ['auto', ...BACKENDS]

/** What the worker is doing with a backend while it starts: starting it, its numerics gate, timing it (auto). */
export type BackendPhase = 'starting' | 'checking' | 'probing'

export interface BackendInfo {
  backend: BackendName
  webglVersion: number | null
  gpuRenderer: string | null
  float32: boolean | null
  /** Why the preferred backend was not used, when it was not (auto: why a probed backend could not be). */
  fallbackReason: string | null
  /** auto: every probed backend's timing or why it cannot be used, this one the fastest; null when the user chose the backend. */
  probes: BackendProbe[] | null
  /** The numerics gate this backend passed (now, or earlier with the same fingerprint). */
  numerics: NumericsCheck
  /** The check was remembered (same fingerprint): it did not run again. */
  numericsRemembered: boolean
  tfjsVersion: string
}

export interface InitMessage {
  type: 'init'
  preferred: BackendChoice
  appVersion: string
  /** Gate results the page remembers; a backend with a matching one is not checked again. */
  checked: NumericsCheck[]
  /** Probes the page remembers; a backend with a matching fingerprint is not timed again. */
  probed: BackendProbe[]
  /** Test hook: this backend computes its gate with the bug the gate exists for, so it fails. */
  numericsFault?: BackendName
}

export type ToWorker =
  | InitMessage
  | { type: 'train'; runId: number; config: TrainConfig; userData?: string; /** Resume from here (an interrupted run's last checkpoint). */ checkpoint?: TrainingCheckpoint }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'selfCheck' }

export type FromWorker =
  | { type: 'backendProgress'; backend: BackendName; phase: BackendPhase }
  | { type: 'backend'; info: BackendInfo }
  | { type: 'numerics'; summary: NumericsCheck }
  | { type: 'probe'; probe: BackendProbe }
  | { type: 'backendFailed'; reason: string }
  | { type: 'step'; runId: number; report: StepReport }
  | { type: 'stats'; runId: number; records: TimestepRecord[] }
  | { type: 'eval'; runId: number; report: EvalReport }
  | { type: 'population'; runId: number; report: PopulationReport }
  | { type: 'snapshots'; runId: number; report: SnapshotReport }
  | { type: 'lengthEval'; runId: number; results: EvaluationResult[] }
  | { type: 'checkpoint'; runId: number; checkpoint: TrainingCheckpoint }
  | { type: 'done'; runId: number; result: TrainResult }
  | { type: 'failed'; runId: number; error: string }
  | { type: 'selfCheckCase'; result: CaseResult }
  | { type: 'selfCheckDone'; backend: BackendName }
