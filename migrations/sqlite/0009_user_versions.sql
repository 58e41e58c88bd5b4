-- A number per user that grows with every change to what the user's dashboard shows: their
-- pending requests (either side), their partnerships, blocks made by or against them, and their
-- notifications (new ones, or read). Kept by triggers in the transaction of the change, so a
-- dashboard read at one number stays right while the number (and `users_version`, for the
-- users it lists) is unchanged, on every instance sharing the database.
alter table user_counts add column version integer not null default 0;

create trigger user_version_request_sent after insert on partner_requests begin
    update user_counts set version = version + 1 where user_id in (new.sender_id, new.recipient_id);
end;

create trigger user_version_request_changed after update on partner_requests begin
    update user_counts set version = version + 1 where user_id in (new.sender_id, new.recipient_id);
end;

create trigger user_version_partnership_made after insert on partnerships begin
    update user_counts set version = version + 1 where user_id in (new.user_a_id, new.user_b_id);
end;

create trigger user_version_partnership_changed after update on partnerships begin
    update user_counts set version = version + 1 where user_id in (new.user_a_id, new.user_b_id);
end;

create trigger user_version_partnership_ended after delete on partnerships begin
    update user_counts set version = version + 1 where user_id in (old.user_a_id, old.user_b_id);
end;

create trigger user_version_block_made after insert on blocks begin
    update user_counts set version = version + 1 where user_id in (new.blocker_id, new.blocked_id);
end;

create trigger user_version_block_removed after delete on blocks begin
    update user_counts set version = version + 1 where user_id in (old.blocker_id, old.blocked_id);
end;

create trigger user_version_notified after insert on notifications begin
    update user_counts set version = version + 1 where user_id = new.user_id;
end;

create trigger user_version_notification_read after update of read_at on notifications begin
    update user_counts set version = version + 1 where user_id = new.user_id;
end;
