-- E-mail that respects people: what became of each notification's mail, the daily
-- digests, and the hourly cap per recipient.
--
-- `mail` says what delivery decided: 'sent' (mailed on its own), 'off' (the user turned that kind
-- off), 'digest' (held for the user's next daily digest: by choice, or because the recipient had
-- had their hourly share of mail). A held row stays out of the outbox (`delivered_at` is set: the
-- outbox is done with it) until a digest takes it, which writes the digest's day in `digest_day`.
-- `mailed_at` is when an immediate mail was let through the cap: counting those of the last hour
-- is the cap. Rows from before this migration keep null in all three.

alter table notifications add column mail text
    constraint notifications_mail_known check (mail in ('sent', 'off', 'digest'));
alter table notifications add column mailed_at bigint;
alter table notifications add column digest_day bigint;

-- The cap: one recipient's mails of the last hour, counted from the index alone.
create index notifications_mailed_by_user on notifications (user_id, mailed_at) where mailed_at is not null;
-- What waits for a digest: the next user who has something (one seek), and that user's items
-- oldest first; a digest's own items, to send it again.
create index notifications_digest_waiting on notifications (user_id, notification_id)
    where mail = 'digest' and digest_day is null;
create index notifications_in_digest on notifications (user_id, digest_day) where digest_day is not null;

-- One row per user and digest day: the claim that makes each digest once across instances and
-- restarts (the primary key), and its own small outbox (sent, retried like a notification).
create table mail_digests (
    user_id         bigint not null references users (user_id),
    day             bigint not null,     -- days since the epoch, counted from the digest hour
    items           bigint not null,
    created_at      bigint not null,
    sent_at         bigint,
    attempts        bigint not null default 0,
    next_attempt_at bigint not null,
    last_error      text,
    failed_at       bigint,                -- set when sending gave up after the last attempt
    constraint mail_digests_pkey primary key (user_id, day)
);
create index mail_digests_unsent on mail_digests (next_attempt_at) where sent_at is null and failed_at is null;
