// Canned responses' placeholders: {name}; {{ and }} are literal braces (as the API fills them).
const PLACEHOLDER = /\{\{|\}\}|\{([a-z][a-z0-9_]{0,39})\}/g;

export function placeholders(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER)) if (m[1]) names.add(m[1]);
  return [...names];
}

export function fill(text: string, values: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (whole, name?: string) => {
    if (whole === "{{") return "{";
    if (whole === "}}") return "}";
    return name && values[name] ? values[name] : whole;
  });
}
