-- Request lifecycle: a request expires (`expires_at`, status `expired`), its recipient
-- is reminded once before (`reminded_at`, the claim that makes it once), and a rejection or a
-- withdrawal starts a cooldown (`starts_cooldown`; a block's silent rejection and expiry do not).
-- Who may send a user requests, and which mails they want, live in `user_settings`.
--
-- SQLite cannot change a check constraint in place, so `partner_requests` and `notifications`
-- (whose kinds gain `request_reminder`) are rebuilt: both are copied aside, dropped child first
-- so that no foreign key ever points at a missing row, and created again with their indexes and
-- triggers. The copy keeps every id, so `user_counts` stays as it was.
--
-- A request pending at the upgrade expires 30 days (the default lifetime) after it was sent: a
-- migration cannot read the server's settings, and a lifetime once given is never rewritten by a
-- change of setting, so these requests get the one every request would have had by default.
-- Requests closed before the upgrade start no cooldown: a block's silent rejection cannot be told
-- from the recipient's own in the old rows, and a block must start none.

create table partner_requests_v12 as select * from partner_requests;
create table notifications_v12 as select * from notifications;
drop table notifications;
drop table partner_requests;

create table partner_requests (
    request_id      integer primary key,
    sender_id       integer not null references users (user_id),
    recipient_id    integer not null references users (user_id),
    user_low        integer not null,       -- the pair in canonical order, for the pair index
    user_high       integer not null,
    status          text    not null default 'pending',
    message         text,
    created_at      integer not null,
    responded_at    integer,                -- for an expired request, when it expired
    expires_at      integer,                -- null: never (a lifetime of 0 days)
    reminded_at     integer,                -- when its recipient was reminded, once
    starts_cooldown integer not null default 0, -- 1: rejected by its recipient, or withdrawn
    constraint partner_requests_not_self check (sender_id <> recipient_id),
    constraint partner_requests_canonical_pair check (
        user_low < user_high
        and ((user_low = sender_id and user_high = recipient_id)
          or (user_low = recipient_id and user_high = sender_id))),
    constraint partner_requests_status_known
        check (status in ('pending', 'accepted', 'rejected', 'cancelled', 'expired')),
    constraint partner_requests_responded_when_closed check ((status = 'pending') = (responded_at is null))
);

insert into partner_requests (request_id, sender_id, recipient_id, user_low, user_high, status, message,
                              created_at, responded_at, expires_at, reminded_at, starts_cooldown)
select request_id, sender_id, recipient_id, user_low, user_high, status, message, created_at, responded_at,
       created_at + 30 * 86400000, null, 0
from partner_requests_v12;

create table notifications (
    notification_id integer primary key,
    user_id         integer not null references users (user_id),
    kind            text    not null,
    text            text    not null,
    request_id      integer references partner_requests (request_id),
    created_at      integer not null,
    read_at         integer,
    delivered_at    integer,
    failed_at       integer,              -- set when delivery gave up after the last attempt
    attempts        integer not null default 0,
    next_attempt_at integer not null,
    last_error      text,
    constraint notifications_kind_known
        check (kind in ('request_received', 'request_accepted', 'request_reminder'))
);

insert into notifications select * from notifications_v12;
drop table notifications_v12;
drop table partner_requests_v12;

create unique index partner_requests_one_pending_per_pair
    on partner_requests (user_low, user_high) where status = 'pending';
-- The pending lists, read from the index alone (see 0007), now with each request's expiry.
create index partner_requests_by_recipient on partner_requests
    (recipient_id, status, created_at desc, request_id desc, sender_id, message, responded_at, expires_at);
create index partner_requests_by_sender on partner_requests
    (sender_id, status, created_at desc, request_id desc, recipient_id, message, responded_at, expires_at);
create index partner_requests_by_sender_time on partner_requests (sender_id, created_at);
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

create trigger partner_requests_closed_is_final
before update of status on partner_requests
when old.status <> 'pending'
begin
    select raise(abort, 'partner_requests_closed_is_final');
end;

create trigger user_counts_request_sent after insert on partner_requests when new.status = 'pending' begin
    update user_counts set pending_sent = pending_sent + 1 where user_id = new.sender_id;
    update user_counts set pending_received = pending_received + 1 where user_id = new.recipient_id;
end;

create trigger user_counts_request_closed after update of status on partner_requests
when old.status = 'pending' and new.status <> 'pending' begin
    update user_counts set pending_sent = pending_sent - 1 where user_id = new.sender_id;
    update user_counts set pending_received = pending_received - 1 where user_id = new.recipient_id;
end;

create trigger user_version_request_sent after insert on partner_requests begin
    update user_counts set version = version + 1 where user_id in (new.sender_id, new.recipient_id);
end;

create trigger user_version_request_changed after update on partner_requests begin
    update user_counts set version = version + 1 where user_id in (new.sender_id, new.recipient_id);
end;

create index notifications_by_user on notifications (user_id, created_at desc, notification_id desc);
create index notifications_undelivered on notifications (next_attempt_at)
    where delivered_at is null and failed_at is null;

create trigger user_version_notified after insert on notifications begin
    update user_counts set version = version + 1 where user_id = new.user_id;
end;

create trigger user_version_notification_read after update of read_at on notifications begin
    update user_counts set version = version + 1 where user_id = new.user_id;
end;

create trigger user_counts_notified after insert on notifications begin
    update user_counts
       set notifications = notifications + 1, unread = unread + 1,
           last_notification = max(last_notification, new.notification_id)
     where user_id = new.user_id;
end;

-- One user's choices; a user without a row has the defaults.
create table user_settings (
    user_id                integer primary key references users (user_id),
    accepts_requests_from  text    not null default 'everyone',
    email_request_received text    not null default 'immediately',
    email_request_accepted text    not null default 'immediately',
    email_request_reminder text    not null default 'immediately',
    created_at             integer not null,
    updated_at             integer not null,
    constraint user_settings_accepts_known
        check (accepts_requests_from in ('everyone', 'partners_of_partners', 'nobody')),
    constraint user_settings_mail_known check (
        email_request_received in ('immediately', 'daily_digest', 'off')
        and email_request_accepted in ('immediately', 'daily_digest', 'off')
        and email_request_reminder in ('immediately', 'daily_digest', 'off'))
);
