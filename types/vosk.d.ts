/** The part of the `vosk` package's API (0.3.x) this project uses; the package ships no types. */
declare module "vosk" {
  export function setLogLevel(level: number): void;
  export class Model {
    constructor(path: string);
    readonly handle: { isNull(): boolean };
    free(): void;
  }
  export class Recognizer {
    constructor(options: { model: Model; sampleRate: number; grammar?: readonly string[] });
    acceptWaveform(data: Buffer): boolean;
    partialResult(): { partial: string };
    finalResult(): { text: string };
    free(): void;
  }
}
