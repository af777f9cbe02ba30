// Messages between the page and the training worker. The worker trains a run through the lab's
// lifecycle and writes its records to the archive itself (ArchiveRoute); the page hears what its
// live view shows (steps, statistics' summaries, evaluations), a write that keeps failing, and
// how the run ended.
import type { ArchiveRoute } from '../api/archive-route'
import type { DeviceInfoInput, NumericsCheck, TimestepRecord } from '../../../shared/contract/schemas'
import type { BackendProbe } from '../../../shared/engine/backend-probe'
import type { CaseResult } from '../../../shared/engine/golden-result'
import type { EvalReport, StepReport } from '../../../shared/engine/trainer'
import type { BlockedWrite, QueuedRun, RunOutcome } from '../../../shared/lab/run-lifecycle'
import type { FailureDecision } from '../../../shared/lab/write-queue'

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

/** A recorded profile as the live view draws it: summaries, without the per-feature vectors. */
export type ProfileSummary = Omit<TimestepRecord, 'featureMean' | 'featureVar'>

export type ToWorker =
  | InitMessage
  | { type: 'archive'; route: ArchiveRoute }
  | {
      type: 'run'
      run: QueuedRun
      /** The page's id in the run's lease, and what the run computes on (its device info). */
      owner: string
      device: DeviceInfoInput | null
    }
  | { type: 'writeDecision'; decision: FailureDecision }
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
  | { type: 'selfCheckCase'; result: CaseResult }
  | { type: 'selfCheckDone'; backend: BackendName }
  | RunMessage

/** What the worker says of the run it trains. */
export type RunMessage =
  /** A resumed run goes on from its checkpoint's step and wall time. */
  | { type: 'resumed'; runId: number; step: number; wallMs: number }
  | { type: 'step'; runId: number; report: StepReport }
  | { type: 'stats'; runId: number; profile: ProfileSummary[] }
  | { type: 'eval'; runId: number; report: EvalReport }
  /** A write still fails after its retries: training holds until the page answers writeDecision. */
  | { type: 'writeBlocked'; runId: number; blocked: BlockedWrite }
  | { type: 'writeUnblocked'; runId: number }
  /** The run ended, as recorded in the archive. */
  | { type: 'outcome'; runId: number; outcome: RunOutcome }
  /** The archive refused the run's start or end (runOne's error): nothing more was recorded. */
  | { type: 'runError'; runId: number; error: string }
