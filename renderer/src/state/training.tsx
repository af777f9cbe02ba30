// One training controller for the whole page, shared through React context.
import {
  createContext,
  startTransition,
  useContext,
  useEffect,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react'
import { api, archiveRouteForWorker } from '../api'
import { TrainingController, type TrainingState } from '../training/controller'
import { getSettings, runsAtOnce } from './settings'

const Context = createContext<TrainingController | null>(null)

export function TrainingProvider({ children }: { children: ReactNode }) {
  const [controller] = useState(
    () =>
      new TrainingController(api, getSettings().backend, archiveRouteForWorker, () =>
        runsAtOnce(getSettings().parallelRuns),
      ),
  )
  useEffect(() => () => controller.dispose(), [controller])
  return <Context.Provider value={controller}>{children}</Context.Provider>
}

export function useTrainingController(): TrainingController {
  const controller = useContext(Context)
  if (!controller) throw new Error('useTrainingController outside TrainingProvider')
  return controller
}

/** The controller where the page has one (the app does; a view rendered on its own, as in a component test, does not). */
export function useOptionalTrainingController(): TrainingController | null {
  return useContext(Context)
}

export function useTraining(): TrainingState {
  const controller = useTrainingController()
  return useSyncExternalStore(controller.subscribe, controller.getState)
}

/** One slice of the state: the component re-renders only when that slice changes. */
export function useTrainingSelector<T>(select: (state: TrainingState) => T): T {
  const controller = useTrainingController()
  return useSyncExternalStore(controller.subscribe, () => select(controller.getState()))
}

/**
 * The state for views that redraw while training (the live view): updates arrive as React
 * transitions, which render interruptibly, so a burst of reports never blocks the page.
 */
export function useTrainingTransition(): TrainingState {
  const controller = useTrainingController()
  const [state, setState] = useState(controller.getState)
  useEffect(
    () =>
      controller.subscribe(() => {
        startTransition(() => setState(controller.getState()))
      }),
    [controller],
  )
  return state
}
