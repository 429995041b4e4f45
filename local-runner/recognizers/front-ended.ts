/**
 * A recognizer heard through the audio front end (audio/front-end.ts): every engine gets the same cleaned
 * audio. One front end serves every utterance, so the noise estimate and the speech level carry over from
 * one question to the next, as they would in one room.
 */
import { FrontEnd, type FrontEndOptions } from "../audio/front-end.js";
import type { RecognitionStream, Recognizer } from "./types.js";

export function withFrontEnd(recognizer: Recognizer, options: FrontEndOptions): Recognizer {
  if (options.noiseSuppression === false && options.gainNormalisation === false) return recognizer;
  const frontEnd = new FrontEnd(options);
  // What else the engine tells (the words its model lacks, say) shows through.
  const wrapped: Recognizer = Object.create(recognizer);
  return Object.assign(wrapped, {
    start(): RecognitionStream {
      const stream = recognizer.start();
      return {
        accept: (chunk) => stream.accept(frontEnd.process(chunk)),
        finish: () => stream.finish(),
      };
    },
    close: () => recognizer.close(),
  });
}
