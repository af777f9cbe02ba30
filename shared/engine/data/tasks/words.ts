// Which language does a word come from? One letter per step (one-hot), a natural
// variable-length task: words run from 3 to 13 letters, so late steps have few samples.
import type { Sample } from '../batch'
import { datasetTask, type Task } from '../task'
import { WORD_LISTS } from './words-data'

export const LANGUAGES = Object.keys(WORD_LISTS)
const ALPHABET = [...new Set(Object.values(WORD_LISTS).join('').replace(/\s/g, ''))].sort()
const INDEX = new Map(ALPHABET.map((ch, i) => [ch, i]))

export function encodeWord(word: string): Float32Array {
  const letters = [...word]
  const x = new Float32Array(letters.length * ALPHABET.length)
  letters.forEach((ch, t) => {
    const i = INDEX.get(ch)
    if (i === undefined) throw new Error(`"${ch}" is not in the alphabet of the word task`)
    x[t * ALPHABET.length + i] = 1
  })
  return x
}

export function wordsTask(seed: number, heldOutFraction = 0.2): Task {
  const words = LANGUAGES.flatMap((language, label) =>
    WORD_LISTS[language]!.split(/\s+/).map((word) => ({ word, label })),
  )
  const toSample = ({ word, label }: { word: string; label: number }): Sample => ({
    x: encodeWord(word),
    length: [...word].length,
    label,
  })
  return datasetTask(words, seed, heldOutFraction, toSample, {
    name: 'words',
    inputSize: ALPHABET.length,
    outputs: LANGUAGES.length,
    targetKind: 'class',
  })
}
