// What reaches the charts is what the contract says: the responses that feed them are checked
// against the contract's response schemas in the page too, so a wrong or hostile answer (a
// string where a loss should be, a step list shorter than its values) is an error the chart's
// boundary shows, not a chart drawn from garbage. The archive validated the same data on its way
// in; this is the page's own check, not a trust in the server.
import { ApiError, contract, type NormLabBridge, type RequestName } from '../../../shared/contract'

/** The requests whose answers are drawn (metrics, statistics, population, evaluations) or listed. */
export const CHECKED_RESPONSES = [
  'queryMetrics',
  'summarizeRuns',
  'getTimestepProfile',
  'getTimestepGrid',
  'getPopulationStats',
  'listEvaluations',
  'listRuns',
  'getRun',
  'listStudies',
] as const satisfies readonly RequestName[]

export function validatedBridge(bridge: NormLabBridge): NormLabBridge {
  const checked: Partial<Record<RequestName, (request: unknown) => Promise<unknown>>> = {}
  for (const name of CHECKED_RESPONSES) {
    const call = bridge[name] as (request: unknown) => Promise<unknown>
    checked[name] = async (request) => {
      const parsed = contract[name].response.safeParse(await call(request))
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!
        throw new ApiError(
          'internal',
          `The answer to ${name} is not what the contract says (${issue.path.join('.') || 'value'}: ${issue.message}); nothing was drawn from it`,
        )
      }
      return parsed.data
    }
  }
  return { ...bridge, ...checked } as NormLabBridge
}
