-- Passkeys (WebAuthn credentials) that people sign in with, and each user's WebAuthn user
-- handle: the random id an authenticator keeps with the credentials it made for that user, and
-- hands back when it signs in without an address typed. Both are keyed by user, so erasing a
-- user deletes its rows here too.

create table passkey_users (
    user_id     integer not null references users (user_id),
    user_handle text    not null,        -- a random UUID, made when the user adds a first passkey
    created_at  integer not null,
    constraint passkey_users_pkey primary key (user_id),
    constraint passkey_users_handle_key unique (user_handle)
);

create table passkeys (
    passkey_id    integer primary key,
    user_id       integer not null references users (user_id),
    name          text    not null,      -- what the person called it, 1..60 characters
    credential_id text    not null,      -- the credential id, hex
    credential    text    not null,      -- the public key, counter and flags, as the library serialises them
    created_at    integer not null,
    last_used_at  integer,
    constraint passkeys_credential_id_key unique (credential_id),
    constraint passkeys_name_length check (length(name) between 1 and 60)
);

-- A user's passkeys, in the order they were added (the list is capped per user).
create index passkeys_by_user on passkeys (user_id, passkey_id);
