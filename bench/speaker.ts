/**
 * Speaking speed on Linux: how long after an answer is known its first sound reaches the audio device, and
 * how much silence the speaker adds between sentences, for `say` (festival started per sentence) and for the
 * streaming speaker (festival or flite loaded once). The device is an ALSA file device writing into a FIFO
 * this script reads, so every figure is taken where the sound leaves for the speaker.
 *
 *   npm run bench:speaker [-- --answers 10]
 */
import { spawnSync } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SAMPLE_RATE } from "../local-runner/audio/wav.js";
import { SaySpeaker, type Speaker } from "../local-runner/speech-out/speaker.js";
import { StreamingSpeaker } from "../local-runner/speech-out/streaming-speaker.js";
import { faq } from "../skill/faq/data.js";

const { values } = parseArgs({ options: { answers: { type: "string", default: "10" } } });
const answers = faq.slice(0, Number(values.answers)).map((entry) => entry.answer);

const folder = mkdtempSync(join(tmpdir(), "her-faq-bench-speaker-"));
const fifo = join(folder, "speaker.fifo");
spawnSync("mkfifo", [fifo]);
writeFileSync(
  join(folder, "asound.conf"),
  `pcm.!default { type file; slave.pcm { type null }; file "${fifo}"; format "raw" }\n`,
);
// Read when each player starts, so festival's and aplay's players all write to the FIFO.
process.env.ALSA_CONFIG_PATH = join(folder, "asound.conf");

/** What arrived at the device: one burst per read, and one session per player process. */
interface Burst {
  readonly at: number;
  readonly session: number;
  readonly loud: boolean;
}
const bursts: Burst[] = [];
let listening = true;

/** Reads the FIFO as the sound card would, reopening it for each new player process. */
async function device(): Promise<void> {
  for (let session = 0; listening; session++) {
    for await (const data of createReadStream(fifo)) {
      const bytes = data as Buffer;
      const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 2));
      bursts.push({ at: performance.now(), session, loud: loudness(pcm) > 100 });
    }
  }
}

function loudness(pcm: Int16Array): number {
  let peak = 0;
  for (let i = 0; i + 160 <= pcm.length; i += 160) {
    let sum = 0;
    for (let j = i; j < i + 160; j++) sum += (pcm[j] as number) ** 2;
    peak = Math.max(peak, Math.sqrt(sum / 160));
  }
  return peak;
}

interface Figures {
  firstSound: number[];
  own: number[];
  gaps: number[];
}

/** One answer: from speak() to the first loud burst at the device, and the silences it added between sentences. */
async function measure(speaker: Speaker, text: string): Promise<[number, number?]> {
  const from = bursts.length;
  const asked = performance.now();
  const spoken = await speaker.speak(text);
  // The device's last bursts may still be on their way.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const first = bursts.slice(from).find((burst) => burst.loud);
  return [first ? first.at - asked : Number.NaN, spoken.firstAudioMs];
}

async function runSay(): Promise<Figures> {
  const figures: Figures = { firstSound: [], own: [], gaps: [] };
  const speaker = new SaySpeaker({ voice: "cmu_us_slt_arctic_hts" });
  for (const text of answers) {
    const from = bursts.length;
    const [first] = await measure(speaker, text);
    figures.firstSound.push(first);
    // On an unpaced device each sentence's player ends at once; the next sentence's first burst comes when
    // festival has started again: that wait is the silence a listener hears added between the sentences.
    const mine = bursts.slice(from);
    for (let i = 1; i < mine.length; i++) {
      const [before, after] = [mine[i - 1] as Burst, mine[i] as Burst];
      if (after.session !== before.session) figures.gaps.push(after.at - before.at);
    }
  }
  return figures;
}

async function runStreaming(voice: string): Promise<Figures> {
  const figures: Figures = { firstSound: [], own: [], gaps: [] };
  let timeline: Array<{ playsAt: number; ms: number; sentenceStart: boolean }> = [];
  const speaker = new StreamingSpeaker({
    voice,
    onPlayed: ({ playsAt, samples }) =>
      timeline.push({ playsAt, ms: (samples.length * 1000) / SAMPLE_RATE, sentenceStart: false }),
  });
  // Festival loads in about a second: as in a conversation, the welcome waits for it, not the answers.
  await speaker.speak("Hi.");
  for (const text of answers) {
    timeline = [];
    const [first, own] = await measure(speaker, text);
    figures.firstSound.push(first);
    if (own !== undefined) figures.own.push(own);
    // A chunk due later than the end of the one before it means the device waited for the synthesizer.
    for (let i = 1; i < timeline.length; i++) {
      const before = timeline[i - 1] as (typeof timeline)[number];
      const late = (timeline[i]?.playsAt ?? 0) - (before.playsAt + before.ms);
      if (late > 1) figures.gaps.push(late);
    }
  }
  await speaker.close();
  return figures;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

const row = (name: string, figures: Figures) => {
  const ms = (value: number) => `${Math.round(value)} ms`.padStart(8);
  const own =
    figures.own.length > 0
      ? `${ms(quantile(figures.own, 0.5))} ${ms(quantile(figures.own, 0.95))}`
      : "       -        -";
  const gaps =
    figures.gaps.length > 0
      ? `${ms(quantile(figures.gaps, 0.5))} ${ms(Math.max(...figures.gaps))}`
      : `${ms(0)} ${ms(0)}`;
  return `${name.padEnd(34)} ${ms(quantile(figures.firstSound, 0.5))} ${ms(quantile(figures.firstSound, 0.95))}   ${own}   ${gaps}`;
};

void device().catch((error: unknown) => console.error(`the FIFO device failed: ${error}`));
try {
  console.log(
    `${answers.length} FAQ answers, ${answers.join(" ").split(/[.?!]\s/).length} sentences; times in ms`,
  );
  console.log(
    `${"speaker".padEnd(34)} first sound at device   first chunk handed   added gap between sentences`,
  );
  console.log(`${"".padEnd(34)}   median      p95     median      p95     median      max`);
  console.log(row("say (festival per sentence)", await runSay()));
  console.log(row("streaming, festival slt HTS", await runStreaming("cmu_us_slt_arctic_hts")));
  console.log(row("streaming, flite:slt", await runStreaming("flite:slt")));
} finally {
  listening = false;
  rmSync(folder, { recursive: true, force: true });
  // The reader may be waiting for a next player on the FIFO, which no write from this thread can end safely.
  process.exit();
}
