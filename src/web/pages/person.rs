//! A user as the pages show one: name, e-mail and the initials of the round badge beside them.

use std::sync::Arc;

use crate::domain::{User, UserId};

/// The user's texts are shared with the service's kept user, not copied.
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
