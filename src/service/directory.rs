//! The user directory: users by name, all of them or those a search finds (see `store/search.rs`
//! for the bound on a search's work).

use super::handle::Service;
use crate::cache::Stamped;
use crate::domain::{CountedPage, PageRequest, SearchQuery, UncountedPage, User};
use crate::store::search::UserSearch;
use crate::store::{StoreResult, counts};

#[derive(Clone, Copy)]
pub struct Directory<'a>(pub(super) &'a Service);

impl Directory<'_> {
    /// Users whose name or e-mail contains `query` (all users when it is empty), by name, with
    /// the number of matches. A search repeated while no user was added is answered from the
    /// searches kept, a quick read; only the others are searches.
    pub async fn search(self, query: &SearchQuery, page: PageRequest) -> StoreResult<CountedPage<User>> {
        let shared = &self.0.0;
        let key = (query.as_str().to_owned(), page.limit(), page.offset());
        let (service, kept) = (self.0.clone(), key.clone());
        let cached = shared
            .db
            .read(async move |conn| {
                let version = counts::users_version(conn).await?;
                Ok(service.0.caches.searches.get_at(&kept, &version))
            })
            .await?;
        if let Some(found) = cached {
            return Ok(found);
        }
        let service = self.0.clone();
        let search = UserSearch::new(shared.db.backend(), query);
        shared
            .db
            .search(async move |conn| {
                // In the search's snapshot, so the entry is kept with the version it matches.
                let version = counts::users_version(conn).await?;
                let found = search.page(conn, page, None).await?;
                let mut ids = found.ids;
                ids.truncate(page.size() as usize);
                let items = service.0.caches.users.in_order(conn, &ids).await?;
                let paged = CountedPage { items, page, total: found.matched, total_exact: !found.capped };
                service.0.caches.searches.insert(key.clone(), Stamped { stamp: version, value: paged.clone() });
                Ok(paged)
            })
            .await
    }

    /// Users whose name or e-mail contains `query` (all when empty), by name, one page, without
    /// a count (the sign-in page's list).
    pub async fn page(self, query: &SearchQuery, page: PageRequest) -> StoreResult<UncountedPage<User>> {
        let service = self.0.clone();
        let search = UserSearch::new(self.0.0.db.backend(), query);
        self.0
            .0
            .db
            .search(async move |conn| {
                let found = search.page(conn, page, None).await?;
                let users = service.0.caches.users.in_order(conn, &found.ids).await?;
                Ok(UncountedPage::from_one_more(users, page, found.capped))
            })
            .await
    }
}
