-- Per-user totals of the lists (pending requests received and sent, partnerships), kept by
-- triggers in the transaction of every change, so a list's total is one primary-key read
-- however many rows the user has (counting an index range costs time in proportion to it).
create table user_counts (
    user_id          integer primary key references users (user_id),
    pending_received integer not null default 0,
    pending_sent     integer not null default 0,
    partnerships     integer not null default 0
);

insert into user_counts (user_id, pending_received, pending_sent, partnerships)
select u.user_id,
       (select count(*) from partner_requests r where r.recipient_id = u.user_id and r.status = 'pending'),
       (select count(*) from partner_requests r where r.sender_id = u.user_id and r.status = 'pending'),
       (select count(*) from partnerships p where p.user_a_id = u.user_id)
         + (select count(*) from partnerships p where p.user_b_id = u.user_id)
from users u;

create trigger user_counts_new_user after insert on users begin
    insert into user_counts (user_id) values (new.user_id);
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

create trigger user_counts_partnership_made after insert on partnerships begin
    update user_counts set partnerships = partnerships + 1 where user_id in (new.user_a_id, new.user_b_id);
end;

create trigger user_counts_partnership_ended after delete on partnerships begin
    update user_counts set partnerships = partnerships - 1 where user_id in (old.user_a_id, old.user_b_id);
end;
