//! `POST /requests/bulk`: accept, reject or withdraw the checked requests of a list. Each goes
//! through the use case of its single action (`service.requests().bulk`); the answer says how many
//! succeeded and why the others did not: a flash message without JavaScript, and with htmx the
//! lists updated in place with each failure beside its row when the row is still there.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_htmx::{HxResponseTrigger, VaryHxRequest};
use serde::Deserialize;

use super::actions::{ActionUpdate, RELATIONS_CHANGED};
use super::errors::Asked;
use super::layout::StatusRegion;
use super::lists::Lists;
use super::network::SuggestionsSection;
use crate::domain::{BulkAction, BulkIds, RuleError};
use crate::service::BulkOutcome;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::session::Flash;
use crate::web::signed_in::SignedIn;

#[derive(Debug, Deserialize)]
pub struct BulkForm {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub request_id: Vec<String>,
}

pub async fn bulk(
    State(state): State<AppState>,
    asked: Asked,
    me: Result<SignedIn, AppError>,
    Form(form): Form<BulkForm>,
) -> Response {
    asked
        .answer(async {
            let me = me?;
            let action = BulkAction::parse(&form.action)?;
            let ids = form
                .request_id
                .iter()
                .map(|raw| raw.trim().parse::<i64>().map_err(|_| RuleError::InvalidId))
                .collect::<Result<Vec<i64>, _>>()?;
            let ids = BulkIds::parse(ids)?;
            let outcomes = state.service.requests().bulk(me.id(), action, &ids).await;
            let failures: Vec<(i64, AppError)> = outcomes
                .into_iter()
                .filter_map(|BulkOutcome { raw_id, result }| result.err().map(|error| (raw_id, AppError::from(error))))
                .collect();
            let succeeded = ids.iter().count() - failures.len();
            let summary = summary(action, succeeded, &failures);
            let flash = if succeeded == 0 { Flash::error(summary) } else { Flash::success(summary) };
            if !asked.is_htmx() {
                me.session.set_flash(flash).await?;
                return Ok((VaryHxRequest, Redirect::to(asked.back())).into_response());
            }
            let after = state.service.dashboard().after_action(me.id(), None, false).await?;
            let mut lists = Lists::new(&after.relations, state.service.now()).out_of_band();
            let why: HashMap<i64, String> =
                failures.iter().map(|(id, error)| (*id, error.problem().message.into_owned())).collect();
            for row in lists.incoming.rows.iter_mut().chain(lists.sent.rows.iter_mut()) {
                row.error = why.get(&row.id.get()).cloned();
            }
            let update = ActionUpdate {
                find_row: None,
                incoming: Some(lists.incoming),
                sent: Some(lists.sent),
                partners: Some(lists.partners),
                suggestions: Some(SuggestionsSection::new(&after.suggestions).out_of_band()),
                nav: lists.nav,
                status: Some(StatusRegion { flash: Some(flash), oob: true }),
                live: lists.live,
            };
            Ok((VaryHxRequest, HxResponseTrigger::normal([RELATIONS_CHANGED]), update).into_response())
        })
        .await
}

/// "Accepted 18, 2 were no longer pending."
fn summary(action: BulkAction, succeeded: usize, failures: &[(i64, AppError)]) -> String {
    let verb = match action {
        BulkAction::Accept => "Accepted",
        BulkAction::Reject => "Rejected",
        BulkAction::Cancel => "Withdrew",
    };
    let mut parts = vec![if succeeded == 0 { format!("{verb} none") } else { format!("{verb} {succeeded}") }];
    // Grouped by reason, in the order the reasons first came up.
    let mut reasons: Vec<(String, usize)> = Vec::new();
    for (_, error) in failures {
        let reason = reason(action, error);
        match reasons.iter_mut().find(|(known, _)| *known == reason) {
            Some((_, n)) => *n += 1,
            None => reasons.push((reason, 1)),
        }
    }
    for (reason, n) in reasons {
        let verb = if n == 1 { "was" } else { "were" };
        parts.push(format!("{n} {verb} {reason}"));
    }
    format!("{}.", parts.join(", "))
}

fn reason(action: BulkAction, error: &AppError) -> String {
    match (error, action) {
        (AppError::Rule(RuleError::NotPending), _) => "no longer pending".into(),
        (AppError::Rule(RuleError::RequestNotFound), _) => "not found".into(),
        (AppError::Rule(RuleError::Forbidden), BulkAction::Cancel) => "not yours to withdraw".into(),
        (AppError::Rule(RuleError::Forbidden), _) => "not yours to answer".into(),
        (AppError::Rule(RuleError::AlreadyPartners), _) => "from someone already your partner".into(),
        _ => format!("refused ({})", error.problem().message.trim_end_matches('.')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_successes_and_groups_failures_by_reason() {
        let gone = || AppError::from(RuleError::NotPending);
        let failures = vec![(1, gone()), (2, gone())];
        assert_eq!(summary(BulkAction::Accept, 18, &failures), "Accepted 18, 2 were no longer pending.");
        let failures = vec![(3, AppError::from(RuleError::Forbidden)), (4, gone())];
        assert_eq!(
            summary(BulkAction::Cancel, 0, &failures),
            "Withdrew none, 1 was not yours to withdraw, 1 was no longer pending."
        );
        assert_eq!(summary(BulkAction::Reject, 3, &[]), "Rejected 3.");
    }
}
