/**
 * A conversation with the skill, as an Alexa device holds one: each turn resolves an utterance, sends the
 * envelope to the skill, and carries the session attributes to the next turn until the skill ends it.
 */
import type { Skill } from "ask-sdk-core";
import type { RequestEnvelope, ResponseEnvelope, ui } from "ask-sdk-model";
import type { Locale } from "../interaction-model/index.js";
import { ssmlToText } from "../skill/speech/ssml.js";
import { envelopeFor, newSessionContext, type SessionContext } from "./envelope.js";
import type { LocalResolver, Resolution } from "./resolver.js";

export interface Turn {
  readonly utterance?: string;
  readonly resolution: Resolution;
  readonly envelope: RequestEnvelope;
  readonly response: ResponseEnvelope;
  /** What the skill said, as plain text ("" when it said nothing). */
  readonly speech: string;
  readonly reprompt?: string;
  readonly endSession: boolean;
  /** Session attributes after this turn. */
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface ConversationOptions {
  readonly skill: Skill;
  readonly resolver: LocalResolver;
  readonly locale: Locale;
  readonly applicationId?: string;
}

export class Conversation {
  private session: SessionContext | undefined;

  constructor(private readonly options: ConversationOptions) {}

  /** True once the skill has ended the session (or before the first turn). */
  get ended(): boolean {
    return this.session === undefined;
  }

  /** Opens the skill: "Alexa, open her movie guide". */
  launch(): Promise<Turn> {
    return this.send({ kind: "launch" });
  }

  /** Says something to the skill; a new session starts if none is open. */
  say(utterance: string): Promise<Turn> {
    return this.send(this.resolve(utterance), utterance);
  }

  /** What the skill would hear for an utterance, without sending it. */
  resolve(utterance: string): Resolution {
    return this.options.resolver.resolve(utterance);
  }

  /** Sends an already resolved request: a named intent in a dialog script, or the end of the session. */
  async send(resolution: Resolution, utterance?: string): Promise<Turn> {
    if (resolution.kind === "launch" || !this.session) {
      this.session = newSessionContext(this.options.locale, this.options.applicationId);
    }
    const envelope = envelopeFor(resolution, this.session);
    const response = await this.options.skill.invoke(envelope);
    const attributes = response.sessionAttributes ?? {};
    const endSession = resolution.kind === "end" || response.response.shouldEndSession !== false;
    this.session = endSession ? undefined : { ...this.session, isNew: false, attributes };
    return {
      utterance,
      resolution,
      envelope,
      response,
      speech: speechText(response.response.outputSpeech),
      reprompt: response.response.reprompt ? speechText(response.response.reprompt.outputSpeech) : undefined,
      endSession,
      attributes,
    };
  }
}

function speechText(speech: ui.OutputSpeech | undefined): string {
  if (!speech) return "";
  return speech.type === "SSML" ? ssmlToText(speech.ssml) : speech.text;
}

/** The intent (or request type) a turn resolved to, for display. */
export function intentOf(resolution: Resolution): string {
  if (resolution.kind === "intent") return resolution.intent;
  return resolution.kind === "launch" ? "LaunchRequest" : "SessionEndedRequest";
}
