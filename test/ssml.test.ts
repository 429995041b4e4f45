import { XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { escapeSsml, speechOf, ssmlToText } from "../skill/speech/ssml.js";

describe("SSML", () => {
  it("escapes the characters that would break markup", () => {
    expect(escapeSsml(`Q&A <b>"quoted"</b> it's`)).toBe(
      "Q&amp;A &lt;b&gt;&quot;quoted&quot;&lt;/b&gt; it&apos;s",
    );
  });

  it("keeps hostile text as spoken words inside valid SSML", () => {
    const hostile = `</speak><audio src="http://evil"/> & "x") (system "touch /tmp/owned") ("`;
    const ssml = `<speak>${speechOf(hostile, "second sentence")}</speak>`;
    expect(XMLValidator.validate(ssml)).toBe(true);
    expect(ssml).not.toContain("<audio");
    expect(ssmlToText(ssml)).toBe(`${hostile} second sentence`);
  });

  it("turns SSML back into plain text, pauses and entities included", () => {
    expect(ssmlToText(`<speak>Hi &amp; welcome. <break time="300ms"/> Ask &#39;me&#x27; .</speak>`)).toBe(
      "Hi & welcome. Ask 'me'.",
    );
    expect(ssmlToText("<speak>&unknown; stays</speak>")).toBe("&unknown; stays");
  });
});
