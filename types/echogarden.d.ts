/** The WebAssembly builds of libfvad and RNNoise: each default export instantiates its module. */
declare module "@echogarden/fvad-wasm" {
  const instantiate: () => Promise<unknown>;
  export default instantiate;
}
declare module "@echogarden/rnnoise-wasm" {
  const instantiate: () => Promise<unknown>;
  export default instantiate;
}
