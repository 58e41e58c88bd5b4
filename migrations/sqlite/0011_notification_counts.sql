-- A user's notifications counted as their lists are (the total, and how many are unread), and
-- "read" kept as one mark per user: every notification up to `read_through` is read, since
-- `read_through_at`. Marking all read is then one row's update however many there are (rows
-- marked one by one before, with `read_at`, stay read). `last_notification` is the newest one's
-- id, which the mark takes.
alter table user_counts add column notifications integer not null default 0;
alter table user_counts add column unread integer not null default 0;
alter table user_counts add column last_notification integer not null default 0;
alter table user_counts add column read_through integer not null default 0;
alter table user_counts add column read_through_at integer;

update user_counts set
    notifications = (select count(*) from notifications n where n.user_id = user_counts.user_id),
    unread = (select count(*) from notifications n where n.user_id = user_counts.user_id and n.read_at is null),
    last_notification = coalesce((select max(n.notification_id) from notifications n
                                  where n.user_id = user_counts.user_id), 0);

create trigger user_counts_notified after insert on notifications begin
    update user_counts
       set notifications = notifications + 1, unread = unread + 1,
           last_notification = max(last_notification, new.notification_id)
     where user_id = new.user_id;
end;

-- It served counting the unread rows, which marking read no longer changes.
drop index notifications_unread;
