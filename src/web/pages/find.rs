//! "Find partners": the search box, a page of results with where each person stands with you,
//! and one row per person offering the single action that fits.

use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::network::InCommonView;
use super::person::Person;
use super::plain::{Plain, action_path, dom_id};
use super::relative_time::When;
use crate::domain::{Candidate, PageRequest, PartnershipId, RequestId, SearchQuery, Standing, UncountedPage};
use crate::web::error::AppResult;

/// Results per page of user search (sign-in list and "Find partners").
pub const SEARCH_PAGE_SIZE: i64 = 20;

/// `?q=&page=` of user search, as typed; a page that is not a number is the first.
#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub page: Option<String>,
}

/// A search as asked: the text to show back, the parsed query and the page.
pub struct Search {
    pub text: String,
    pub query: SearchQuery,
    pub page: PageRequest,
}

impl Search {
    pub fn parse(params: &SearchParams) -> AppResult<Self> {
        let text = params.q.as_deref().unwrap_or_default().trim().to_owned();
        let query = SearchQuery::parse(Some(&text))?;
        // A page typed past the deepest one served shows that one, whose pager says why.
        let deepest = PageRequest::MAX_DEPTH / SEARCH_PAGE_SIZE;
        let page = params.page.as_deref().and_then(|p| p.trim().parse::<i64>().ok());
        let page = PageRequest::parse(page.filter(|p| *p >= 1).map(|p| p.min(deepest)), Some(SEARCH_PAGE_SIZE))?;
        Ok(Self { text, query, page })
    }
}

/// The whole section: heading, search box, results.
#[derive(Template)]
#[template(path = "partials/find.html")]
pub struct FindSection {
    pub q: String,
    pub results: FindResults,
}

/// One page of results; re-fetches itself when an action elsewhere on the page changed
/// someone's standing (the `dn-relations-changed` event).
#[derive(Template, WebTemplate)]
#[template(path = "partials/find_results.html")]
pub struct FindResults {
    pub q: String,
    pub rows: Vec<FindRow>,
    pub pager: Pager,
    /// This very page, for the self-refresh.
    pub url: String,
}

impl FindResults {
    pub fn new(q: &str, found: &UncountedPage<Candidate>) -> Self {
        let page = found.page.page();
        Self {
            q: q.to_owned(),
            pager: Pager::new(
                found.page,
                found.has_more,
                found.capped,
                |n| search_url(q, n),
                Some("find-results"),
                "Search result pages",
                REFINE,
            ),
            rows: found.items.iter().map(|c| FindRow::new(c, false)).collect(),
            url: search_url(q, page),
        }
    }
}

#[derive(Template)]
#[template(path = "partials/find_row.html")]
pub struct FindRow {
    pub person: Person,
    pub standing: Standing,
    /// Prefix of the row's element ids: `find-<user id>`. The `find-` prefix is how an action
    /// knows it came from this list (htmx names the target, `find-<id>-err`, in `HX-Target`).
    pub dom: Plain,
    pub in_common: InCommonView,
    pub oob: bool,
}

impl FindRow {
    pub fn new(candidate: &Candidate, oob: bool) -> Self {
        Self {
            dom: dom_id("find", candidate.user.id),
            person: (&candidate.user).into(),
            standing: candidate.standing,
            in_common: InCommonView::new(candidate.user.id, &candidate.in_common),
            oob,
        }
    }

    pub fn request_url(&self, id: &RequestId, action: &'static str) -> Plain {
        action_path("requests", *id, action)
    }

    pub fn end_url(&self, id: &PartnershipId) -> Plain {
        action_path("partnerships", *id, "end")
    }

    /// When the viewer may ask again, if they must wait: the day, the exact time on hover.
    pub fn retry(&self) -> Option<When> {
        self.standing.retry_at().map(|at| When::day(at, at))
    }

    pub fn unblock_url(&self) -> Plain {
        action_path("blocks", self.person.id, "remove")
    }
}

/// Previous / next links of a paged list; plain links that htmx turns into in-place swaps.
#[derive(Template)]
#[template(path = "partials/pager.html")]
pub struct Pager {
    pub page: u32,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// Why there is no next page although more would match: a search that looked at as many
    /// users as it may, or a list paged as deep as it goes.
    pub note: Option<&'static str>,
    /// The element the links replace with htmx; `None`: plain links.
    pub target: Option<&'static str>,
    pub label: &'static str,
}

/// What a search that stopped at its bound says.
pub const REFINE: &str = "Refine your search to see more.";

impl Pager {
    /// Links around `page` of a list. When more exists than the list can show (`capped`: the
    /// search looked at as many users as it may; or the next page would be deeper than any list
    /// is paged), the pager says `beyond` instead of offering it.
    pub fn new(
        page: PageRequest,
        has_more: bool,
        capped: bool,
        url: impl Fn(u32) -> String,
        target: Option<&'static str>,
        label: &'static str,
        beyond: &'static str,
    ) -> Self {
        let n = page.page();
        let next_servable = PageRequest::parse(Some(i64::from(n) + 1), Some(i64::from(page.size()))).is_ok();
        let note = (capped || (has_more && !next_servable)).then_some(beyond);
        Self {
            page: n,
            prev: (n > 1).then(|| url(n - 1)),
            next: (has_more && next_servable).then(|| url(n + 1)),
            note,
            target,
            label,
        }
    }
}

/// `/users/search` for a query and page (the one address of user search, signed in or out).
pub fn search_url(q: &str, page: u32) -> String {
    let mut params = Vec::new();
    if !q.is_empty() {
        params.push(("q", q.to_owned()));
    }
    if page > 1 {
        params.push(("page", page.to_string()));
    }
    match serde_urlencoded::to_string(&params) {
        Ok(query) if !query.is_empty() => format!("/users/search?{query}"),
        _ => "/users/search".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::search_url;

    #[test]
    fn search_urls_encode_the_query() {
        assert_eq!(search_url("", 1), "/users/search");
        assert_eq!(search_url("a&b c", 2), "/users/search?q=a%26b+c&page=2");
    }
}
