-- Per-user totals of the lists (pending requests received and sent, partnerships), kept by
-- triggers in the transaction of every change, so a list's total is one primary-key read
-- however many rows the user has (counting an index range costs time in proportion to it).
-- Each change updates the two users' rows in one statement, and every later statement of the
-- same transaction touches the same pair, so two transactions rarely wait on each other's rows;
-- should they deadlock, PostgreSQL aborts one of them.
create table user_counts (
    user_id          bigint primary key references users (user_id),
    pending_received bigint not null default 0,
    pending_sent     bigint not null default 0,
    partnerships     bigint not null default 0
);

insert into user_counts (user_id, pending_received, pending_sent, partnerships)
select u.user_id,
       (select count(*) from partner_requests r where r.recipient_id = u.user_id and r.status = 'pending'),
       (select count(*) from partner_requests r where r.sender_id = u.user_id and r.status = 'pending'),
       (select count(*) from partnerships p where p.user_a_id = u.user_id)
         + (select count(*) from partnerships p where p.user_b_id = u.user_id)
from users u;

create function user_counts_new_user() returns trigger language plpgsql as $$
begin
    insert into user_counts (user_id) values (new.user_id);
    return null;
end
$$;

create trigger user_counts_new_user after insert on users
    for each row execute function user_counts_new_user();

-- `step` is +1 when a request becomes pending (sent), -1 when it leaves pending.
create function user_counts_pending(sender bigint, recipient bigint, step bigint) returns void
language sql as $$
    update user_counts
       set pending_sent = pending_sent + case when user_id = sender then step else 0 end,
           pending_received = pending_received + case when user_id = recipient then step else 0 end
     where user_id in (sender, recipient);
$$;

create function user_counts_request_changed() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' and new.status = 'pending' then
        perform user_counts_pending(new.sender_id, new.recipient_id, 1);
    elsif tg_op = 'UPDATE' and old.status = 'pending' and new.status <> 'pending' then
        perform user_counts_pending(new.sender_id, new.recipient_id, -1);
    end if;
    return null;
end
$$;

create trigger user_counts_request_changed after insert or update of status on partner_requests
    for each row execute function user_counts_request_changed();

create function user_counts_partnership_changed() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        update user_counts set partnerships = partnerships + 1 where user_id in (new.user_a_id, new.user_b_id);
    else
        update user_counts set partnerships = partnerships - 1 where user_id in (old.user_a_id, old.user_b_id);
    end if;
    return null;
end
$$;

create trigger user_counts_partnership_changed after insert or delete on partnerships
    for each row execute function user_counts_partnership_changed();
