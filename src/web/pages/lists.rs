//! The three lists of the dashboard (incoming and sent requests, partners), the live poller that
//! keeps them current, and the read that fills them. Each section is one template used both by
//! the full page and, out of band, by htmx responses.

use std::hash::{DefaultHasher, Hash, Hasher};

use askama::Template;

use super::layout::NotificationsLink;
use super::network::InCommonView;
use super::person::Person;
use super::plain::{Plain, action_path, dom_id};
use super::relative_time::When;
use crate::domain::{CountedPage, PartnershipId, Relations, RequestId, RequestWithUser, Timestamp};

/// A pending request as a row: the other person, their note, when it was sent.
pub struct RequestRow {
    pub id: RequestId,
    pub user: Person,
    pub message: Option<String>,
    pub when: When,
    /// When it expires, if it does: "in 3 days".
    pub expires: Option<When>,
    /// Prefix of the row's element ids (`incoming-7`, `sent-7`).
    pub dom: Plain,
    /// Partners in common with the other person (incoming rows only).
    pub in_common: InCommonView,
    /// Why a bulk action left this row as it was.
    pub error: Option<String>,
}

impl RequestRow {
    fn new(item: &RequestWithUser, side: &'static str, now: Timestamp) -> Self {
        Self {
            id: item.request.id,
            dom: dom_id(side, item.request.id),
            user: (&item.other).into(),
            message: item.request.message.clone(),
            when: When::new(item.request.created_at, now),
            expires: item.request.expires_at.map(|at| When::ahead(at, now)),
            in_common: InCommonView::new(item.other.id, &item.in_common),
            error: None,
        }
    }

    pub fn url(&self, action: &'static str) -> Plain {
        action_path("requests", self.id, action)
    }
}

pub struct PartnerRow {
    pub id: PartnershipId,
    pub user: Person,
    pub since: When,
    pub dom: Plain,
}

impl PartnerRow {
    pub fn url(&self) -> Plain {
        action_path("partnerships", self.id, "end")
    }
}

#[derive(Template)]
#[template(path = "partials/incoming.html")]
pub struct IncomingSection {
    pub rows: Vec<RequestRow>,
    pub total: i64,
    pub oob: bool,
}

#[derive(Template)]
#[template(path = "partials/sent.html")]
pub struct SentSection {
    pub rows: Vec<RequestRow>,
    pub total: i64,
    pub oob: bool,
}

#[derive(Template)]
#[template(path = "partials/partners.html")]
pub struct PartnersSection {
    pub rows: Vec<PartnerRow>,
    pub total: i64,
    pub oob: bool,
}

/// A hidden element that asks every few seconds whether the lists changed; `stamp` fingerprints
/// what the page shows, so an unchanged dashboard costs a 204 and no swap.
#[derive(Template)]
#[template(path = "partials/live.html")]
pub struct LivePoller {
    pub stamp: String,
    pub oob: bool,
}

/// Everything the dashboard's lists show for one user, read from one snapshot of the database,
/// so the lists, their totals and the live poller's stamp agree with each other.
pub struct Lists {
    pub incoming: IncomingSection,
    pub sent: SentSection,
    pub partners: PartnersSection,
    pub nav: NotificationsLink,
    pub live: LivePoller,
}

impl Lists {
    /// The lists of `relations`, with times relative to `now`.
    pub fn new(relations: &Relations, now: Timestamp) -> Self {
        let Relations { incoming, sent, partners, unread, .. } = relations;
        let stamp = fingerprint(incoming, sent, partners, *unread);
        let rows = |list: &CountedPage<RequestWithUser>, side: &'static str| -> Vec<RequestRow> {
            list.items.iter().map(|item| RequestRow::new(item, side, now)).collect()
        };
        Self {
            incoming: IncomingSection { total: incoming.total, rows: rows(incoming, "incoming"), oob: false },
            sent: SentSection { total: sent.total, rows: rows(sent, "sent"), oob: false },
            partners: PartnersSection {
                total: partners.total,
                rows: partners
                    .items
                    .iter()
                    .map(|p| PartnerRow {
                        dom: dom_id("partner", p.id),
                        id: p.id,
                        user: (&p.partner).into(),
                        since: When::new(p.created_at, now),
                    })
                    .collect(),
                oob: false,
            },
            nav: NotificationsLink { unread: *unread, oob: false },
            live: LivePoller { stamp, oob: false },
        }
    }

    /// Marks every part for an out-of-band swap.
    pub fn out_of_band(mut self) -> Self {
        self.incoming.oob = true;
        self.sent.oob = true;
        self.partners.oob = true;
        self.nav.oob = true;
        self.live.oob = true;
        self
    }
}

/// Ids, totals and the unread count: what, when it changes, changes what the lists show.
fn fingerprint(
    incoming: &CountedPage<RequestWithUser>,
    sent: &CountedPage<RequestWithUser>,
    partners: &CountedPage<crate::domain::Partnership>,
    unread: i64,
) -> String {
    let mut hasher = DefaultHasher::new();
    for list in [incoming, sent] {
        list.total.hash(&mut hasher);
        list.items.iter().for_each(|item| item.request.id.hash(&mut hasher));
    }
    partners.total.hash(&mut hasher);
    partners.items.iter().for_each(|item| item.id.hash(&mut hasher));
    unread.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}
