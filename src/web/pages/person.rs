//! A user as the pages show one: name, e-mail and the initials of the round badge beside them.

use std::sync::Arc;

use crate::domain::{User, UserId};

/// The user's texts are shared with the store's kept user, not copied.
pub struct Person {
    pub id: UserId,
    pub name: Arc<str>,
    pub email: Arc<str>,
    pub initials: String,
}

impl From<&User> for Person {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            initials: initials(user.name.as_str()),
            name: user.name.shared(),
            email: user.email.shared(),
        }
    }
}

/// The letters of the round badge: the first letter or digit of the first and of the last word,
/// upper-cased.
fn initials(name: &str) -> String {
    let mut words = name.split_whitespace().filter_map(|word| word.chars().find(|c| c.is_alphanumeric()));
    let (first, last) = (words.next(), words.next_back());
    first.into_iter().chain(last).flat_map(char::to_uppercase).collect()
}

/// The prefix of a row's element ids: `incoming-7`, then `incoming-7-name`, `incoming-7-err`.
pub fn dom_id<T>(list: &str, id: crate::domain::Id<T>) -> String {
    format!("{list}-{}", id.get())
}

/// The address of an action on one thing: `/requests/7/accept`, `/partnerships/3/end`.
pub fn action_path<T>(collection: &str, id: crate::domain::Id<T>, action: &str) -> String {
    format!("/{collection}/{}/{action}", id.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{RequestId, UserId};

    #[test]
    fn initials_take_first_and_last_word() {
        assert_eq!(initials("Alice Martin"), "AM");
        assert_eq!(initials("bob"), "B");
        assert_eq!(initials("Jean Claude van Damme"), "JD");
        assert_eq!(initials("<script>"), "S");
        assert_eq!(initials("  "), "");
        assert_eq!(initials("élodie Ørsted"), "ÉØ");
        assert_eq!(initials("straße 9"), "S9");
    }

    #[test]
    fn ids_and_paths_read_as_the_pages_use_them() {
        assert_eq!(dom_id("incoming", RequestId::new(7)), "incoming-7");
        assert_eq!(action_path("requests", RequestId::new(7), "accept"), "/requests/7/accept");
        assert_eq!(action_path("blocks", UserId::new(12), "remove"), "/blocks/12/remove");
    }
}
