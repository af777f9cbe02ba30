// What a model is trained to predict, and how far it is from it.
import { tf, type Tensor, type Tensor2D, type Tensor3D } from './tf'

export type Target =
  /** One class per sequence, from h at its last step. */
  | { kind: 'class'; labels: number[] }
  /** One real number per sequence (the adding problem). */
  | { kind: 'regression'; values: number[] }
  /** A class at each step, counted where weights[n][t] is 1 (the copy-memory task). */
  | { kind: 'sequence'; labels: number[][]; weights: number[][] }

export interface LossResult {
  loss: Tensor
  /** Fraction correct (class, sequence) or within 0.04 (regression). */
  accuracy: Tensor
}

export function lossOf(target: Target, logits: Tensor2D, hidden: Tensor3D | null, Wy: Tensor, by: Tensor): LossResult {
  switch (target.kind) {
    case 'class': {
      const loss = crossEntropy(logits, target.labels)
      const correct = tf.equal(tf.argMax(logits, 1), tf.tensor1d(target.labels, 'int32'))
      return { loss, accuracy: tf.mean(tf.cast(correct, 'float32')) }
    }
    case 'regression': {
      const error = tf.sub(tf.squeeze(logits, [1]), tf.tensor1d(target.values))
      return { loss: tf.mean(tf.square(error)), accuracy: tf.mean(tf.cast(tf.less(tf.abs(error), 0.04), 'float32')) }
    }
    case 'sequence': {
      if (!hidden) throw new Error('a sequence target needs the hidden state of every step')
      const [N, T, H] = hidden.shape
      const K = Wy.shape[1]!
      const stepLogits = tf.add(tf.matMul(tf.reshape(hidden, [N * T, H]), Wy), by)
      const labels = tf.tensor1d(target.labels.flat(), 'int32')
      const weights = tf.tensor1d(target.weights.flat())
      const total = Math.max(
        1,
        target.weights.flat().reduce((a, w) => a + w, 0),
      )
      const nll = tf.neg(tf.sum(tf.mul(tf.oneHot(labels, K), tf.logSoftmax(stepLogits)), 1))
      const correct = tf.cast(tf.equal(tf.argMax(stepLogits, 1), labels), 'float32')
      return {
        loss: tf.div(tf.sum(tf.mul(nll, weights)), total),
        accuracy: tf.div(tf.sum(tf.mul(correct, weights)), total),
      }
    }
  }
}

/** Mean softmax cross-entropy of logits [N, K] against integer labels. */
export function crossEntropy(logits: Tensor2D, labels: readonly number[]): Tensor {
  const K = logits.shape[1]
  const oneHot = tf.oneHot(tf.tensor1d(labels as number[], 'int32'), K)
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)))
}
