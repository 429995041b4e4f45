/**
 * Captures from the real microphone in a process of its own, so a test can point ALSA at its own config
 * (ALSA_CONFIG_PATH is read once, when the ALSA library starts). Reports on stdout, one JSON line per event:
 * {"devices"}, {"started"}, {"captured"} once SAMPLES samples are in OUT (raw 16-bit), {"lost"}, {"unavailable"}.
 *
 *   node --import tsx test/support/microphone-capture.ts OUT SAMPLES [DEVICE] [--keep-listening]
 *
 * With --keep-listening it goes on after {"captured"} until the microphone is lost.
 */
import { writeFileSync } from "node:fs";
import {
  listMicrophones,
  MicrophoneUnavailable,
  openMicrophone,
} from "../../local-runner/audio/microphone.js";

const [out, samples, device] = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
const keepListening = process.argv.includes("--keep-listening");
const wanted = Number(samples);
const report = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);

if (!out || !Number.isInteger(wanted)) {
  process.stderr.write("usage: microphone-capture.ts OUT SAMPLES [DEVICE] [--keep-listening]\n");
  process.exit(2);
}

try {
  report({ devices: listMicrophones().map(({ name }) => name) });
  const microphone = openMicrophone({ device, firstAudioTimeoutMs: 2000 });
  const chunks: Int16Array[] = [];
  let received = 0;
  let done = false;
  await microphone.start(
    (chunk) => {
      if (done) return;
      chunks.push(chunk.slice());
      received += chunk.length;
      if (received < wanted) return;
      done = true;
      const all = new Int16Array(received);
      let offset = 0;
      for (const part of chunks) {
        all.set(part, offset);
        offset += part.length;
      }
      writeFileSync(out, all.subarray(0, wanted));
      report({ captured: wanted });
      if (!keepListening) microphone.stop();
    },
    (error) => report({ lost: error.message, name: error.name }),
  );
  report({ started: true });
} catch (error) {
  if (!(error instanceof MicrophoneUnavailable)) throw error;
  report({ unavailable: error.message });
}
