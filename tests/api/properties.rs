//! Random sequences of operations by random users, checked against a model of the rules and
//! against the invariants in the database after every step.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;

const USERS: i64 = 4;

#[derive(Debug, Clone)]
enum Op {
    Send(i64, i64),
    Respond(i64, usize, bool),
    Cancel(i64, usize),
    End(i64, usize),
    Block(i64, i64),
    Unblock(i64, i64),
}

fn op() -> impl Strategy<Value = Op> {
    let user = 0..USERS;
    prop_oneof![
        4 => (user.clone(), user.clone()).prop_map(|(a, b)| Op::Send(a, b)),
        3 => (user.clone(), 0..8usize, any::<bool>()).prop_map(|(a, r, ok)| Op::Respond(a, r, ok)),
        1 => (user.clone(), 0..8usize).prop_map(|(a, r)| Op::Cancel(a, r)),
        1 => (user.clone(), 0..8usize).prop_map(|(a, p)| Op::End(a, p)),
        1 => (user.clone(), user.clone()).prop_map(|(a, b)| Op::Block(a, b)),
        1 => (user.clone(), user).prop_map(|(a, b)| Op::Unblock(a, b)),
    ]
}

/// What the rules say the state is.
#[derive(Default)]
struct Model {
    /// request id → (sender, recipient, status)
    requests: BTreeMap<i64, (i64, i64, &'static str)>,
    /// partnership id → ordered pair
    partnerships: BTreeMap<i64, (i64, i64)>,
    blocks: BTreeSet<(i64, i64)>,
}

impl Model {
    fn pair(a: i64, b: i64) -> (i64, i64) {
        (a.min(b), a.max(b))
    }
    fn pending_between(&self, a: i64, b: i64) -> Option<(i64, i64)> {
        self.requests
            .iter()
            .find(|(_, (s, r, st))| *st == "pending" && Self::pair(*s, *r) == Self::pair(a, b))
            .map(|(id, (s, _, _))| (*id, *s))
    }
    fn expected_send(&self, a: i64, b: i64) -> &'static str {
        if a == b {
            "self_request"
        } else if self.blocks.contains(&(a, b)) || self.blocks.contains(&(b, a)) {
            "blocked"
        } else if self.partnerships.values().any(|p| *p == Self::pair(a, b)) {
            "already_partners"
        } else {
            match self.pending_between(a, b) {
                Some((_, sender)) if sender == a => "duplicate_request",
                Some(_) => "reverse_request_pending",
                None => "ok",
            }
        }
    }
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    // The model knows no cooldown: asking again after a rejection is always open here.
    let app = TestApp::spawn_with(|s| s.service.lifecycle.cooldown_days = 0).await;
    let mut ids = Vec::new();
    for i in 0..USERS {
        ids.push(app.user(&format!("User{i}")).await);
    }
    let raw = app.db.raw().await;
    let mut model = Model::default();
    let code = |r: &(StatusCode, serde_json::Value)| -> String {
        if r.0.is_success() { "ok".into() } else { r.1["error"]["code"].as_str().unwrap_or("?").to_owned() }
    };

