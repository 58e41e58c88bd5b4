-- A number per user that grows with every change to what the user's dashboard shows: their
-- pending requests (either side), their partnerships, blocks made by or against them, and their
-- notifications (new ones, or read). Kept by triggers in the transaction of the change, so a
-- dashboard read at one number stays right while the number (and `users_version`, for the
-- users it lists) is unchanged, on every instance sharing the database. The rows are those the
-- count triggers already lock in the same transactions, in the same (index) order.
alter table user_counts add column version bigint not null default 0;

-- The trigger's two arguments name the row's columns that hold the users concerned.
create function user_version_changed() returns trigger language plpgsql as $$
declare
    changed jsonb;
begin
    if tg_op = 'DELETE' then
        changed := to_jsonb(old);
    else
        changed := to_jsonb(new);
    end if;
    update user_counts set version = version + 1
     where user_id in ((changed ->> tg_argv[0])::bigint, (changed ->> tg_argv[1])::bigint);
    return null;
end
$$;

create trigger user_version_request_changed after insert or update on partner_requests
    for each row execute function user_version_changed('sender_id', 'recipient_id');

create trigger user_version_partnership_changed after insert or update or delete on partnerships
    for each row execute function user_version_changed('user_a_id', 'user_b_id');

create trigger user_version_block_changed after insert or delete on blocks
    for each row execute function user_version_changed('blocker_id', 'blocked_id');

create trigger user_version_notified after insert or update of read_at on notifications
    for each row execute function user_version_changed('user_id', 'user_id');
