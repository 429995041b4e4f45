/**
 * The voice front door's middle: audio -> recognizer -> the same resolver and skill as typed text. Speech the
 * recognizer marks as outside the grammar reaches the skill as AMAZON.FallbackIntent, never a forced answer.
 */
import type { Conversation, Turn } from "./conversation.js";
import { type Recognizer, type Transcript, transcribe } from "./recognizers/types.js";
import { FALLBACK_INTENT } from "./resolver.js";

export interface VoiceTurn {
  readonly transcript: Transcript;
  readonly turn: Turn;
}

/** Sends what was recognized to the conversation. */
export function answerTranscript(conversation: Conversation, transcript: Transcript): Promise<Turn> {
  if (transcript.outOfGrammar || transcript.text === "") {
    return conversation.send(
      { kind: "intent", intent: FALLBACK_INTENT, slots: {}, match: "fallback", confidence: 0 },
      transcript.text,
    );
  }
  return conversation.say(transcript.text);
}

/** One recording, recognized and answered in the conversation. */
export async function answerRecording(
  conversation: Conversation,
  recognizer: Recognizer,
  pcm: Int16Array,
): Promise<VoiceTurn> {
  const transcript = transcribe(recognizer, pcm);
  return { transcript, turn: await answerTranscript(conversation, transcript) };
}
