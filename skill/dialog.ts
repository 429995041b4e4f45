/**
 * What the skill says, decided by pure functions of the session: answers with an offer of a question not
 * yet asked, welcome, help, fallback and goodbye. Handlers only apply these replies to Alexa's response.
 */
import { faq, faqById } from "./faq/index.js";
import type { FaqEntry } from "./faq/types.js";
import type { SessionState } from "./session.js";

export interface Reply {
  /** Sentences to say, plain text, spoken with short pauses between them. */
  readonly speech: readonly string[];
  /** What to say if the user stays silent; absent when the session ends. */
  readonly reprompt?: readonly string[];
  readonly card?: { readonly title: string; readonly content: string };
  readonly endSession: boolean;
  /** The FAQ id offered by this reply, which a following "yes" accepts. */
  readonly offered?: string;
  /** The FAQ id answered by this reply. */
  readonly answered?: string;
}

const EXAMPLE_QUESTIONS = "who stars in it, or when it came out";

/** The next FAQ entry not yet asked, starting after `after` in FAQ order and wrapping around. */
export function nextSuggestion(asked: readonly string[], after?: string): FaqEntry | undefined {
  const start = after === undefined ? 0 : faq.findIndex((entry) => entry.id === after) + 1;
  for (let step = 0; step < faq.length; step++) {
    const entry = faq[(start + step) % faq.length] as FaqEntry;
    if (!asked.includes(entry.id)) return entry;
  }
  return undefined;
}

export function welcome(state: SessionState): Reply {
  const suggestion = nextSuggestion(state.asked);
  const offer = suggestion ? `Would you like to hear ${suggestion.offer}?` : "What would you like to know?";
  return {
    speech: [
      "Hi. I'm so glad you're here. I know a lot about Spike Jonze's film Her.",
      `${offer} Or ask me anything, like ${EXAMPLE_QUESTIONS}.`,
    ],
    reprompt: [`${offer} Or say help to hear what I can tell you.`],
    endSession: false,
    offered: suggestion?.id,
  };
}

/** The FAQ answer as written, then an offer of another question not yet asked in this session. */
export function answer(entry: FaqEntry, state: SessionState): Reply {
  const asked = state.asked.includes(entry.id) ? state.asked : [...state.asked, entry.id];
  const suggestion = nextSuggestion(asked, entry.id);
  const card = { title: entry.question, content: entry.answer };
  if (!suggestion) {
    return {
      speech: [
        entry.answer,
        "That's everything I know about Her. Ask me about any of it again, or say stop.",
      ],
      reprompt: ["What would you like to hear again? Or say stop."],
      card,
      endSession: false,
      answered: entry.id,
    };
  }
  const offer = `Would you like to know ${suggestion.offer}?`;
  return {
    speech: [entry.answer, offer],
    reprompt: [`${offer} Or ask me something else about Her.`],
    card,
    endSession: false,
    offered: suggestion.id,
    answered: entry.id,
  };
}

/** "Yes" to an offer answers it; "yes" to nothing asks what they would like. */
export function acceptOffer(state: SessionState): Reply {
  const offered = state.offered === undefined ? undefined : faqById(state.offered);
  if (offered) return answer(offered, state);
  if (nextSuggestion(state.asked) === undefined) {
    return {
      speech: ["You've heard everything I know about Her. Which would you like to hear again? Or say stop."],
      reprompt: ["Which would you like to hear again? Or say stop."],
      endSession: false,
    };
  }
  return {
    speech: [`Lovely. What would you like to know? You could ask ${EXAMPLE_QUESTIONS}.`],
    reprompt: ["What would you like to know about Her?"],
    endSession: false,
  };
}

/** "No" to an offer, or to nothing: end warmly. */
export function declineOffer(): Reply {
  return goodbye();
}

export function help(): Reply {
  const topics = faq.map((entry) => entry.topic);
  const list = `${topics.slice(0, -1).join(", ")}, and ${topics.at(-1)}`;
  return {
    speech: [
      `I can tell you about the film Her: ${list}.`,
      "Just ask in your own words. What would you like to know?",
    ],
    reprompt: [`What would you like to know? For example, ask ${EXAMPLE_QUESTIONS}.`],
    endSession: false,
  };
}

/** A request outside what the skill knows. */
export function fallback(): Reply {
  return {
    speech: [
      "Hmm, I'm not sure about that one. I only know about the film Her.",
      `You could ask me ${EXAMPLE_QUESTIONS}. Or say help to hear everything I can tell you.`,
    ],
    reprompt: ["What would you like to know about Her? Say help to hear the topics."],
    endSession: false,
  };
}

export function goodbye(): Reply {
  return { speech: ["Okay. It was lovely talking with you. Goodbye."], endSession: true };
}

export function nothingToRepeat(): Reply {
  return {
    speech: ["I haven't said anything yet. What would you like to know about Her?"],
    reprompt: ["What would you like to know about Her?"],
    endSession: false,
  };
}

export function somethingWentWrong(): Reply {
  return {
    speech: ["Sorry, something went wrong on my side. Please ask me again."],
    reprompt: ["What would you like to know about Her?"],
    endSession: false,
  };
}
