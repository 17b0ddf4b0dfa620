// The case list's order as last shown, so j/k in a case step to the neighbouring case.
let order: string[] = [];

export function rememberOrder(ids: string[]): void {
  order = ids;
}

export function neighbour(id: string, step: 1 | -1): string | null {
  const at = order.indexOf(id);
  if (at < 0) return order[0] ?? null;
  return order[at + step] ?? null;
}
