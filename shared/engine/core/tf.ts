// The engine's one door to TensorFlow.js: tfjs-core plus every gradient (tfjs-core alone has none).
// Only functional ops are used (tf.add(a, b), never a.add(b)): chained ops are not registered.
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-core/dist/register_all_gradients'

export { tf }
export type Tensor = tf.Tensor
export type Tensor1D = tf.Tensor1D
export type Tensor2D = tf.Tensor2D
export type Tensor3D = tf.Tensor3D

/** A variable from a fresh tensor: tf.variable keeps the initial tensor alive, so dispose it. */
export function variableFrom(initial: tf.Tensor, trainable: boolean): tf.Variable {
  const v = tf.variable(initial, trainable)
  initial.dispose()
  return v
}
