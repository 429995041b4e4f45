/** The shape of one FAQ entry: the unit from which intents, samples and answers are generated. */
export interface FaqEntry {
  /** Stable id (kebab-case); the intent name is derived from it and must never change once published. */
  readonly id: string;
  /** The question as the seed document asks it. */
  readonly question: string;
  /** The answer as the seed document gives it, served as written. */
  readonly answer: string;
  /** A short noun phrase for help lists: "who composed the music". */
  readonly topic: string;
  /** A phrase that completes "Would you like to know ...?" when suggesting this entry. */
  readonly offer: string;
  /** Spoken sample utterances: lowercase, no digits, no punctuation except apostrophes. */
  readonly samples: readonly string[];
}
