// Messages between the page and the training worker. Reports travel in the archive's record
// shapes (shared/contract/schemas.ts), per-feature matrices already packed by the engine.
import type { EvaluationResult, NumericsCheck, TimestepRecord } from '../../../shared/contract/schemas'
import type { TrainConfig } from '../../../shared/contract/train-config'
import type { TrainingCheckpoint } from '../../../shared/contract/checkpoint'
import type { BackendProbe } from '../../../shared/engine/backend-probe'
import type { CaseResult } from '../../../shared/engine/golden-result'
import type {
  EvalReport,
  PopulationReport,
  SnapshotReport,
  StepReport,
  TrainResult,
} from '../../../shared/engine/trainer'

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

/**
 * How far the start-up is: this backend's place among those being tried (auto: every probed
 * backend, in turn; a chosen backend: 1 of 1) and its phase's share of one backend's time, so the
 * page can draw the wait as a bar of its own.
 */
export interface StartupProgress {
  backend: BackendName
  phase: BackendPhase
  index: number
  of: number
}

/** The share of one backend's start-up done when a phase begins: starting is quick, the gate and the timing are not. */
const PHASE_START: Record<BackendPhase, number> = { starting: 0, checking: 0.1, probing: 0.55 }

/** The start-up's fraction done, 0–1. */
export const startupFraction = (p: Pick<StartupProgress, 'phase' | 'index' | 'of'>): number =>
  Math.min(1, (p.index + PHASE_START[p.phase]) / Math.max(1, p.of))

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
  | {
      type: 'train'
      runId: number
      config: TrainConfig
      userData?: string
      /** Resume from here (an interrupted run's last checkpoint). */ checkpoint?: TrainingCheckpoint
    }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'selfCheck' }

export type FromWorker =
  | ({ type: 'backendProgress' } & StartupProgress)
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