    for op in ops {
        match op {
            Op::Send(a, b) => {
                let (ua, ub) = (ids[a as usize], ids[b as usize]);
                let expected = model.expected_send(ua, ub);
                let r = app.post("/api/v1/partner-requests", Some(ua), json!({"recipient_id": ub})).await;
                prop_assert_eq!(code(&r), expected, "send {} -> {}", ua, ub);
                if r.0.is_success() {
                    model.requests.insert(r.1["request_id"].as_i64().unwrap(), (ua, ub, "pending"));
                }
            }
            Op::Respond(a, n, accept) => {
                let Some((&rid, &(s, rcpt, st))) = model.requests.iter().nth(n % model.requests.len().max(1)) else {
                    continue;
                };
                let actor = ids[a as usize];
                let expected = if actor != rcpt {
                    "forbidden"
                } else if st != "pending" {
                    "not_pending"
                } else {
                    "ok"
                };
                let r = app.respond(actor, rid, if accept { "accept" } else { "reject" }).await;
                prop_assert_eq!(code(&r), expected, "respond {} to {}", actor, rid);
                if r.0.is_success() {
                    model.requests.insert(rid, (s, rcpt, if accept { "accepted" } else { "rejected" }));
                    if accept {
                        let (_, list) = app.get(&format!("/api/v1/users/{actor}/partnerships"), Some(actor)).await;
                        let pid = list["partnerships"][0]["partnership_id"].as_i64().unwrap();
                        model.partnerships.insert(pid, Model::pair(s, rcpt));
                    }
                }
            }
            Op::Cancel(a, n) => {
                let Some((&rid, &(s, rcpt, st))) = model.requests.iter().nth(n % model.requests.len().max(1)) else {
                    continue;
                };
                let actor = ids[a as usize];
                let expected = if actor != s {
                    "forbidden"
                } else if st != "pending" {
                    "not_pending"
                } else {
                    "ok"
                };
                let r = app.post(&format!("/api/v1/partner-requests/{rid}/cancel"), Some(actor), json!({})).await;
                prop_assert_eq!(code(&r), expected, "cancel {} by {}", rid, actor);
                if r.0.is_success() {
                    model.requests.insert(rid, (s, rcpt, "cancelled"));
                }
            }
            Op::End(a, n) => {
                let Some((&pid, &(x, y))) = model.partnerships.iter().nth(n % model.partnerships.len().max(1)) else {
                    continue;
                };
                let actor = ids[a as usize];
                let expected = if actor == x || actor == y { "ok" } else { "forbidden" };
                let r = app.delete(&format!("/api/v1/partnerships/{pid}"), Some(actor)).await;
                prop_assert_eq!(code(&r), expected, "end {} by {}", pid, actor);
                if r.0.is_success() {
                    model.partnerships.remove(&pid);
                }
            }
            Op::Block(a, b) => {
                let (ua, ub) = (ids[a as usize], ids[b as usize]);
                let r = app.post(&format!("/api/v1/users/{ua}/blocks"), Some(ua), json!({"blocked_user_id": ub})).await;
                prop_assert_eq!(code(&r), if ua == ub { "self_block" } else { "ok" });
                if r.0.is_success() {
                    model.blocks.insert((ua, ub));
                    if let Some((rid, _)) = model.pending_between(ua, ub) {
                        let entry = model.requests.get_mut(&rid).unwrap();
                        entry.2 = "rejected";
                    }
                }
            }
            Op::Unblock(a, b) => {
                let (ua, ub) = (ids[a as usize], ids[b as usize]);
                let r = app.delete(&format!("/api/v1/users/{ua}/blocks/{ub}"), Some(ua)).await;
                let expected = if model.blocks.contains(&(ua, ub)) { "ok" } else { "block_not_found" };
                prop_assert_eq!(code(&r), expected);
                model.blocks.remove(&(ua, ub));
            }
        }
        check_invariants(&raw, &model).await?;
    }
    Ok(())
}

async fn check_invariants(raw: &sqlx::AnyPool, model: &Model) -> Result<(), TestCaseError> {
    let scalar = |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(raw).await.unwrap() };
    prop_assert_eq!(
        scalar(
            "select count(*) from (select user_low, user_high from partner_requests where status = 'pending' \
                group by user_low, user_high having count(*) > 1) d"
        )
        .await,
        0,
        "more than one pending request for a pair"
    );
    prop_assert_eq!(scalar("select count(*) from partnerships where user_a_id >= user_b_id").await, 0);
    prop_assert_eq!(
        scalar(
            "select count(*) from (select user_a_id, user_b_id from partnerships group by user_a_id, user_b_id \
                having count(*) > 1) d"
        )
        .await,
        0
    );
    prop_assert_eq!(
        scalar("select count(*) from partner_requests where status = 'accepted'").await,
        model.requests.values().filter(|r| r.2 == "accepted").count() as i64
    );
    prop_assert_eq!(scalar("select count(*) from partnerships").await, model.partnerships.len() as i64);
    prop_assert_eq!(
        scalar("select count(*) from notifications where kind = 'request_received'").await,
        model.requests.len() as i64,
        "one notification per request sent"
    );
    // The totals kept by triggers match what counting finds, for every user.
    prop_assert_eq!(
        scalar(
            "select count(*) from user_counts c where \
               c.pending_received <> (select count(*) from partner_requests r \
                                      where r.recipient_id = c.user_id and r.status = 'pending') \
               or c.pending_sent <> (select count(*) from partner_requests r \
                                     where r.sender_id = c.user_id and r.status = 'pending') \
               or c.partnerships <> (select count(*) from partnerships p \
                                     where p.user_a_id = c.user_id or p.user_b_id = c.user_id)"
        )
        .await,
        0,
        "user_counts out of step with the rows"
    );
    prop_assert_eq!(
        scalar(
            "select count(*) from users u where not exists (select 1 from user_counts c where c.user_id = u.user_id)"
        )
        .await,
        0
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_keep_the_rules_and_invariants(ops in prop::collection::vec(op(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(run(ops))?;
    }
}
