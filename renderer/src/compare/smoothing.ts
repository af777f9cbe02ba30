/** Exponential moving average with TensorBoard's debiasing; weight 0 returns the values as they are. */
export function smooth(values: readonly number[], weight: number): number[] {
  if (weight <= 0) return [...values]
  let last = 0
  let debias = 0
  return values.map((v) => {
    last = last * weight + (1 - weight) * v
    debias = debias * weight + (1 - weight)
    return last / debias
  })
}

/** Flattens a nested config into "a.b" keys, for the config table. */
export function flattenConfig(value: unknown, prefix = ''): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { [prefix]: JSON.stringify(value) }
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) Object.assign(out, flattenConfig(v, prefix ? `${prefix}.${k}` : k))
  return out
}

/** Loss-like metrics are better low; accuracy-like high. */
export function lowerIsBetter(metric: string): boolean {
  return !/acc/.test(metric)
}
