-- Users, partner requests, partnerships, blocks and the notification outbox (SQLite).
-- Timestamps are integer milliseconds since the Unix epoch, UTC.

create table users (
    user_id     integer primary key,
    email       text    not null,        -- trimmed and lower-cased by the application
    name        text    not null,
    name_key    text    not null,        -- lower-cased name, what user search matches
    created_at  integer not null,
    constraint users_email_key unique (email)
);

create index users_by_name on users (name_key, user_id);

create table partner_requests (
    request_id   integer primary key,
    sender_id    integer not null references users (user_id),
    recipient_id integer not null references users (user_id),
    user_low     integer not null,       -- the pair in canonical order, for the pair index
    user_high    integer not null,
    status       text    not null default 'pending',
    message      text,
    created_at   integer not null,
    responded_at integer,
    constraint partner_requests_not_self check (sender_id <> recipient_id),
    constraint partner_requests_canonical_pair check (
        user_low < user_high
        and ((user_low = sender_id and user_high = recipient_id)
          or (user_low = recipient_id and user_high = sender_id))),
    constraint partner_requests_status_known check (status in ('pending', 'accepted', 'rejected', 'cancelled')),
    constraint partner_requests_responded_when_closed check ((status = 'pending') = (responded_at is null))
);

create unique index partner_requests_one_pending_per_pair
    on partner_requests (user_low, user_high) where status = 'pending';
create index partner_requests_by_recipient
    on partner_requests (recipient_id, status, created_at desc, request_id desc);
create index partner_requests_by_sender
    on partner_requests (sender_id, status, created_at desc, request_id desc);

-- A request leaves 'pending' once: no update may change the status of a closed request.
create trigger partner_requests_closed_is_final
before update of status on partner_requests
when old.status <> 'pending'
begin
    select raise(abort, 'partner_requests_closed_is_final');
end;

create table partnerships (
    partnership_id integer primary key,
    user_a_id      integer not null references users (user_id),
    user_b_id      integer not null references users (user_id),
    created_at     integer not null,
    constraint partnerships_ordered_pair check (user_a_id < user_b_id)
);

create unique index partnerships_one_per_pair on partnerships (user_a_id, user_b_id);
create index partnerships_by_user_a on partnerships (user_a_id, created_at desc, partnership_id desc);
create index partnerships_by_user_b on partnerships (user_b_id, created_at desc, partnership_id desc);

create table blocks (
    blocker_id integer not null references users (user_id),
    blocked_id integer not null references users (user_id),
    created_at integer not null,
    constraint blocks_pkey primary key (blocker_id, blocked_id),
    constraint blocks_not_self check (blocker_id <> blocked_id)
);

create index blocks_by_blocked on blocks (blocked_id, blocker_id);

-- The in-app inbox and the delivery outbox in one table: a row is written in the same
-- transaction as the change it reports, and the delivery worker works through the undelivered.
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
    constraint notifications_kind_known check (kind in ('request_received', 'request_accepted'))
);

create index notifications_by_user on notifications (user_id, created_at desc, notification_id desc);
create index notifications_unread on notifications (user_id) where read_at is null;
create index notifications_undelivered on notifications (next_attempt_at)
    where delivered_at is null and failed_at is null;
