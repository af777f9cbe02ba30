// User preferences kept in this browser profile: compute backend (the fastest, measured, unless chosen), theme, and how charts read
// (log or linear scale where the user chose one; seeds grouped or one line per run).
import { useSyncExternalStore } from 'react'
import { BACKEND_CHOICES, type BackendChoice } from '../training/protocol'

export type Theme = 'system' | 'light' | 'dark'
/** auto: log where the plotted values span more than a decade. */
export type ScaleChoice = 'auto' | 'log' | 'linear'

export interface Settings {
  /** auto: the fastest backend that passes the numerics gate, measured. */
  backend: BackendChoice
  theme: Theme
  scale: ScaleChoice
  /** Draw runs that differ only by seed as one group (mean and 95 % band). */
  groupSeeds: boolean
  /** How many runs of a study train at once where the backend computes on the CPU; auto: one per core. */
  parallelRuns: ParallelRuns
}

export const PARALLEL_CHOICES = ['auto', 1, 2, 4, 8] as const
export type ParallelRuns = (typeof PARALLEL_CHOICES)[number]
/** The most runs side by side auto chooses: each is a worker with its own memory. */
const MOST_AUTO_RUNS = 8

/** Runs at once for a choice on this machine (auto: its logical cores, at most MOST_AUTO_RUNS). */
export function runsAtOnce(choice: ParallelRuns, cores = navigator.hardwareConcurrency || 1): number {
  return choice === 'auto' ? Math.max(1, Math.min(cores, MOST_AUTO_RUNS)) : choice
}

const DEFAULTS: Settings = { backend: 'auto', theme: 'system', scale: 'auto', groupSeeds: true, parallelRuns: 'auto' }

const KEY = 'normlab.settings'
const listeners = new Set<() => void>()

function read(): Settings {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Settings>
    return {
      backend: BACKEND_CHOICES.find((b) => b === value.backend) ?? 'auto',
      theme: value.theme === 'light' || value.theme === 'dark' ? value.theme : 'system',
      scale: value.scale === 'log' || value.scale === 'linear' ? value.scale : 'auto',
      groupSeeds: value.groupSeeds !== false,
      parallelRuns: PARALLEL_CHOICES.find((c) => c === value.parallelRuns) ?? 'auto',
    }
  } catch {
    return DEFAULTS
  }
}

let current = read()

export function applyTheme(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset.theme
  else document.documentElement.dataset.theme = theme
}
applyTheme(current.theme)

export function getSettings(): Settings {
  return current
}

export function updateSettings(patch: Partial<Settings>): void {
  current = { ...current, ...patch }
  localStorage.setItem(KEY, JSON.stringify(current))
  applyTheme(current.theme)
  for (const l of listeners) l()
}

export function useSettings(): Settings {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    () => current,
  )
}
