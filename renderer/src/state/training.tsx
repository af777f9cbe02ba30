// One training controller for the whole page, shared through React context.
import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react'
import { api } from '../api'
import { TrainingController, type TrainingState } from '../training/controller'
import { getSettings } from './settings'

const Context = createContext<TrainingController | null>(null)

export function TrainingProvider({ children }: { children: ReactNode }) {
  const [controller] = useState(() => new TrainingController(api, getSettings().backend))
  useEffect(() => () => controller.dispose(), [controller])
  return <Context.Provider value={controller}>{children}</Context.Provider>
}

export function useTrainingController(): TrainingController {
  const controller = useContext(Context)
  if (!controller) throw new Error('useTrainingController outside TrainingProvider')
  return controller
}

export function useTraining(): TrainingState {
  const controller = useTrainingController()
  return useSyncExternalStore(controller.subscribe, controller.getState)
}
