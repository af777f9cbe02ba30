// The wasm SIMD kernels' module: what register.ts calls. Compiled by `npm run generate`
// (scripts/wasm-kernels.ts) with the tfjs wasm backend's memory imported, no runtime, no data.
export { cellBackward, cellForward, columnProduct, moments, normApply, normGrad, setNorm } from './kernels'
export { exp4Into, sigmoid4Into, tanh4Into } from './probes'
