"""DynamoDB access for carebird: one table (env TABLE_NAME), PynamoDB models kept inside this package.

The table's key schema is fixed by template.yaml: `pk`/`sk` (S), GSIs `gsi1` (`gsi1pk`/`gsi1sk`) and
`gsi2` (`gsi2pk`/`gsi2sk`), both projecting keys only (template parameter IndexProjection; a stack
deployed before keeps ALL), TTL attribute `expires_at` (epoch seconds). A query of an index reads the
items it found with one BatchGetItem (`table.whole`), so a write reaches an index only when the item's
index key appears, moves or goes, and the code reads an index of either projection the same way. Every
entity prefixes its keys with its name, so entities added later share the table without collisions.
Tweet ids in sort keys are zero-padded to 20 digits so that string order is numeric order.

Item types (`<id>` is the brand's X user id, `<tid>` a tweet id, `<tid20>` the same zero-padded):

    entity        pk                          sk            gsi1pk / gsi1sk          gsi2pk / gsi2sk
    brand         BRAND#<id>                  BRAND         BRANDS / <handle lower>  -
    poll state    BRAND#<id>                  POLL          -                        -
    (before)      BRAND#<id>                  CURSOR, DMCURSOR, POLL#DMS  (read until POLL has theirs)
    gap           BRAND#<id>                  GAP#<from20>  -                        -
    unwritten     BRAND#<id>                  UNWRITTEN#<n> -                        -
    mention       MENTIONS#<id>               MENTION#<tid20>  -                     HANDOFF#<id> / <tid20>
    DM            DMS#<id>                    DM#<eid20>    -                        DMHANDOFF#<id> / <eid20>
    (before)      MENTION#<id>#<tid>, DM#<id>#<eid>  MENTION, DM  MENTIONS#<id>, DMS#<id> / <tid20>, <eid20>
    repeat claim  REPEAT#<id>#<author>#<sha>  REPEAT        -                        -
    reply         OUTBOX#<case>#<reply>       REPLY         OUTBOX#<case> / <created>#<reply>  -
    reply part    OUTBOX#<case>#<reply>       PART#<nnn>    -                        -
    correction    CORRECTION#<id>             <at>#<case>#<cid>  -                   -
    canned reply  CANNED#<id>                 CANNED#<name> -                        -
    idempotency   IDEMPOTENCY#reply           reply#<hash>  -                        -
    presence      PRESENCE#<case>             AGENT#<agent> -                        -
    author        AUTHOR#<author id>          PROFILE       -                        -

(`<eid>` is a DM event id.) Only pending mentions and DMs carry gsi2 keys. TTL (`expires_at`): closed
gaps after 30 days, repeat claims one day after their window ends, an agent's presence on a case
seconds after its last refresh (`storage.presence`; read with its own expiry, since TTL deletion is
late), an SLA watch's task token a year and a week after it was kept (`storage.watch_tokens`), an
author's profile a day after it is too old to rank a message (`storage.authors`).
Mentions, DMs, brands and cursors never expire.

Access patterns:
- get a brand: GetItem BRAND#<id> / BRAND. List brands (by handle), find one by handle: Query gsi1 BRANDS.
- a brand's POLL item holds its lease, both feeds' cursors and both feeds' poll states (the DM feed's in
  the map `dms`), so that what a round of polls changed is one UpdateItem (`save_poll_states`). Read a
  cursor or a state: consistent GetItem POLL (an item of the release before, CURSOR, DMCURSOR or
  POLL#DMS, when POLL has not got it yet). A cursor only moves forward: `attribute_not_exists(since_id)
  OR since_id < :new` (padded ids; the DM cursor's `dm_since_id` the same), and a round's write whose
  cursor is behind saves its states alone. The lease is taken with
  `attribute_not_exists(lease_until) OR lease_until < :now OR lease_owner = :me`, an UpdateItem whose
  answer (ALL_NEW) gives the run the states and cursors without a read; it is given up with
  `lease_owner = :me` in the same UpdateItem that saves the states of the rounds that moved no cursor.
- store a mention: PutItem with `attribute_not_exists(pk)`; a conflict is `AlreadyIngested`. A mention
  no newer than the newest one the release before stored (each in a partition of its own, listed by
  gsi1: read once a process, Query gsi1 MENTIONS#<id> descending, limit 1) is first looked for there
  (GetItem), so it is stored once either way (`storage.ingest_messages`).
- a brand's mentions, newest first: Query MENTIONS#<id>, sk begins_with MENTION#, descending (and, while
  the release before's items may be among them, Query gsi1 MENTIONS#<id>, merged). No index entry is
  written for a message but its pending hand-off: one write unit for the item, one for gsi2.
- store a DM: the same, in DMS#<id> (sk DM#<eid20>; handoff index gsi2 DMHANDOFF#<id>).
- a brand's mentions awaiting triage, oldest first: Query gsi2 HANDOFF#<id> (sparse: marking a mention
  handed off removes gsi2pk/gsi2sk in the same UpdateItem that sets its status).
- is this post a repeat: PutItem REPEAT#... with `attribute_not_exists(pk) OR window_ends_at <= :created
  OR tweet_id = :me` (the first post of a text within the window claims it; re-claiming is idempotent).
- a brand's gaps: consistent Query BRAND#<id>, sk begins_with GAP#; recorded with a conditional PutItem,
  widened with `to_id < :new`.
- mentions a run read and could not write: consistent Query BRAND#<id>, sk begins_with UNWRITTEN#; kept
  with PutItems of JSON chunks (at most 300 KB), an earlier run's extra chunks emptied by a PutItem.
- an outbound reply (`storage.outbox`): the header is put with `attribute_not_exists(pk)`; a delivery's
  state is one consistent Query OUTBOX#<case>#<reply>; each part write is conditional on the attempt id
  read (`attribute_not_exists(pk)` for the first claim), and a claim never replaces a sent part. A
  case's replies, oldest first: Query gsi1 OUTBOX#<case>. Outbox records expire 90 days after the reply.
- routing corrections and canned responses (`storage.casework`): a correction is put once
  (`attribute_not_exists(pk)`); a brand's corrections, oldest first: Query CORRECTION#<id> (sk >= since).
- the agent API's Idempotency-Key records belong to Powertools idempotency (`agent_api.idempotency`),
  keyed on pk/sk and expiring with `expires_at` a day after the request.

Cases, messages, conversations, agents and assignments: `storage.cases`; the SLA watches' task tokens
beside their case: `storage.watch_tokens`.
"""
