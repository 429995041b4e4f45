/** The speech recognizers a user can choose, apart from the code that runs them (the CLI names them early). */
export const ENGINES = ["auto", "vosk", "pocketsphinx"] as const;
export type Engine = (typeof ENGINES)[number];
