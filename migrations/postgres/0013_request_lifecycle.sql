-- Request lifecycle: a request expires (`expires_at`, status `expired`), its recipient
-- is reminded once before (`reminded_at`, the claim that makes it once), and a rejection or a
-- withdrawal starts a cooldown (`starts_cooldown`; a block's silent rejection and expiry do not).
-- Who may send a user requests, and which mails they want, live in `user_settings`.
--
-- A request pending at the upgrade expires 30 days (the default lifetime) after it was sent: a
-- migration cannot read the server's settings, and a lifetime once given is never rewritten by a
-- change of setting, so these requests get the one every request would have had by default.
-- Requests closed before the upgrade start no cooldown: a block's silent rejection cannot be told
-- from the recipient's own in the old rows, and a block must start none.

alter table partner_requests
    add column expires_at bigint,               -- null: never (a lifetime of 0 days)
    add column reminded_at bigint,              -- when its recipient was reminded, once
    add column starts_cooldown smallint not null default 0; -- 1: rejected by its recipient, or withdrawn

-- Filling the new column changes nothing a dashboard shows (no version before this one reads it),
-- so the per-row version trigger is left out of this one statement.
alter table partner_requests disable trigger user_version_request_changed;
update partner_requests set expires_at = created_at + 30 * 86400000::bigint;
alter table partner_requests enable trigger user_version_request_changed;

alter table partner_requests drop constraint partner_requests_status_known;
alter table partner_requests add constraint partner_requests_status_known
    check (status in ('pending', 'accepted', 'rejected', 'cancelled', 'expired'));

alter table notifications drop constraint notifications_kind_known;
alter table notifications add constraint notifications_kind_known
    check (kind in ('request_received', 'request_accepted', 'request_reminder'));

-- One user's pending requests by expiry: how many of a list's total are past their time (which
-- the sweep keeps few), and when a kept dashboard stops being right.
create index partner_requests_pending_expiry_by_recipient on partner_requests (recipient_id, expires_at)
    where status = 'pending' and expires_at is not null;
create index partner_requests_pending_expiry_by_sender on partner_requests (sender_id, expires_at)
    where status = 'pending' and expires_at is not null;
-- The sweep reads only the requests due, oldest first; the reminder only those not yet reminded.
create index partner_requests_to_expire on partner_requests (expires_at)
    where status = 'pending' and expires_at is not null;
create index partner_requests_to_remind on partner_requests (expires_at)
    where status = 'pending' and reminded_at is null and expires_at is not null;
-- The latest request of one sender to one recipient that started a cooldown.
create index partner_requests_cooldowns on partner_requests (sender_id, recipient_id, responded_at)
    where starts_cooldown = 1;

-- One user's choices; a user without a row has the defaults.
create table user_settings (
    user_id                bigint primary key references users (user_id),
    accepts_requests_from  text   not null default 'everyone',
    email_request_received text   not null default 'immediately',
    email_request_accepted text   not null default 'immediately',
    email_request_reminder text   not null default 'immediately',
    created_at             bigint not null,
    updated_at             bigint not null,
    constraint user_settings_accepts_known
        check (accepts_requests_from in ('everyone', 'partners_of_partners', 'nobody')),
    constraint user_settings_mail_known check (
        email_request_received in ('immediately', 'daily_digest', 'off')
        and email_request_accepted in ('immediately', 'daily_digest', 'off')
        and email_request_reminder in ('immediately', 'daily_digest', 'off'))
);
