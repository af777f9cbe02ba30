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
