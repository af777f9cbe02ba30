// The configuration table of compared runs (the Compare page and reports): every setting as a
// flat "a.b" key with each run's value, and whether the runs disagree on it.

/** Flattens a nested config into "a.b" keys with JSON values. */
export function flattenConfig(value: unknown, prefix = ''): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { [prefix]: JSON.stringify(value) }
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    Object.assign(out, flattenConfig(v, prefix ? `${prefix}.${k}` : k))
  return out
}

export interface ConfigRow {
  key: string
  values: string[]
  differs: boolean
}

/** One row per setting any of the configs has; "—" where a config lacks it. */
export function configTable(configs: readonly unknown[]): ConfigRow[] {
  const flat = configs.map((c) => flattenConfig(c))
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort()
  return keys.map((key) => {
    const values = flat.map((f) => f[key] ?? '—')
    return { key, values, differs: new Set(values).size > 1 }
  })
}
