// How a run is named in the archive, by the CLI and the app alike.
import type { TrainConfig } from '../contract/train-config'

export function runName(config: TrainConfig): string {
  const batching = config.batching === 'mask' ? '' : ` · ${config.batching}`
  return `${config.cell.toUpperCase()} ${config.norm} · ${config.task} · batch ${config.batchSize}${batching} · seed ${config.seed}`
}
