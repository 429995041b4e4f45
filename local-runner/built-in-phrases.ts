/**
 * How people say Amazon's built-in intents. On a device Alexa's own NLU knows these; the local resolver
 * needs them spelled out. Phrases are normalised the same way as utterances before matching.
 */
export const BUILT_IN_PHRASES: Readonly<Record<string, readonly string[]>> = {
  "AMAZON.HelpIntent": [
    "help",
    "help me",
    "i need help",
    "can you help me",
    "what can you do",
    "what can i say",
    "what do i say",
    "what should i say",
    "how does this work",
    "what are my options",
    "what are the options",
    "instructions",
    "what can you help me with",
  ],
  "AMAZON.StopIntent": [
    "stop",
    "stop it",
    "stop talking",
    "shut up",
    "be quiet",
    "quiet",
    "enough",
    "that's enough",
    "that's all",
    "that's it",
    "i'm done",
    "i'm finished",
    "we're done",
    "done",
    "goodbye",
    "good bye",
    "bye",
    "bye bye",
    "see you",
    "see you later",
    "quit",
    "i quit",
    "turn off",
    "nothing else",
    "no more",
    "end",
  ],
  "AMAZON.CancelIntent": ["cancel", "cancel that", "never mind", "nevermind", "forget it", "forget about it"],
  "AMAZON.RepeatIntent": [
    "repeat",
    "repeat that",
    "repeat please",
    "say that again",
    "say it again",
    "can you repeat that",
    "come again",
    "what did you say",
    "pardon",
    "once more",
    "again",
    "i didn't catch that",
  ],
  "AMAZON.YesIntent": [
    "yes",
    "yeah",
    "yep",
    "yup",
    "sure",
    "yes please",
    "of course",
    "absolutely",
    "go ahead",
    "please do",
    "why not",
    "i'd like that",
    "sounds good",
    "definitely",
    "certainly",
    "tell me",
  ],
  "AMAZON.NoIntent": [
    "no",
    "nope",
    "nah",
    "no thanks",
    "no thank you",
    "not really",
    "not now",
    "i don't think so",
    "no way",
    "not interested",
  ],
  "AMAZON.NavigateHomeIntent": ["go home", "home", "go to the home screen", "go back home"],
};

/** Words that close the skill outright; Alexa sends SessionEndedRequest (USER_INITIATED) for them. */
export const EXIT_PHRASES: readonly string[] = ["exit", "exit skill", "close", "close skill", "leave"];

/** Phrases that open a skill by its invocation name: "open her movie guide". */
export const LAUNCH_VERBS: readonly string[] = ["open", "start", "launch", "begin", "load", "play", "run", "talk to"];

/** Phrases that hand a skill a question in one breath: "ask her movie guide how long is her". */
export const ONE_SHOT_VERBS: readonly string[] = ["ask", "tell"];
