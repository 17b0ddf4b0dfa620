// Customer (and any X) text, always as text: Preact sets text nodes, never HTML, so `<script>` or
// `<img onerror>` in a post shows as those characters. Only X's own t.co links become links; dir="auto"
// lets right-to-left text read the right way.
const TCO = /(https:\/\/t\.co\/[A-Za-z0-9]+)/g;

export function TweetText({ text, class: className }: { text: string; class?: string }) {
  const pieces = text.split(TCO);
  return (
    <p class={className ?? "text"} dir="auto">
      {pieces.map((piece, i) =>
        i % 2 === 1 ? (
          <a key={i} href={piece} target="_blank" rel="noopener noreferrer nofollow">
            {piece}
          </a>
        ) : (
          piece
        ),
      )}
    </p>
  );
}
