//! The demo cast: a few users and requests in every state, so a fresh demo has something to
//! click at once. Every change goes through the same store functions the API and the pages call;
//! only the back-dating of the seeded history (so times read "2 hours ago", not all "just now")
//! is its own statement.

use super::db::params;
use super::{Store, StoreResult};
use crate::domain::{Answer, Email, RequestId, RequestMessage, UserId, UserName};

const CAST: &[(&str, &str)] = &[
    ("Alice Martin", "alice@example.com"),
    ("Bob Okafor", "bob@example.com"),
    ("Carol Nguyen", "carol@example.com"),
    ("Dan Fischer", "dan@example.com"),
    ("Erin Walsh", "erin@example.com"),
    ("Frank Moreau", "frank@example.com"),
    ("Grace Kim", "grace@example.com"),
    ("Heidi Larsen", "heidi@example.com"),
];

/// What happens to a seeded request after it is sent.
#[derive(Clone, Copy)]
enum Then {
    Stay,
    Accept,
    Reject,
    Cancel,
}

/// (sender, recipient, message, minutes ago, what then), by index into [`CAST`].
const STORY: &[(usize, usize, Option<&str>, i64, Then)] = &[
    (4, 0, Some("Hi Alice, we met at the Lisbon summit. Partner up on the harbour deal?"), 60 * 24 * 9, Then::Accept),
    (0, 6, None, 60 * 24 * 4, Then::Accept),
    (3, 2, Some("Your fintech pipeline looks like a good fit with ours."), 60 * 24 * 6, Then::Accept),
    (7, 0, None, 60 * 24 * 3, Then::Reject),
    (5, 0, Some("Sent this to the wrong Alice, sorry!"), 60 * 30, Then::Cancel),
    (2, 4, None, 60 * 20, Then::Reject),
    (1, 0, Some("Hello Alice! I'd love to co-invest in the Porto logistics round. Interested?"), 42, Then::Stay),
    (2, 0, None, 60 * 5, Then::Stay),
    (0, 3, Some("Dan, your talk on secondary markets was great. Shall we partner?"), 60 * 26, Then::Stay),
    (6, 1, Some("Bob, Grace here. Let's team up on the Q3 deals."), 15, Then::Stay),
];

impl Store {
    /// Fills an empty database with the demo cast and its history. Returns `false`, having
    /// changed nothing, when the database already has users.
    pub async fn seed_demo(&self) -> StoreResult<bool> {
        if !self.has_no_users().await? {
            return Ok(false);
        }
        let mut ids: Vec<UserId> = Vec::with_capacity(CAST.len());
        for (name, email) in CAST {
            let user = self.create_user(&Email::parse(email)?, &UserName::parse(name)?).await?;
            ids.push(user.id);
        }
        for &(from, to, message, minutes_ago, then) in STORY {
            let (sender, recipient) = (ids[from], ids[to]);
            let message = RequestMessage::parse(message)?;
            let request = self.send_request(sender, recipient, message.as_ref()).await?;
            match then {
                Then::Stay => {}
                Then::Accept => drop(self.respond(recipient, request.id, Answer::Accept).await?),
                Then::Reject => drop(self.respond(recipient, request.id, Answer::Reject).await?),
                Then::Cancel => drop(self.cancel_request(sender, request.id).await?),
            }
            self.backdate(request.id, minutes_ago).await?;
        }
        // Alice turned Heidi down and then blocked her, so Alice's list shows a block too.
        self.block(ids[0], ids[7]).await?;
        self.mark_notifications_read(ids[4]).await?;
        Ok(true)
    }

    /// Moves a seeded request, what it caused (its notifications, the partnership it made) and
    /// its answer `minutes` into the past; the answer comes a few minutes after the request.
    async fn backdate(&self, request: RequestId, minutes: i64) -> StoreResult<()> {
        let created = self.now().minus_millis(minutes * 60_000).millis();
        let answered = created + (minutes * 60_000 / 4).min(3 * 3_600_000);
        self.db
            .write(async move |conn| {
                conn.execute(
                    "update partner_requests set created_at = $1, \
                            responded_at = case when responded_at is null then null else $2 end, \
                            expires_at = $1 + (expires_at - created_at) where request_id = $3",
                    params![created, answered, request.get()],
                )
                .await?;
                conn.execute(
                    "update notifications set created_at = case when kind = 'request_received' then $1 else $2 end \
                     where request_id = $3",
                    params![created, answered, request.get()],
                )
                .await?;
                conn.execute(
                    "update partnerships set created_at = $1 where exists (select 1 from partner_requests r \
                       where r.request_id = $2 and r.status = 'accepted' \
                         and r.user_low = partnerships.user_a_id and r.user_high = partnerships.user_b_id)",
                    params![answered, request.get()],
                )
                .await?;
                Ok(())
            })
            .await
    }
}
