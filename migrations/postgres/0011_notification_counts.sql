-- A user's notifications counted as their lists are (the total, and how many are unread), and
-- "read" kept as one mark per user: every notification up to `read_through` is read, since
-- `read_through_at`. Marking all read is then one row's update however many there are (rows
-- marked one by one before, with `read_at`, stay read). `last_notification` is the newest one's
-- id, which the mark takes; a mark and a new notification update the same row, so one waits
-- for the other and the mark never passes over a notification it did not count.
alter table user_counts
    add column notifications bigint not null default 0,
    add column unread bigint not null default 0,
    add column last_notification bigint not null default 0,
    add column read_through bigint not null default 0,
    add column read_through_at bigint;

update user_counts set
    notifications = (select count(*) from notifications n where n.user_id = user_counts.user_id),
    unread = (select count(*) from notifications n where n.user_id = user_counts.user_id and n.read_at is null),
    last_notification = coalesce((select max(n.notification_id) from notifications n
                                  where n.user_id = user_counts.user_id), 0);

create function user_counts_notified() returns trigger language plpgsql as $$
begin
    update user_counts
       set notifications = notifications + 1, unread = unread + 1,
           last_notification = greatest(last_notification, new.notification_id)
     where user_id = new.user_id;
    return null;
end
$$;

create trigger user_counts_notified after insert on notifications
    for each row execute function user_counts_notified();

-- It served counting the unread rows, which marking read no longer changes.
drop index notifications_unread;
