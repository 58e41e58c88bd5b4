//! The demo cast: a few users and requests in every state, so a fresh demo has something to
//! click at once. Every change goes through the same use cases the API and the pages call; only
//! the back-dating of the seeded history (so times read "2 hours ago", not all "just now") is its
//! own statement (`store/seeding.rs`).

use crate::domain::{Answer, Email, RequestId, RequestMessage, UserId, UserName};
use crate::service::Service;
use crate::store::{StoreResult, seeding};

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

/// Fills an empty database with the demo cast and its history. Returns `false`, having changed
/// nothing, when the database already has users.
pub async fn seed(service: &Service) -> StoreResult<bool> {
    if service.accounts().any().await? {
        return Ok(false);
    }
    let mut ids: Vec<UserId> = Vec::with_capacity(CAST.len());
    for (name, email) in CAST {
        let user = service.accounts().create(&Email::parse(email)?, &UserName::parse(name)?).await?;
        ids.push(user.id);
    }
    let requests = service.requests();
    for &(from, to, message, minutes_ago, then) in STORY {
        let (sender, recipient) = (ids[from], ids[to]);
        let message = RequestMessage::parse(message)?;
        let request = requests.send(sender, recipient, message.as_ref()).await?;
        match then {
            Then::Stay => {}
            Then::Accept => drop(requests.answer(recipient, request.id, Answer::Accept).await?),
            Then::Reject => drop(requests.answer(recipient, request.id, Answer::Reject).await?),
            Then::Cancel => drop(requests.withdraw(sender, request.id).await?),
        }
        backdate(service, request.id, minutes_ago).await?;
    }
    // Alice turned Heidi down and then blocked her, so Alice's list shows a block too.
    service.blocks().block(ids[0], ids[7]).await?;
    service.notifications().mark_read(ids[4]).await?;
    Ok(true)
}

/// Moves a seeded request, what it caused and its answer `minutes` into the past; the answer
/// comes a few minutes after the request.
async fn backdate(service: &Service, request: RequestId, minutes: i64) -> StoreResult<()> {
    let created = service.now().minus_millis(minutes * 60_000).millis();
    let answered = created + (minutes * 60_000 / 4).min(3 * 3_600_000);
    service.database().write(async move |conn| Ok(seeding::backdate(conn, request, created, answered).await?)).await
}
