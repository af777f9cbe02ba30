// A tiny hash router: #/runs, #/new (?preset=…), #/live, #/compare?runs=1,2, #/explore?run=1&with=2, #/settings.
import { useSyncExternalStore } from 'react'
import { PRESET_IDS, type PresetId } from '../../../shared/lab/study-plan'

export type Route =
  | { page: 'runs' }
  | { page: 'new'; preset?: PresetId }
  | { page: 'live' }
  | { page: 'compare'; runIds: number[] }
  | { page: 'explore'; runId: number | null; withId: number | null }
  | { page: 'settings' }

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?')
  switch (path) {
    case 'new': {
      const preset = PRESET_IDS.find((p) => p === new URLSearchParams(query).get('preset'))
      return preset ? { page: 'new', preset } : { page: 'new' }
    }
    case 'live':
      return { page: 'live' }
    case 'settings':
      return { page: 'settings' }
    case 'explore': {
      const q = new URLSearchParams(query)
      const id = (key: string) => {
        const n = Number(q.get(key))
        return Number.isInteger(n) && n > 0 ? n : null
      }
      return { page: 'explore', runId: id('run'), withId: id('with') }
    }
    case 'compare': {
      const ids = new URLSearchParams(query).get('runs') ?? ''
      return {
        page: 'compare',
        runIds: ids
          .split(',')
          .map(Number)
          .filter((n) => Number.isInteger(n) && n > 0),
      }
    }
    default:
      return { page: 'runs' }
  }
}

export function hrefOf(route: Route): string {
  if (route.page === 'compare') return `#/compare?runs=${route.runIds.join(',')}`
  if (route.page === 'new' && route.preset) return `#/new?preset=${route.preset}`
  if (route.page === 'explore')
    return `#/explore${route.runId ? `?run=${route.runId}${route.withId ? `&with=${route.withId}` : ''}` : ''}`
  return `#/${route.page}`
}

export function navigate(route: Route): void {
  window.location.hash = hrefOf(route)
}

const subscribe = (l: () => void) => {
  window.addEventListener('hashchange', l)
  return () => window.removeEventListener('hashchange', l)
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash)
  return parseRoute(hash)
}
