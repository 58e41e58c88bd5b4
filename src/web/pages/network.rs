//! The network on the pages: "N partners in common" beside a person (the names behind it in a
//! `<details>` element, fetched afresh as an htmx fragment when JavaScript is on), and the
//! "People you may know" section.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum_htmx::VaryHxRequest;

use super::errors::Asked;
use super::person::Person;
use super::plain::{Plain, dom_id};
use crate::domain::{InCommon, PageRequest, Suggestion, User, UserId};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::signed_in::SignedIn;

/// "3 partners in common" and the names behind it; renders nothing when there are none.
#[derive(Template)]
#[template(path = "partials/in_common.html")]
pub struct InCommonView {
    pub other: UserId,
    pub count: i64,
    /// The count stopped at its bound: "200+".
    pub at_least: bool,
    pub names: InCommonNames,
}

impl InCommonView {
    pub fn new(other: UserId, in_common: &InCommon) -> Self {
        Self {
            other,
            count: in_common.count,
            at_least: in_common.at_least,
            names: InCommonNames::new(&in_common.first, in_common.more()),
        }
    }

    pub fn label(&self) -> String {
        let plus = if self.at_least { "+" } else { "" };
        let noun = if self.count == 1 && !self.at_least { "partner" } else { "partners" };
        format!("{}{plus} {noun} in common", self.count)
    }
}

/// The first few names, "and N more": the htmx fragment, also inside the `<details>` element.
#[derive(Template, WebTemplate)]
#[template(path = "partials/in_common_names.html")]
pub struct InCommonNames {
    pub names: Vec<Arc<str>>,
    pub more: i64,
}

impl InCommonNames {
    fn new(first: &[User], more: i64) -> Self {
        Self { names: first.iter().map(|user| user.name.shared()).collect(), more: more.max(0) }
    }

    /// "Alice, Bob and 4 more", "Alice and Bob", "Alice".
    pub fn sentence(&self) -> String {
        let mut parts: Vec<String> = self.names.iter().map(|name| name.to_string()).collect();
        if self.more > 0 {
            parts.push(format!("{} more", self.more));
        }
        match parts.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            Some((last, _)) => last.clone(),
            None => String::new(),
        }
    }
}

/// `GET /people/{id}/in-common`: the names of the partners the signed-in user shares with
/// `id`, as read now (the fragment a row's "partners in common" loads when opened).
pub async fn names(
    State(state): State<AppState>,
    asked: Asked,
    me: Result<SignedIn, AppError>,
    Path(id): Path<String>,
) -> Response {
    asked
        .answer(async {
            let me = me?;
            let other = UserId::parse_text(&id)?;
            let page = PageRequest::parse(None, Some(InCommon::NAMES_SHOWN as i64))?;
            let found = state.service.network().in_common(me.id(), other, page).await?;
            let names = InCommonNames::new(&found.items, found.total - found.items.len() as i64);
            Ok((VaryHxRequest, names).into_response())
        })
        .await
}

/// One person the viewer may know.
pub struct SuggestionRow {
    pub person: Person,
    pub in_common: InCommonView,
    /// `suggest-<user id>`.
    pub dom: Plain,
}

/// "People you may know": a few suggestions, each with Send request.
#[derive(Template)]
#[template(path = "partials/suggestions.html")]
pub struct SuggestionsSection {
    pub rows: Vec<SuggestionRow>,
    pub oob: bool,
}

impl SuggestionsSection {
    pub fn new(suggestions: &[Suggestion]) -> Self {
        let rows = suggestions
            .iter()
            .map(|s| {
                let in_common = InCommon { count: s.partners_in_common, at_least: false, first: Vec::new() };
                SuggestionRow {
                    person: (&s.user).into(),
                    in_common: InCommonView::new(s.user.id, &in_common),
                    dom: dom_id("suggest", s.user.id),
                }
            })
            .collect();
        Self { rows, oob: false }
    }

    /// Marked for an out-of-band swap (in an htmx answer).
    pub fn out_of_band(mut self) -> Self {
        self.oob = true;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(names: &[&str], more: i64) -> InCommonNames {
        InCommonNames { names: names.iter().map(|n| Arc::from(*n)).collect(), more }
    }

    #[test]
    fn names_read_as_a_sentence() {
        assert_eq!(names(&["Ann"], 0).sentence(), "Ann");
        assert_eq!(names(&["Ann", "Bo"], 0).sentence(), "Ann and Bo");
        assert_eq!(names(&["A", "B", "C", "D", "E"], 4).sentence(), "A, B, C, D, E and 4 more");
    }
}
