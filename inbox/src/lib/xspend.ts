// What X bills, as people read it: the kinds carebird counts (carebird.spend.prices.XUse) and dollars.
const NAMES: Record<string, string> = {
  post_read: "Posts read",
  owned_read: "Own mentions read (owned app)",
  user_read: "Users looked up",
  dm_event_read: "DM events read",
  post: "Posts",
  post_with_url: "Posts with a link",
  dm_sent: "DMs sent",
  interaction: "Likes and follows",
};

const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 3 });

export function kindName(kind: string): string {
  return NAMES[kind] ?? kind;
}

export function usd(value: number): string {
  return money.format(value);
}
