// X's own character counting (the `twitter-text` package's v3 configuration), the same rules delivery
// uses (layers/carebird/outbound/text.py): most scripts weigh 1, CJK and emoji 2, every link 23.
// Loaded on demand: only the composer needs it.
export const MAX_WEIGHTED_LENGTH = 280;

type TwitterText = typeof import("twitter-text");
let loaded: Promise<TwitterText> | null = null;

export function twitterText(): Promise<TwitterText> {
  loaded ??= import("twitter-text").then((m) => ((m as unknown as { default?: TwitterText }).default ?? m) as TwitterText);
  return loaded;
}

export interface Weighed {
  weightedLength: number;
  hasLink: boolean;
}

export async function weigh(text: string): Promise<Weighed> {
  const tt = await twitterText();
  return { weightedLength: tt.parseTweet(text).weightedLength, hasLink: tt.extractUrls(text).length > 0 };
}
