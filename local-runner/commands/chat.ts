/** `her-faq chat`: a typed conversation with the skill, session carried from turn to turn. */
import { createInterface } from "node:readline/promises";
import type { Turn } from "../conversation.js";
import type { Runtime } from "../runtime.js";

export async function chat(runtime: Runtime): Promise<void> {
  const conversation = runtime.conversation();
  const terminal = Boolean(process.stdin.isTTY);
  const lines = createInterface({ input: process.stdin, output: process.stdout, terminal });
  let reprompt = "";
  const show = (turn: Turn) => {
    if (turn.speech) process.stdout.write(`\nguide: ${turn.speech}\n\n`);
    reprompt = turn.reprompt ?? "";
  };
  if (terminal)
    process.stdout.write('Talk to the Her movie guide. Type a question; "stop" ends. Ctrl-D quits.\n');
  show(await conversation.launch());
  let silences = 0;
  lines.setPrompt("you> ");
  lines.prompt();
  try {
    for await (const line of lines) {
      const utterance = line.trim();
      if (utterance === "") {
        // Silence: the device plays the reprompt once, then Alexa closes the session.
        if (++silences >= 2 || reprompt === "") {
          await conversation.send({ kind: "end", reason: "EXCEEDED_MAX_REPROMPTS" });
          break;
        }
        process.stdout.write(`\nguide: ${reprompt}\n\n`);
      } else {
        silences = 0;
        const turn = await conversation.say(utterance);
        show(turn);
        if (conversation.ended) break;
      }
      lines.prompt();
    }
    if (!conversation.ended) await conversation.send({ kind: "end", reason: "USER_INITIATED" });
  } finally {
    lines.close();
  }
}
